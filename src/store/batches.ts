/**
 * The batches table (migration 0009, docs/batches.md): one row per batch, written in the transaction that
 * creates its run, so a batch is never without its run nor a run of a batch without its row. What happened
 * on each host is the run's tasks and attempts; the row keeps the plan for reruns.
 */
import type { BatchPlan } from '../defs/batch-model.js';
import type { Queryable } from './port.js';

export interface BatchRow {
  id: number;
  name: string;
  runId: number;
  /** The batch this one reruns the failed hosts of. */
  parentId: number | null;
  source: string;
  plan: BatchPlan;
  createdAt: number;
  createdBy: string;
}

export interface NewBatch {
  plan: BatchPlan;
  runId: number;
  parentId?: number | null;
  at: number;
  by: string;
}

function toBatch(r: Record<string, unknown>): BatchRow {
  return {
    id: Number(r.id), name: String(r.name), runId: Number(r.run_id), parentId: r.parent_id === null ? null : Number(r.parent_id),
    source: String(r.source), plan: JSON.parse(String(r.plan)) as BatchPlan, createdAt: Number(r.created_at), createdBy: String(r.created_by),
  };
}

export async function insertBatch(tx: Queryable, b: NewBatch): Promise<BatchRow> {
  const [row] = await tx.query(
    'INSERT INTO batches (name, run_id, parent_id, source, plan, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
    [b.plan.name, b.runId, b.parentId ?? null, b.plan.source, JSON.stringify(b.plan), b.at, b.by]);
  return toBatch(row!);
}

export async function getBatch(db: Queryable, id: number): Promise<BatchRow | undefined> {
  const [row] = await db.query('SELECT * FROM batches WHERE id = ?', [id]);
  return row ? toBatch(row) : undefined;
}

/** Newest first; with `name`, that batch's only. */
export async function listBatches(db: Queryable, opts: { name?: string; limit: number }): Promise<BatchRow[]> {
  const rows = opts.name
    ? await db.query('SELECT * FROM batches WHERE name = ? ORDER BY id DESC LIMIT ?', [opts.name, opts.limit])
    : await db.query('SELECT * FROM batches ORDER BY id DESC LIMIT ?', [opts.limit]);
  return rows.map(toBatch);
}
