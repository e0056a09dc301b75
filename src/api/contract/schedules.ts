/** Schedules: the flows' triggers and fires, pausing them, and backfill (the `ordo schedules|fires|pause|resume|backfill` commands). */
import { arr, bool, entity, flowName, int, nullable, obj, oneOf, str } from './schema.js';
import type { MethodSpec } from './types.js';

const date = str({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

const SCHEDULE = entity('a flow with triggers', {
  flow: str(), paused: bool(), triggers: arr(str()), overlap: str(), catchup: str(),
  lastFire: nullable(entity('the last fire', { at: str(), state: str(), run: nullable(int()) })),
});

const FIRE = entity('a trigger fire and what became of it', {
  id: int(), flow: str(), triggerKey: str(), at: int(), businessDate: nullable(str()),
  state: oneOf(['firing', 'started', 'queued', 'skipped', 'superseded']), reason: nullable(str()), runId: nullable(int()),
});

const paused = (value: boolean) => obj({ flow: str(), paused: { const: value } }, ['flow', 'paused']);

export const scheduleMethods = {
  'schedules.list': {
    summary: 'flows with triggers: their policies, whether paused, and their last fire', permission: 'read',
    params: obj({}), result: arr(SCHEDULE), rest: { verb: 'GET', path: '/api/schedules' },
  },
  'schedules.fires': {
    summary: "a flow's recent trigger fires, newest first", permission: 'read',
    params: obj({ flow: flowName, limit: int({ minimum: 1, maximum: 1000 }) }, ['flow']), result: arr(FIRE),
    rest: { verb: 'GET', path: '/api/schedules/:flow/fires' },
  },
  'schedules.pause': {
    summary: "pause a flow's schedule: its fires are recorded as skipped until resumed", permission: 'operate',
    params: obj({ flow: flowName }, ['flow']), result: paused(true), rest: { verb: 'POST', path: '/api/schedules/:flow/pause' },
  },
  'schedules.resume': {
    summary: "resume a flow's paused schedule", permission: 'operate',
    params: obj({ flow: flowName }, ['flow']), result: paused(false), rest: { verb: 'POST', path: '/api/schedules/:flow/resume' },
  },
  'schedules.backfill': {
    summary: "queue a run for every instant of the flow's plan and cron triggers with a business date in [from, to]; started one at a time, priority -10",
    permission: 'operate',
    params: obj({ flow: flowName, from: date, to: date }, ['flow', 'from', 'to']),
    result: arr(entity('a queued fire', { at: str(), businessDate: str(), trigger: str() })),
    rest: { verb: 'POST', path: '/api/schedules/:flow/backfill' },
  },
} satisfies Record<string, MethodSpec>;
