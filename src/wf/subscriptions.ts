/**
 * Workflow events, durable, with the semantics of the in-memory driver (src/lang/vm/memory-events.ts): a
 * run subscribes under a name with a mask; a raised event is queued on every subscription (of any run)
 * whose mask is a subset of it, and the subscriber is nudged; wait_for_event takes the oldest queued event
 * of the named subscriptions. Queued events stay until taken or until their subscription or run goes.
 */
import type { JsonObject } from '../lang/json.js';
import { maskMatches } from '../lang/vm/memory-events.js';
import type { Queryable } from '../store/port.js';
import { nudge } from './inbox.js';

export async function subscribe(tx: Queryable, runId: number, name: string, mask: JsonObject, at: number): Promise<void> {
  await tx.run('DELETE FROM wf_event_queue WHERE run_id = ? AND name = ?', [runId, name]);
  await tx.run('DELETE FROM wf_subscriptions WHERE run_id = ? AND name = ?', [runId, name]);
  await tx.run('INSERT INTO wf_subscriptions (run_id, name, mask, created_at) VALUES (?, ?, ?, ?)', [runId, name, JSON.stringify(mask), at]);
}

export async function unsubscribe(tx: Queryable, runId: number, name: string): Promise<boolean> {
  await tx.run('DELETE FROM wf_event_queue WHERE run_id = ? AND name = ?', [runId, name]);
  return (await tx.run('DELETE FROM wf_subscriptions WHERE run_id = ? AND name = ?', [runId, name])) > 0;
}

/** Queues the event on every matching subscription; returns the runs it was queued for (nudged). */
export async function raise(tx: Queryable, event: JsonObject, at: number): Promise<number[]> {
  const subs = await tx.query('SELECT run_id, name, mask FROM wf_subscriptions ORDER BY run_id, name');
  const targets = new Set<number>();
  for (const s of subs) {
    if (!maskMatches(JSON.parse(String(s.mask)) as JsonObject, event)) continue;
    const runId = Number(s.run_id);
    const delivered: JsonObject = { name: String(s.name), event };
    await tx.run('INSERT INTO wf_event_queue (run_id, name, event, at) VALUES (?, ?, ?, ?)', [runId, String(s.name), JSON.stringify(delivered), at]);
    targets.add(runId);
  }
  for (const runId of targets) await nudge(tx, runId, at);
  return [...targets];
}

/** Takes the oldest event queued on one of the named subscriptions of the run: `{name, event}`. */
export async function take(tx: Queryable, runId: number, names: readonly string[]): Promise<JsonObject | null> {
  if (names.length === 0) return null;
  const [row] = await tx.query(
    `SELECT id, event FROM wf_event_queue WHERE run_id = ? AND name IN (${names.map(() => '?').join(', ')}) ORDER BY id LIMIT 1`,
    [runId, ...names]);
  if (!row) return null;
  await tx.run('DELETE FROM wf_event_queue WHERE id = ?', [Number(row.id)]);
  return JSON.parse(String(row.event)) as JsonObject;
}

export async function dropRun(tx: Queryable, runId: number): Promise<void> {
  await tx.run('DELETE FROM wf_event_queue WHERE run_id = ?', [runId]);
  await tx.run('DELETE FROM wf_subscriptions WHERE run_id = ?', [runId]);
}
