/** History across runs (docs/history.md): a job's attempts with what they used, and the event log of all runs. */
import { EVENT, USAGE } from './entities.js';
import { arr, entity, flowName, int, jobName, nullable, num, obj, str } from './schema.js';
import type { MethodSpec } from './types.js';

const ENTRY = entity('one attempt of the job in one run', {
  runId: int(), businessDate: nullable(str()), attempt: int(), state: str(), startedAt: int(), endedAt: nullable(int()),
  durationMs: nullable(int()), exitCode: nullable(int()), signal: nullable(str()), error: nullable(str()), usage: nullable(USAGE),
});

const STATS = entity('figures over the attempts listed', {
  attempts: int(), succeeded: int(), failed: int(), successRate: nullable(num()),
  durationMs: nullable(obj({ p50: int(), p90: int(), max: int() }, ['p50', 'p90', 'max'])), meanCpuMs: nullable(int()), maxRssKb: nullable(int()),
});

export const historyMethods = {
  'jobs.history': {
    summary: "a job's attempts over its flow's last runs, newest first, with durations, exit, CPU time and peak memory, and figures over them",
    permission: 'read',
    params: obj({ flow: flowName, job: jobName, limit: int({ minimum: 1, maximum: 1000, default: 20 }) }, ['flow', 'job']),
    result: obj({ entries: arr(ENTRY), stats: STATS }, ['entries', 'stats']),
    rest: { verb: 'GET', path: '/api/flows/:flow/jobs/:job/history' },
  },
  'events.list': {
    summary: 'the event log across all runs, oldest first: after an event id and/or since an instant, at most `limit` (the newest when more match)',
    permission: 'read',
    params: obj({ after: int({ minimum: 0 }), since: int({ minimum: 0, description: 'ms since the epoch' }), limit: int({ minimum: 1, maximum: 10000, default: 1000 }) }),
    result: arr(EVENT), rest: { verb: 'GET', path: '/api/events' },
  },
} satisfies Record<string, MethodSpec>;
