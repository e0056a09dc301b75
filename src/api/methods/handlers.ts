/** Handlers of the handler-delivery methods: `ordo handlers` and `ordo handlers retry ID` on a server. */
import { OrdoError } from '../../errors.js';
import { getDelivery, listDeliveries, retryDelivery, type DeliveryRow, type DeliveryState } from '../../store/deliveries.js';
import type { SqlPort } from '../../store/port.js';
import { handler, type ApiServices } from '../context.js';

export function deliveryView(d: DeliveryRow) {
  return {
    id: d.id, eventId: d.eventId, run: d.runId, job: d.job, handler: d.name, on: d.on, kind: d.kind, state: d.state,
    attempts: d.attempts, maxAttempts: d.maxAttempts, nextAt: d.nextAt, lastError: d.lastError, createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

/** A dead delivery due again; ORDO_NOT_FOUND or ORDO_BAD_STATE (not dead) otherwise. */
export async function retryDead(db: SqlPort, id: number, by: string, now: number): Promise<DeliveryRow> {
  const d = await retryDelivery(db, id, by, now);
  if (d) return d;
  const current = await getDelivery(db, id);
  if (!current) throw new OrdoError('ORDO_NOT_FOUND', `there is no delivery ${id}`);
  throw new OrdoError('ORDO_BAD_STATE', `delivery ${id} is ${current.state}: only a dead one can be retried`);
}

export function handlerHandlers(s: ApiServices) {
  return {
    'handlers.list': handler(async (p: { state?: DeliveryState; run?: number; limit?: number }) =>
      (await listDeliveries(s.store.sql, { state: p.state, runId: p.run, limit: p.limit })).map(deliveryView)),
    'handlers.retry': handler(async (p: { id: number }, call) => deliveryView(await retryDead(s.store.sql, p.id, call.principal.name, s.now()))),
  };
}
