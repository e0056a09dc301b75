/** Operator actions on runs and jobs. Each is one transaction with its events. */
import { arr, entity, flowName, int, jobName, obj, oneOf, runId, str } from './schema.js';
import type { MethodSpec } from './types.js';

const done = (extra: Record<string, ReturnType<typeof str>> = {}) =>
  entity('what was done', { run: int(), job: str(), ...extra }, ['run']);

export const operateMethods = {
  'runs.abort': {
    summary: 'abort a running or waiting job, or (without `job`) the whole run', permission: 'operate',
    params: obj({ run: runId, job: jobName }, ['run']), result: done(),
    rest: { verb: 'POST', path: '/api/runs/:run/abort' },
  },
  'runs.skip': {
    summary: 'skip a job when it becomes runnable (it counts as done for jobs waiting on its success)', permission: 'operate',
    params: obj({ run: runId, job: jobName }, ['run', 'job']), result: done(),
    rest: { verb: 'POST', path: '/api/runs/:run/jobs/:job/skip' },
  },
  'runs.restart': {
    summary: 'restart a job: only it, its downstream jobs too, or its downstream jobs that did not succeed; an ended run reopens',
    permission: 'operate',
    params: obj({ run: runId, job: jobName, mode: oneOf(['only', 'downstream', 'failed'], { default: 'downstream' }) }, ['run', 'job']),
    result: entity('the jobs restarted', { run: int(), job: str(), jobs: arr(str()) }),
    rest: { verb: 'POST', path: '/api/runs/:run/jobs/:job/restart' },
  },
  'runs.bulk': {
    summary: 'one action (skip, abort or restart with its mode) on many jobs of a run, in one transaction: all change, or none when one refuses',
    permission: 'operate',
    params: obj({
      run: runId, action: oneOf(['skip', 'abort', 'restart']), jobs: { ...arr(jobName), minItems: 1, maxItems: 10000 },
      mode: oneOf(['only', 'downstream', 'failed'], { default: 'downstream' }),
    }, ['run', 'action', 'jobs']),
    result: entity('the jobs changed', { run: int(), action: str(), jobs: arr(str()) }),
    rest: { verb: 'POST', path: '/api/runs/:run/bulk' },
  },
  'jobs.disable': {
    summary: 'disable a job: in every run it is skipped (and counts as done) until enabled', permission: 'operate',
    params: obj({ flow: flowName, job: jobName }, ['flow', 'job']), result: obj({ flow: str(), job: str(), enabled: { const: false } }, ['flow', 'job', 'enabled']),
    rest: { verb: 'POST', path: '/api/flows/:flow/jobs/:job/disable' },
  },
  'jobs.enable': {
    summary: 'enable a disabled job again', permission: 'operate',
    params: obj({ flow: flowName, job: jobName }, ['flow', 'job']), result: obj({ flow: str(), job: str(), enabled: { const: true } }, ['flow', 'job', 'enabled']),
    rest: { verb: 'POST', path: '/api/flows/:flow/jobs/:job/enable' },
  },
} satisfies Record<string, MethodSpec>;
