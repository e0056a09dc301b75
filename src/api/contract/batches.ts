/** Network-wide batches (docs/batches.md): run one (a named batch of the project, or a batch file's text), read, list, rerun. */
import { arr, bool, entity, int, millis, nullable, obj, oneOf, str } from './schema.js';
import type { MethodSpec } from './types.js';

const batchId = int({ minimum: 1, description: 'batch id' });
const batchName = str({ minLength: 1, maxLength: 200, description: 'batch name' });

const HOST_RESULT = entity('what one host of a batch did', {
  host: str(), group: int(), outcome: oneOf(['ok', 'failed', 'not run', 'running', 'waiting']), state: str(),
  exitCode: nullable(int()), signal: nullable(str()), attempts: int(), startedAt: nullable(millis()), endedAt: nullable(millis()),
  durationMs: nullable(int()), rule: str({ description: 'the entry of the command map that chose its command' }),
  error: nullable(str()), output: str({ description: 'the last lines of its output' }),
});

export const BATCH_STATES = ['running', 'succeeded', 'failed', 'stopped', 'aborted'] as const;

const BATCH = entity('a batch and its collected result: per host, and totals', {
  id: int(), name: str(), run: int({ description: 'the run that carries it out (ordo show RUN)' }), parent: nullable(int({ description: 'the batch this one reruns' })),
  source: str(), createdAt: millis(), createdBy: str(), state: oneOf(BATCH_STATES),
  stoppedAfter: nullable(int({ description: 'the group after which the failure threshold stopped it' })),
  maxFailures: str(), allowedFailures: int(), groups: int(),
  totals: obj({ hosts: int(), ok: int(), failed: int(), notRun: int(), running: int(), durationMs: nullable(int()) },
    ['hosts', 'ok', 'failed', 'notRun', 'running', 'durationMs'], { additionalProperties: true }),
  hosts: arr(HOST_RESULT),
});

const SUMMARY = entity('a batch in a list', {
  id: int(), name: str(), run: int(), parent: nullable(int()), source: str(), createdAt: millis(), createdBy: str(), state: oneOf(BATCH_STATES),
  hosts: int(), ok: int(), failed: int(), notRun: int(),
});

export const batchMethods = {
  'batches.run': {
    summary: 'start a batch: a named batch of the project (`name`), or a batch file\'s text (`file`, `text`) read against the project\'s hosts; the server runs it',
    permission: 'operate',
    params: obj({
      name: batchName,
      file: str({ minLength: 1, maxLength: 500, description: 'the file name shown in diagnostics' }),
      text: str({ maxLength: 1_000_000, description: 'the batch file\'s YAML' }),
    }),
    result: obj({ batch: int(), run: int() }, ['batch', 'run']),
    rest: { verb: 'POST', path: '/api/batches' },
  },
  'batches.get': {
    summary: 'a batch\'s record: per host its outcome, exit status, duration and output tail; the totals', permission: 'read',
    params: obj({ batch: batchId }, ['batch']), result: BATCH, rest: { verb: 'GET', path: '/api/batches/:batch' },
  },
  'batches.list': {
    summary: 'batches, newest first', permission: 'read',
    params: obj({ name: batchName, limit: int({ minimum: 1, maximum: 1000, default: 20 }) }),
    result: arr(SUMMARY), rest: { verb: 'GET', path: '/api/batches' },
  },
  'batches.rerun': {
    summary: 'a new batch over the hosts of a batch that failed or did not run (`failed: true`), in their groups, linked to it', permission: 'operate',
    params: obj({ batch: batchId, failed: bool({ description: 'only the failed and not-run hosts (the only kind of rerun)' }) }, ['batch', 'failed']),
    result: obj({ batch: int(), run: int(), hosts: int() }, ['batch', 'run', 'hosts']),
    rest: { verb: 'POST', path: '/api/batches/:batch/rerun' },
  },
} satisfies Record<string, MethodSpec>;
