/**
 * Handler deliveries (docs/alerts.md): what each event's handlers did, and a retry of a dead one. The
 * handler's definition is not shown (a webhook secret may be written in it); its place and kind are.
 */
import { arr, entity, int, millis, nullable, obj, oneOf, runId, str } from './schema.js';
import type { MethodSpec } from './types.js';

const STATES = ['pending', 'delivered', 'dead'] as const;

export const delivery = entity('a delivery of one event to one handler', {
  id: int(), eventId: int({ description: 'the event it delivers: the same id in every attempt (X-Ordo-Event-Id)' }),
  run: nullable(int()), job: nullable(str()), handler: str({ description: 'where the handler is: job:NAME#N, flow#N or project#N' }),
  on: str(), kind: oneOf(['command', 'shell', 'email', 'webhook']), state: oneOf(STATES), attempts: int(), maxAttempts: int(),
  nextAt: millis({ description: 'when a pending delivery is due' }), lastError: nullable(str()), createdAt: millis(), updatedAt: millis(),
});

export const handlerMethods = {
  'handlers.list': {
    summary: 'handler deliveries, newest first: state, attempts, last error', permission: 'read',
    params: obj({ state: oneOf(STATES), run: runId, limit: int({ minimum: 1, maximum: 1000, default: 100 }) }),
    result: arr(delivery), rest: { verb: 'GET', path: '/api/handlers' },
  },
  'handlers.retry': {
    summary: 'give a dead delivery a fresh set of attempts, due now', permission: 'operate',
    params: obj({ id: int({ minimum: 1 }) }, ['id']), result: delivery, rest: { verb: 'POST', path: '/api/handlers/:id/retry' },
  },
} satisfies Record<string, MethodSpec>;
