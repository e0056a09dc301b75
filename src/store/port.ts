/**
 * The storage port: a deliberately small SQL interface (after pg-boss's `executeSql`). Backend
 * differences are capability flags; code above this port checks flags, never backend names.
 * Statements use `?` placeholders; an adapter rewrites them for its driver.
 */
export type SqlScalar = string | number | null;
/** A list is only ever bound where the backend has `arrayParams` (one array per column of a bulk write). */
export type SqlValue = SqlScalar | readonly SqlScalar[];
export type SqlRow = Record<string, unknown>;

export interface SqlCapabilities {
  /** `SELECT ... FOR UPDATE SKIP LOCKED` is available (PostgreSQL). */
  skipLocked: boolean;
  /** `LISTEN/NOTIFY` is available (PostgreSQL). */
  listenNotify: boolean;
  /** Transaction-scoped advisory locks (`pg_advisory_xact_lock`) are available. */
  advisoryLocks: boolean;
  /**
   * `SELECT ... FOR UPDATE` locks rows against other writers. Without it the backend must serialise write
   * transactions as a whole (SQLite's BEGIN IMMEDIATE does).
   */
  rowLocks: boolean;
  /** Most bound parameters one statement may carry. */
  maxParams: number;
  /**
   * Arrays can be bound as parameters (`unnest`): a bulk write is then one statement with one array per
   * column, the same text every time, whatever the number of rows.
   */
  arrayParams: boolean;
  /**
   * A transaction can bound how long it stays open while its client is silent (`set_config(
   * 'idle_in_transaction_session_timeout', ..., true)`): the server ends the session of a client that froze
   * inside it, and so frees the locks it held.
   */
  idleTxTimeout: boolean;
}

export interface Queryable {
  query<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlPort extends Queryable {
  /** Names the folder of this backend's migrations; nothing else may branch on it. */
  readonly migrationSet: 'sqlite' | 'postgres';
  readonly caps: SqlCapabilities;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * As `transaction`, for many small transactions started together (the workflow engine's steps): the group
   * transactions of this process run one after another on one connection and share their commits (group
   * commit); each is still atomic on its own. On SQLite every transaction is one of these.
   */
  groupTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  execScript(sql: string, tx?: Queryable): Promise<void>;
  /** Human-readable location of the store (a file path or a URL without password). */
  readonly location: string;
  close(): Promise<void>;
}
