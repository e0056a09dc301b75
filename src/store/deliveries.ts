/**
 * Handler deliveries in the store (docs/alerts.md). `queueDeliveries` runs inside the transaction that
 * writes the events: each event a handler fires is inserted on its own (its id is the delivery's
 * idempotency key) with one delivery row per handler. The dispatcher claims due rows with a lease, so
 * a delivery a crashed server was making is made again once its lease runs out (at least once).
 */
import type { HandlerDef } from '../defs/handlers.js';
import type { FlowDef } from '../defs/model.js';
import type { Firing } from '../engine/handlers.js';
import type { EventInput } from '../engine/store.js';
import type { Queryable, SqlPort, SqlRow } from './port.js';
import { parseJson } from './rows.js';

export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface DeliveryRow {
  id: number;
  eventId: number;
  runId: number | null;
  job: string | null;
  /** The handler's place: `job:NAME#1`, `flow#2`, `project#1`. */
  name: string;
  on: string;
  kind: HandlerDef['action']['kind'];
  handler: HandlerDef;
  /** What the receiver gets (the event, with its id). */
  payload: DeliveryPayload;
  state: DeliveryState;
  attempts: number;
  maxAttempts: number;
  nextAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryPayload {
  /** The event id: the same in every delivery of one event, so that a receiver can drop duplicates. */
  eventId: number;
  event: string;
  on: string;
  at: string;
  flow: string;
  run: number | null;
  job: string | null;
  handler: string;
  data: Record<string, unknown>;
}

function toDelivery(r: SqlRow): DeliveryRow {
  return {
    id: Number(r.id), eventId: Number(r.event_id), runId: r.run_id === null ? null : Number(r.run_id), job: (r.job as string | null) ?? null,
    name: String(r.name), on: String(r.on_event), kind: r.kind as DeliveryRow['kind'], handler: parseJson<HandlerDef>(r.handler)!,
    payload: parseJson<DeliveryPayload>(r.payload)!, state: r.state as DeliveryState, attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts), nextAt: Number(r.next_at), leaseOwner: (r.lease_owner as string | null) ?? null,
    leaseUntil: r.lease_until === null || r.lease_until === undefined ? null : Number(r.lease_until),
    lastError: (r.last_error as string | null) ?? null, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

const EVENT_INSERT_ONE = 'INSERT INTO events (at, run_id, task_id, job, kind, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING id';

/**
 * Writes `events` in order; those at an index of `firings` one by one (for their id) with their delivery
 * rows, the others through `insertPlain` (a multi-row insert).
 */
export async function insertEventsWithDeliveries(
  tx: Queryable, events: EventInput[], firings: Map<number, { def: FlowDef; list: Firing[] }>,
  insertPlain: (tx: Queryable, events: EventInput[]) => Promise<void>,
): Promise<void> {
  let plain: EventInput[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const f = firings.get(i);
    if (!f) {
      plain.push(e);
      continue;
    }
    if (plain.length > 0) await insertPlain(tx, plain);
    plain = [];
    const [row] = await tx.query<{ id: number }>(EVENT_INSERT_ONE, [e.at, e.runId, e.taskId ?? null, e.job ?? null, e.kind, e.data ? JSON.stringify(e.data) : null]);
    const eventId = Number(row!.id);
    for (const { handler, on, name } of f.list) {
      const payload: DeliveryPayload = {
        eventId, event: e.kind, on, at: new Date(e.at).toISOString(), flow: f.def.name, run: e.runId, job: e.job ?? null, handler: name, data: e.data ?? {},
      };
      await tx.run(
        'INSERT INTO handler_deliveries (event_id, run_id, job, name, on_event, kind, handler, payload, state, attempts, max_attempts, next_at, created_at, updated_at) ' +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)",
        [eventId, e.runId, e.job ?? null, name, on, handler.action.kind, JSON.stringify(handler), JSON.stringify(payload), handler.retries + 1, e.at, e.at, e.at]);
    }
  }
  if (plain.length > 0) await insertPlain(tx, plain);
}

/** Takes up to `limit` due deliveries for `owner` until `now + leaseMs`; each claim counts as an attempt. */
export async function claimDeliveries(db: SqlPort, owner: string, now: number, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
  return db.transaction(async (tx) => {
    const lock = db.caps.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
    const due = await tx.query<{ id: number }>(
      "SELECT id FROM handler_deliveries WHERE state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?) " +
      `ORDER BY next_at, id LIMIT ?${lock}`, [now, now, limit]);
    const out: DeliveryRow[] = [];
    for (const { id } of due) {
      const [row] = await tx.query(
        'UPDATE handler_deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? RETURNING *',
        [owner, now + leaseMs, now, id]);
      if (row) out.push(toDelivery(row));
    }
    return out;
  });
}

/**
 * Records one attempt's outcome with its event, while `owner` still holds the lease (else another
 * dispatcher took the delivery over and its outcome counts): delivered, retried at `retryAt`, or dead.
 */
export async function settleDelivery(db: SqlPort, d: DeliveryRow, owner: string, now: number,
  outcome: { ok: true; detail?: string } | { ok: false; error: string; retryAt: number | null }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const state: DeliveryState = outcome.ok ? 'delivered' : outcome.retryAt === null ? 'dead' : 'pending';
    const changed = await tx.run(
      'UPDATE handler_deliveries SET state = ?, next_at = ?, lease_owner = NULL, lease_until = NULL, last_error = ?, updated_at = ? ' +
      'WHERE id = ? AND lease_owner = ? AND attempts = ?',
      [state, outcome.ok ? d.nextAt : outcome.retryAt ?? d.nextAt, outcome.ok ? null : outcome.error, now, d.id, owner, d.attempts]);
    if (changed === 0) return false;
    const data: Record<string, unknown> = {
      delivery: d.id, eventId: d.eventId, handler: d.name, kind: d.kind, on: d.on, attempt: d.attempts,
      ...(outcome.ok ? (outcome.detail ? { detail: outcome.detail } : {}) : { error: outcome.error, dead: state === 'dead', ...(outcome.retryAt !== null && { retryAt: outcome.retryAt }) }),
    };
    await tx.run('INSERT INTO events (at, run_id, task_id, job, kind, data) VALUES (?, ?, NULL, ?, ?, ?)',
      [now, d.runId, d.job, outcome.ok ? 'handler_delivered' : 'handler_failed', JSON.stringify(data)]);
    return true;
  });
}

