/**
 * Multi-row statements for the group commit: one statement writes hundreds of rows, so a batch of
 * thousands of transitions costs a handful of round trips on PostgreSQL and of statement executions on
 * SQLite. The same SQL runs on both: `(VALUES ...) AS v` exposes columns as v.column1..N in both, and
 * explicit CASTs give PostgreSQL the parameter types.
 */
import type { Queryable, SqlValue } from './port.js';

export type SqlType = 'BIGINT' | 'INTEGER' | 'TEXT';

/** `(CAST(? AS T1), CAST(? AS T2), ...)` for one row. */
function rowPlaceholder(types: readonly SqlType[]): string {
  return `(${types.map((t) => `CAST(? AS ${t})`).join(', ')})`;
}

/** Rows per statement, bounded by the backend's parameter limit. */
export function chunkSize(columns: number, maxParams: number): number {
  return Math.max(1, Math.min(500, Math.floor(maxParams / columns)));
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export interface MultiRowSpec {
  /** Statement text before the VALUES list; for updates, `{values}` marks where the list goes. */
  template: string;
  types: readonly SqlType[];
}

/** Runs `spec` over all rows in chunks; returns every row the statements returned. */
export async function runMultiRow<T extends Record<string, unknown>>(
  tx: Queryable,
  spec: MultiRowSpec,
  rows: readonly SqlValue[][],
  maxParams: number,
): Promise<T[]> {
  const out: T[] = [];
  const one = rowPlaceholder(spec.types);
  for (const chunk of chunks(rows, chunkSize(spec.types.length, maxParams))) {
    const sql = spec.template.replace('{values}', Array(chunk.length).fill(one).join(', '));
    const params = chunk.flat();
    if (/\bRETURNING\b/i.test(spec.template)) out.push(...(await tx.query<T>(sql, params)));
    else await tx.run(sql, params);
  }
  return out;
}
