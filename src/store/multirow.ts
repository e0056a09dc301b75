/**
 * Multi-row statements for the group commit: one statement writes hundreds of rows, so a batch of
 * thousands of transitions costs a handful of round trips on PostgreSQL and of statement executions on
 * SQLite. The same SQL runs on both: `(VALUES ...) AS v` exposes columns as v.column1..N in both, and
 * explicit CASTs give PostgreSQL the parameter types.
 */
import type { Queryable, SqlScalar } from './port.js';

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
  /**
   * The statement, with `VALUES {values}` where the rows go: `INSERT ... VALUES {values}` or
   * `UPDATE ... FROM (VALUES {values}) AS v` (columns v.column1..N).
   */
  template: string;
  types: readonly SqlType[];
}

const unnestSql = new Map<string, string>();

/** The same statement over `unnest` of one array per column (PostgreSQL): the text never changes. */
function unnestForm(spec: MultiRowSpec): string {
  let sql = unnestSql.get(spec.template);
  if (!sql) {
    const arrays = spec.types.map((t) => `CAST(? AS ${t}[])`).join(', ');
    const names = spec.types.map((_, i) => `column${i + 1}`).join(', ');
    sql = spec.template
      .replace('(VALUES {values})', `(SELECT * FROM unnest(${arrays}) AS u(${names}))`)
      .replace('VALUES {values}', `SELECT * FROM unnest(${arrays})`);
    unnestSql.set(spec.template, sql);
  }
  return sql;
}

/**
 * Runs `spec` over all rows: with `arrayParams` as one statement binding one array per column, otherwise
 * in chunks of multi-row VALUES bounded by the parameter limit. Returns every row the statements returned.
 */
export async function runMultiRow<T extends Record<string, unknown>>(
  tx: Queryable,
  spec: MultiRowSpec,
  rows: readonly SqlScalar[][],
  maxParams: number,
  arrayParams = false,
): Promise<T[]> {
  if (rows.length === 0) return [];
  const returning = /\bRETURNING\b/i.test(spec.template);
  if (arrayParams) {
    const columns: SqlScalar[][] = spec.types.map(() => new Array<SqlScalar>(rows.length));
    rows.forEach((row, r) => row.forEach((v, c) => (columns[c]![r] = v)));
    const sql = unnestForm(spec);
    if (returning) return tx.query<T>(sql, columns);
    await tx.run(sql, columns);
    return [];
  }
  const out: T[] = [];
  const one = rowPlaceholder(spec.types);
  for (const chunk of chunks(rows, chunkSize(spec.types.length, maxParams))) {
    const sql = spec.template.replace('{values}', Array(chunk.length).fill(one).join(', '));
    const params = chunk.flat();
    if (returning) out.push(...(await tx.query<T>(sql, params)));
    else await tx.run(sql, params);
  }
  return out;
}
