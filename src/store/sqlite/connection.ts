/**
 * SQLite adapter of the storage port on better-sqlite3. The driver is synchronous; a mutex keeps
 * statements of concurrent async callers from interleaving with an open transaction on the single
 * connection. WAL mode lets other processes (a job calling `ordo kv set`, an operator's `ordo abort`)
 * write while the engine runs; busy_timeout makes them wait instead of failing.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GroupCommit } from '../group-commit.js';
import { Mutex } from '../mutex.js';
import type { Queryable, SqlCapabilities, SqlPort, SqlRow, SqlValue } from '../port.js';

const CAPS: SqlCapabilities = { skipLocked: false, listenNotify: false, advisoryLocks: false, rowLocks: false, maxParams: 32_000, arrayParams: false, idleTxTimeout: false };

/**
 * One mutex per database file in this process. better-sqlite3 is synchronous: a connection that waits
 * for the file's write lock blocks the event loop, so it must never wait for another connection of the
 * same process that holds the lock across an await (that would deadlock until busy_timeout).
 */
const fileMutexes = new Map<string, Mutex>();
function fileMutex(path: string): Mutex {
  if (path === ':memory:') return new Mutex();
  const key = resolve(path);
  let m = fileMutexes.get(key);
  if (!m) fileMutexes.set(key, (m = new Mutex()));
  return m;
}

export class SqliteConnection implements SqlPort {
  readonly migrationSet = 'sqlite' as const;
  readonly caps = CAPS;
  readonly location: string;
  private readonly db: Database.Database;
  private readonly mutex: Mutex;
  private readonly statements = new Map<string, Database.Statement>();
  private inTransaction = false;
  private readonly group = new GroupCommit(() => {
    // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read lock.
    this.prepare('BEGIN IMMEDIATE').run();
    this.inTransaction = true;
    return {
      // Prepared once, like every statement: parsing SAVEPOINT, RELEASE and COMMIT for each member of a group
      // cost a tenth of the server's time in the API benchmark.
      tx: this.direct, exec: (sql: string) => void this.prepare(sql).run(), isOpen: () => this.db.inTransaction,
      end: () => (this.inTransaction = false),
    };
  }, (fn) => this.mutex.lock(fn));

  /** `path` is a file path or `:memory:`. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.location = path;
    this.mutex = fileMutex(path);
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
    // Plain reads go straight through (WAL readers never wait); writes with RETURNING take the lock.
    if (!this.inTransaction && /^\s*SELECT\b/i.test(sql)) return this.direct.query<T>(sql, params);
    return this.mutex.lock(() => this.direct.query<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    // A write needs the file's write lock: wait for any transaction of this process on the same file.
    return this.mutex.lock(() => this.direct.run(sql, params));
  }

  /** Transactions that queue behind one another share a commit (group-commit.ts). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.group.run(fn);
  }

  groupTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.group.run(fn);
  }

  async execScript(sql: string): Promise<void> {
    this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.mutex.lock(async () => this.db.close());
  }
}
