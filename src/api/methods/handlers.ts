/** Handlers of the handler-delivery methods: `ordo handlers` and `ordo handlers retry ID` on a server. */
import { OrdoError } from '../../errors.js';
import { getDelivery, listDeliveries, retryDelivery, type DeliveryRow, type DeliveryState } from '../../store/deliveries.js';
import { handler, type ApiServices } from '../context.js';

export function deliveryView(d: DeliveryRow) {
  return {
    id: d.id, eventId: d.eventId, run: d.runId, job: d.job, handler: d.name, on: d.on, kind: d.kind, state: d.state,
    attempts: d.attempts, maxAttempts: d.maxAttempts, nextAt: d.nextAt, lastError: d.lastError, createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

export function handlerHandlers(s: ApiServices) {
  return {
    'handlers.list': handler(async (p: { state?: DeliveryState; run?: number; limit?: number }) =>
      (await listDeliveries(s.store.sql, { state: p.state, runId: p.run, limit: p.limit })).map(deliveryView)),
    'handlers.retry': handler(async (p: { id: number }, call) => {
      const d = await retryDelivery(s.store.sql, p.id, call.principal.name, s.now());
      if (d) return deliveryView(d);
      const now = await getDelivery(s.store.sql, p.id);
      if (!now) throw new OrdoError('ORDO_NOT_FOUND', `there is no delivery ${p.id}`);
      throw new OrdoError('ORDO_BAD_STATE', `delivery ${p.id} is ${now.state}: only a dead one can be retried`);
    }),
  };
}