export interface DeliveryFilter {
  state?: DeliveryState;
  runId?: number;
  limit?: number;
}

export async function listDeliveries(db: Queryable, f: DeliveryFilter = {}): Promise<DeliveryRow[]> {
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (f.state) {
    where.push('state = ?');
    params.push(f.state);
  }
  if (f.runId !== undefined) {
    where.push('run_id = ?');
    params.push(f.runId);
  }
  const rows = await db.query(`SELECT * FROM handler_deliveries${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
    [...params, f.limit ?? 100]);
  return rows.map(toDelivery);
}

export async function getDelivery(db: Queryable, id: number): Promise<DeliveryRow | undefined> {
  const [row] = await db.query('SELECT * FROM handler_deliveries WHERE id = ?', [id]);
  return row ? toDelivery(row) : undefined;
}

/** A dead delivery gets a fresh set of attempts, due now, with an event saying who asked. */
export async function retryDelivery(db: SqlPort, id: number, by: string, now: number): Promise<DeliveryRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query(
      "UPDATE handler_deliveries SET state = 'pending', attempts = 0, next_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? " +
      "WHERE id = ? AND state = 'dead' RETURNING *", [now, now, id]);
    if (!row) return undefined;
    const d = toDelivery(row);
    await tx.run('INSERT INTO events (at, run_id, task_id, job, kind, data) VALUES (?, ?, NULL, ?, ?, ?)',
      [now, d.runId, d.job, 'handler_retry_requested', JSON.stringify({ delivery: d.id, eventId: d.eventId, handler: d.name, by })]);
    return d;
  });
}
