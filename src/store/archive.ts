/**
 * Runs as archive documents (docs/retention.md): everything the database holds about an ended run (the run,
 * its tasks with their attempts, its events, its key-value store) read in one go, and removed in one
 * transaction per batch, so that the engine's own transactions wait at most one short batch.
 */
import { RUN_END_STATES, type AttemptRow, type EventRow, type RunRow, type TaskRow } from '../engine/store.js';
import type { SqlPort } from './port.js';
import { toAttemptRow, toEventRow, toRunRow, toTaskRow } from './rows.js';

export interface RunArchive {
  run: RunRow;
  tasks: Array<TaskRow & { attemptsList: AttemptRow[] }>;
  events: EventRow[];
  kv: Array<{ key: string; value: string }>;
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** The oldest ended runs that ended before `before`, at most `limit`, by id. */
export async function endedBefore(db: SqlPort, before: number, limit: number, afterId = 0): Promise<number[]> {
  const rows = await db.query(
    `SELECT id FROM runs WHERE state IN (${marks(RUN_END_STATES.length)}) AND ended_at < ? AND id > ? ORDER BY id LIMIT ?`,
    [...RUN_END_STATES, before, afterId, limit]);
  return rows.map((r) => Number(r.id));
}

export async function readArchives(db: SqlPort, ids: readonly number[]): Promise<RunArchive[]> {
  if (ids.length === 0) return [];
  const inIds = `(${marks(ids.length)})`;
  const runs = (await db.query(`SELECT * FROM runs WHERE id IN ${inIds} ORDER BY id`, [...ids])).map(toRunRow);
  const tasks = (await db.query(`SELECT * FROM tasks WHERE run_id IN ${inIds} ORDER BY id`, [...ids])).map(toTaskRow);
  const attempts = (await db.query(`SELECT a.* FROM attempts a JOIN tasks t ON t.id = a.task_id WHERE t.run_id IN ${inIds} ORDER BY a.task_id, a.attempt`, [...ids]))
    .map(toAttemptRow);
  const events = (await db.query(`SELECT * FROM events WHERE run_id IN ${inIds} ORDER BY id`, [...ids])).map(toEventRow);
  const kv = await db.query(`SELECT run_id, key, value FROM kv WHERE run_id IN ${inIds} ORDER BY run_id, key`, [...ids]);
  const byTask = new Map<number, AttemptRow[]>();
  for (const a of attempts) byTask.set(a.taskId, [...(byTask.get(a.taskId) ?? []), a]);
  return runs.map((run) => ({
    run,
    tasks: tasks.filter((t) => t.runId === run.id).map((t) => ({ ...t, attemptsList: byTask.get(t.id) ?? [] })),
    events: events.filter((e) => e.runId === run.id),
    kv: kv.filter((r) => Number(r.run_id) === run.id).map((r) => ({ key: String(r.key), value: String(r.value) })),
  }));
}

/** Removes the runs (only those still ended: a run restarted meanwhile stays) in one transaction; the ids removed. */
export async function removeRuns(db: SqlPort, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  return db.transaction(async (tx) => {
    const still = (await tx.query(`SELECT id FROM runs WHERE id IN (${marks(ids.length)}) AND state IN (${marks(RUN_END_STATES.length)})`,
      [...ids, ...RUN_END_STATES])).map((r) => Number(r.id));
    if (still.length === 0) return [];
    const inIds = `(${marks(still.length)})`;
    await tx.run(`DELETE FROM attempts WHERE task_id IN (SELECT id FROM tasks WHERE run_id IN ${inIds})`, still);
    await tx.run(`DELETE FROM resource_holds WHERE run_id IN ${inIds}`, still);
    await tx.run(`DELETE FROM tasks WHERE run_id IN ${inIds}`, still);
    await tx.run(`DELETE FROM events WHERE run_id IN ${inIds}`, still);
    await tx.run(`DELETE FROM kv WHERE run_id IN ${inIds}`, still);
    await tx.run(`DELETE FROM runs WHERE id IN ${inIds}`, still);
    return still;
  });
}
