/** Runs: start, list, read, audit trail, output, and the two questions (why, forecast). */
import { EVENT, EXPLANATION, FORECAST, RUN, RUN_STATES, TASK_WITH_ATTEMPTS } from './entities.js';
import { arr, flowName, int, jobName, obj, oneOf, runId, str } from './schema.js';
import type { MethodSpec } from './types.js';

export const runMethods = {
  'runs.start': {
    summary: 'create a run of a flow; the server drives it. Parameters are coerced to their declared type; `vars` override the variables of the flow and ordo.yaml for this run', permission: 'operate',
    params: obj({
      flow: flowName,
      params: { type: 'object', additionalProperties: { type: ['string', 'number', 'integer', 'boolean'] }, description: 'flow parameters' },
      vars: { type: 'object', additionalProperties: { type: ['string', 'number', 'integer', 'boolean'] }, description: "overrides of the flow's variables (${{ vars.NAME }}), as text" },
      priority: int({ minimum: -999, maximum: 999, description: "added to every job's priority" }),
      statsClass: str({ pattern: '^[A-Za-z][A-Za-z0-9_-]*$', maxLength: 100, description: 'which duration statistics the run uses and feeds' }),
    }, ['flow']),
    result: obj({ run: int() }, ['run']),
    rest: { verb: 'POST', path: '/api/flows/:flow/runs' },
  },
  'runs.list': {
    summary: 'runs, newest first', permission: 'read',
    params: obj({ flow: flowName, state: oneOf(RUN_STATES), limit: int({ minimum: 1, maximum: 1000, default: 20 }) }),
    result: arr(RUN), rest: { verb: 'GET', path: '/api/runs' },
  },
  'runs.get': {
    summary: 'a run, its tasks with their attempts, and its key-value store', permission: 'read',
    params: obj({ run: runId }, ['run']),
    result: obj({ run: RUN, tasks: arr(TASK_WITH_ATTEMPTS), kv: arr(obj({ key: str(), value: str() }, ['key', 'value'])) }, ['run', 'tasks', 'kv']),
    rest: { verb: 'GET', path: '/api/runs/:run' },
  },
  'runs.events': {
    summary: "a run's audit trail, in order; `after` an event id to read only newer ones", permission: 'read',
    params: obj({ run: runId, after: int({ minimum: 0 }) }, ['run']),
    result: arr(EVENT), rest: { verb: 'GET', path: '/api/runs/:run/events' },
  },
  'runs.logs': {
    summary: "an attempt's captured output (latest attempt unless `attempt`), in pages of at most `limit` bytes", permission: 'read',
    params: obj({
      run: runId, job: jobName, attempt: int({ minimum: 1 }),
      stream: oneOf(['stdout', 'stderr', 'all', 'attempt'], { default: 'stdout', description: 'all: stdout and stderr in the order written; attempt: the START/FINISH lines' }),
      offset: int({ minimum: 0, description: 'byte offset to read from' }),
      limit: int({ minimum: 1, maximum: 4 * 1024 * 1024, description: 'most bytes to return (default 1 MiB)' }),
    }, ['run', 'job']),
    result: obj({
      run: int(), job: str(), attempt: int(), stream: str(), text: str(),
      offset: int(), nextOffset: int({ description: 'where the next page starts' }), size: int({ description: 'bytes in the stream now' }),
    }, ['run', 'job', 'attempt', 'stream', 'text', 'offset', 'nextOffset', 'size']),
    rest: { verb: 'GET', path: '/api/runs/:run/jobs/:job/logs' },
  },
  'runs.why': {
    summary: 'why a job is not running: the dependency, lock, gate, connector, slot, load or priority that holds it', permission: 'read',
    params: obj({ run: runId, job: jobName }, ['run', 'job']), result: EXPLANATION,
    rest: { verb: 'GET', path: '/api/runs/:run/jobs/:job/why' },
  },
  'runs.forecast': {
    summary: 'expected start and end of each job and of the run; jobs expected to miss their deadline', permission: 'read',
    params: obj({ run: runId }, ['run']), result: FORECAST,
    rest: { verb: 'GET', path: '/api/runs/:run/forecast' },
  },
} satisfies Record<string, MethodSpec>;

