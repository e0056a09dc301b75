/**
 * A run's inbox: durable answers to the effect it waits for, written by whoever produced them (a worker's
 * result, a child's end, a lock granted by another run's release, the run's own immediate acks) in the
 * same transaction as that change. The run's next step consumes one answer in its own transaction, so an
 * answer is applied exactly once whatever crashes in between.
 *
 * `step` names the effect an answer belongs to (the step that produced it); an answer to an older effect
 * is stale and dropped. `step` null means "whenever": an operator's interrupt, a nudge.
 */
import type { JsonObject } from '../lang/json.js';
import type { Event } from '../lang/vm/effects.js';
import type { Queryable } from '../store/port.js';
import { toInbox } from './rows.js';
import type { InboxRow } from './types.js';

export async function post(tx: Queryable, runId: number, step: number | null, kind: string, data: JsonObject, at: number): Promise<void> {
  await tx.run('INSERT INTO wf_inbox (run_id, step, kind, data, at) VALUES (?, ?, ?, ?, ?)', [runId, step, kind, JSON.stringify(data), at]);
}

/** Posts a whole VM event as the answer to a step's effect. */
export async function answer(tx: Queryable, runId: number, step: number, event: Event, at: number): Promise<void> {
  await post(tx, runId, step, event.kind, event as unknown as JsonObject, at);
}

/** Tells a run to look again (an event was queued for it) without answering anything itself. */
export async function nudge(tx: Queryable, runId: number, at: number): Promise<void> {
  await post(tx, runId, null, 'nudge', {}, at);
}

export async function readInbox(tx: Queryable, runId: number): Promise<InboxRow[]> {
  return (await tx.query('SELECT * FROM wf_inbox WHERE run_id = ? ORDER BY id', [runId])).map(toInbox);
}

export async function consume(tx: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.run(`DELETE FROM wf_inbox WHERE id IN (${ids.map(() => '?').join(', ')})`, [...ids]);
}

export async function clearInbox(tx: Queryable, runId: number): Promise<void> {
  await tx.run('DELETE FROM wf_inbox WHERE run_id = ?', [runId]);
}

/** Runs (among `owner`'s) that have something in their inbox: answers from other processes. */
export async function runsWithMail(db: Queryable, owner: string): Promise<number[]> {
  const rows = await db.query(
    "SELECT DISTINCT i.run_id AS id FROM wf_inbox i JOIN wf_runs r ON r.id = i.run_id WHERE r.owner = ? AND r.status IN ('running', 'waiting')",
    [owner]);
  return rows.map((r) => Number(r.id));
}
