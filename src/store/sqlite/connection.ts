/**
 * SQLite adapter of the storage port on better-sqlite3. The driver is synchronous; a mutex keeps
 * statements of concurrent async callers from interleaving with an open transaction on the single
 * connection. WAL mode lets other processes (a job calling `ordo kv set`, an operator's `ordo abort`)
 * write while the engine runs; busy_timeout makes them wait instead of failing.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Mutex } from '../mutex.js';
import type { Queryable, SqlCapabilities, SqlPort, SqlRow, SqlValue } from '../port.js';

const CAPS: SqlCapabilities = { skipLocked: false, listenNotify: false, advisoryLocks: false, maxParams: 32_000 };

export class SqliteConnection implements SqlPort {
  readonly migrationSet = 'sqlite' as const;
  readonly caps = CAPS;
  readonly location: string;
  private readonly db: Database.Database;
  private readonly mutex = new Mutex();
  private readonly statements = new Map<string, Database.Statement>();
  private inTransaction = false;

  /** `path` is a file path or `:memory:`. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.location = path;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private readonly direct: Queryable = {
    query: async <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) => {
      const stmt = this.prepare(sql);
      return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as T[];
    },
    run: async (sql: string, params: readonly SqlValue[] = []) => this.prepare(sql).run(...params).changes,
  };

  query<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    if (this.inTransaction) return this.mutex.lock(() => this.direct.query<T>(sql, params));
    return this.direct.query<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    if (this.inTransaction) return this.mutex.lock(() => this.direct.run(sql, params));
    return this.direct.run(sql, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.mutex.lock(async () => {
      // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read lock.
      this.db.exec('BEGIN IMMEDIATE');
      this.inTransaction = true;
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      } finally {
        this.inTransaction = false;
      }
    });
  }

  async execScript(sql: string): Promise<void> {
    this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.mutex.lock(async () => this.db.close());
  }
}
