/**
 * PostgreSQL adapter of the storage port on `pg`. Statements written with `?` placeholders are
 * rewritten to `$n` once and cached. BIGINT columns are returned as numbers: every id and epoch-ms
 * timestamp we store fits in 2^53.
 */
import pg from 'pg';
import { GroupCommit } from '../group-commit.js';
import type { Queryable, SqlCapabilities, SqlPort, SqlRow, SqlValue } from '../port.js';

const CAPS: SqlCapabilities = { skipLocked: true, listenNotify: true, advisoryLocks: true, rowLocks: true, maxParams: 65_000, arrayParams: true, idleTxTimeout: true };
const INT8_OID = 20;

pg.types.setTypeParser(INT8_OID, (value: string) => Number(value));

const rewritten = new Map<string, string>();

/** `?` -> `$1, $2, ...`, skipping quoted literals. */
export function toNumberedParams(sql: string): string {
  const cached = rewritten.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  rewritten.set(sql, out);
  return out;
}

/**
 * Statements with parameters are prepared once per connection under a name (PostgreSQL then skips parsing
 * and planning them again), for the first MAX_NAMED distinct texts: the rest (IN lists of varying length)
 * go unnamed, so the server's per-connection statement cache stays bounded.
 */
const MAX_NAMED = 1000;
const statementNames = new Map<string, string>();

function config(sql: string, params: readonly SqlValue[]): pg.QueryConfig {
  const text = toNumberedParams(sql);
  if (params.length === 0) return { text };
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED) statementNames.set(text, (name = `ordo_${statementNames.size}`));
  return { text, values: params as SqlValue[], ...(name ? { name } : {}) };
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    query: async <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) => (await client.query(config(sql, params))).rows as T[],
    run: async (sql: string, params: readonly SqlValue[] = []) => (await client.query(config(sql, params))).rowCount ?? 0,
  };
}

export class PostgresConnection implements SqlPort {
  readonly migrationSet = 'postgres' as const;
  readonly caps = CAPS;
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly direct: Queryable;

  constructor(url: string, poolSize = 4) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize });
    // An idle client that loses its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
    this.direct = wrap(this.pool);
    this.location = url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  }

  query<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.direct.query<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection lost between statements (the server ended a session that stayed silent in a transaction
    // too long: LeaseStore.holds) must not crash the process: the next statement reports it.
    const lost = () => {};
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const result = await fn(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', lost);
      client.release();
    }
  }

  private readonly group = new GroupCommit(async () => {
    const client = await this.pool.connect();
    let open = false;
    try {
      await client.query('BEGIN');
      open = true;
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    return {
      tx: wrap(client),
      exec: async (sql: string) => {
        await client.query(sql);
        if (sql === 'COMMIT' || sql === 'ROLLBACK') open = false;
      },
      isOpen: () => open,
      end: () => client.release(),
    };
  });

  /** Group transactions share a connection and their commits (group-commit.ts); others run beside them on the pool. */
  groupTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.group.run(fn);
  }

  async execScript(sql: string, tx?: Queryable): Promise<void> {
    if (tx) await tx.run(sql);
    else await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
