/**
 * Resource accounting inside the dispatch transaction. A claim's resources are checked against the holds
 * recorded by every dispatcher and taken all together or not at all (no hold-and-wait, hence no deadlock
 * between tasks). On PostgreSQL the resource rows are locked FOR UPDATE in name order first, so concurrent
 * dispatchers serialise per resource; SQLite serialises whole write transactions.
 */
import type { ResourceClaim, ResourceHold, ResourceStateRow, ResourceView, TaskWrite } from '../engine/store.js';
import { runMultiRow } from './multirow.js';
import type { Queryable, SqlCapabilities, SqlScalar } from './port.js';

interface Usage {
  shared: number;
  exclusive: number;
}

const HOLD_INSERT = {
  template: 'INSERT INTO resource_holds (task_id, resource, mode, run_id, job, acquired_at) VALUES {values}',
  types: ['BIGINT', 'TEXT', 'TEXT', 'BIGINT', 'TEXT', 'BIGINT'],
} as const;

export function fits(claim: ResourceClaim, usage: Usage | undefined, closed: boolean): boolean {
  if (closed) return false;
  const u = usage ?? { shared: 0, exclusive: 0 };
  if (claim.mode === 'exclusive') return u.shared === 0 && u.exclusive === 0;
  return u.exclusive === 0 && (claim.capacity === null || u.shared < claim.capacity);
}

/**
 * Grants the claims of `writes` in their order (the dispatcher's ranking). Returns the ids of the tasks
 * whose claim did not fit; their holds are not taken.
 */
export async function acquireClaims(tx: Queryable, caps: SqlCapabilities, writes: TaskWrite[], at: number): Promise<Set<number>> {
  const refused = new Set<number>();
  const claiming = writes.filter((w) => w.acquire && w.acquire.length > 0);
  if (claiming.length === 0) return refused;
  const defaults = new Map<string, boolean>();
  for (const w of claiming) for (const c of w.acquire!) defaults.set(c.resource, (defaults.get(c.resource) ?? false) || c.closedByDefault);
  const names = [...defaults.keys()].sort();
  await runMultiRow(tx, {
    template: 'INSERT INTO resources (name, closed) VALUES {values} ON CONFLICT (name) DO NOTHING', types: ['TEXT', 'INTEGER'] as const,
  }, names.map((n) => [n, defaults.get(n) ? 1 : 0]), caps.maxParams, caps.arrayParams);
  const marks = names.map(() => '?').join(', ');
  const lock = caps.rowLocks ? ' FOR UPDATE' : '';
  const stateRows = await tx.query(`SELECT name, closed FROM resources WHERE name IN (${marks}) ORDER BY name${lock}`, names);
  const closed = new Set(stateRows.filter((r) => Number(r.closed) !== 0).map((r) => String(r.name)));
  const usage = new Map<string, Usage>();
  const held = await tx.query(
    `SELECT resource, mode, COUNT(*) AS n FROM resource_holds WHERE resource IN (${marks}) GROUP BY resource, mode`, names);
  for (const r of held) {
    const u = usage.get(String(r.resource)) ?? { shared: 0, exclusive: 0 };
    u[r.mode === 'exclusive' ? 'exclusive' : 'shared'] += Number(r.n);
    usage.set(String(r.resource), u);
  }
  const inserts: SqlScalar[][] = [];
  for (const w of claiming) {
    const claims = w.acquire!;
    if (!claims.every((c) => fits(c, usage.get(c.resource), closed.has(c.resource)))) {
      refused.add(w.row.id);
      continue;
    }
    for (const c of claims) {
      const u = usage.get(c.resource) ?? { shared: 0, exclusive: 0 };
      u[c.mode] += 1;
      usage.set(c.resource, u);
      inserts.push([w.row.id, c.resource, c.mode, w.row.runId, w.row.job, at]);
    }
  }
  if (inserts.length) await runMultiRow(tx, HOLD_INSERT, inserts, caps.maxParams, caps.arrayParams);
  return refused;
}

export async function releaseHolds(tx: Queryable, taskIds: number[]): Promise<void> {
  for (let i = 0; i < taskIds.length; i += 1000) {
    const chunk = taskIds.slice(i, i + 1000);
    await tx.run(`DELETE FROM resource_holds WHERE task_id IN (${chunk.map(() => '?').join(', ')})`, chunk);
  }
}

export async function readView(db: Queryable): Promise<ResourceView> {
  const holds: ResourceHold[] = (await db.query('SELECT * FROM resource_holds ORDER BY acquired_at, task_id')).map((r) => ({
    resource: String(r.resource), mode: r.mode === 'exclusive' ? 'exclusive' : 'shared', taskId: Number(r.task_id),
    runId: Number(r.run_id), job: String(r.job), acquiredAt: Number(r.acquired_at),
  }));
  const states = new Map<string, ResourceStateRow>();
  for (const r of await db.query('SELECT * FROM resources')) {
    states.set(String(r.name), {
      name: String(r.name), closed: Number(r.closed) !== 0, reason: r.reason === null ? null : String(r.reason),
      updatedAt: r.updated_at === null ? null : Number(r.updated_at), updatedBy: r.updated_by === null ? null : String(r.updated_by),
    });
  }
  return { holds, states };
}

export async function setClosed(tx: Queryable, name: string, closed: boolean, reason: string | null, by: string, at: number): Promise<void> {
  await tx.run(
    'INSERT INTO resources (name, closed, reason, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT (name) DO UPDATE SET closed = excluded.closed, reason = excluded.reason, ' +
    'updated_at = excluded.updated_at, updated_by = excluded.updated_by',
    [name, closed ? 1 : 0, reason, at, by]);
}

export async function declare(tx: Queryable, caps: SqlCapabilities, rows: Array<{ name: string; closed: boolean }>): Promise<void> {
  if (rows.length === 0) return;
  await runMultiRow(tx, {
    template: 'INSERT INTO resources (name, closed) VALUES {values} ON CONFLICT (name) DO NOTHING', types: ['TEXT', 'INTEGER'] as const,
  }, rows.map((r) => [r.name, r.closed ? 1 : 0]), caps.maxParams, caps.arrayParams);
}
