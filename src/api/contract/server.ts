/** The server itself, the caller, and live updates (subscriptions over a WebSocket). */
import { PERMISSIONS, ROLES } from '../../auth/roles.js';
import { RUN_STATES, TASK_STATES } from './entities.js';
import { anyObject, arr, bool, entity, flowName, int, millis, nullable, obj, oneOf, runId, str } from './schema.js';
import type { MethodSpec, NotificationSpec } from './types.js';

export const serverMethods = {
  'server.health': {
    summary: 'whether the server is up and its engine and store work', permission: 'public',
    params: obj({}),
    result: entity('health', { status: oneOf(['ok', 'degraded']), version: str(), uptimeMs: int(), ready: bool() }),
    rest: { verb: 'GET', path: '/api/health' },
  },
  'auth.whoami': {
    summary: "the caller's name, role and permissions", permission: 'public',
    params: obj({}),
    result: obj({ name: str(), role: nullable(oneOf(ROLES)), permissions: arr(oneOf(PERMISSIONS)) }, ['name', 'role', 'permissions']),
    rest: { verb: 'GET', path: '/api/whoami' },
  },
  subscribe: {
    summary: 'receive `run.changed` and `task.changed` notifications for some runs, the runs of some flows, or all (WebSocket only)',
    permission: 'read', streaming: true,
    params: obj({
      runs: arr(runId, { maxItems: 1000 }), flows: arr(flowName, { maxItems: 1000 }), all: { const: true },
    }, [], { minProperties: 1 }),
    result: obj({ subscription: str() }, ['subscription']),
  },
  unsubscribe: {
    summary: 'stop a subscription', permission: 'read', streaming: true,
    params: obj({ subscription: str({ maxLength: 100 }) }, ['subscription']),
    result: obj({ subscription: str(), removed: bool() }, ['subscription', 'removed']),
  },
} satisfies Record<string, MethodSpec>;

const change = {
  subscription: str({ description: 'the subscription that matched' }), eventId: int({ description: 'id in the audit trail' }),
  at: millis(), kind: str({ description: 'the event kind, e.g. task_started' }), run: int(), flow: str(),
};

/** What the server sends, unasked, to subscribers. */
export const NOTIFICATIONS = {
  'run.changed': {
    summary: 'a run changed state (created, started, ended, reopened) or an operator acted on it',
    params: obj({ ...change, state: nullable(oneOf(RUN_STATES)), data: anyObject },
      ['subscription', 'eventId', 'at', 'kind', 'run', 'flow', 'state']),
  },
  'task.changed': {
    summary: 'a task changed state (ready, running, ended, retried, restarted) or an operator acted on it',
    params: obj({ ...change, job: str(), task: int(), state: nullable(oneOf(TASK_STATES)), data: anyObject },
      ['subscription', 'eventId', 'at', 'kind', 'run', 'flow', 'job', 'task', 'state']),
  },
} satisfies Record<string, NotificationSpec>;
