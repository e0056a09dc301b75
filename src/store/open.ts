/**
 * Opens the store that the environment selects: PostgreSQL when a database URL is given
 * (`DATABASE_URL`), otherwise SQLite in a file under the state directory (`ORDO_HOME`, by default
 * `<project>/.ordo`). Migrates it before handing it out.
 */
import { join } from 'node:path';
import { OrdoError } from '../errors.js';
import { migrate } from './migrate.js';
import { OrdoStore } from './ordo-store.js';
import type { SqlPort } from './port.js';
import { PostgresConnection } from './postgres/connection.js';
import { SqliteConnection } from './sqlite/connection.js';

export interface StoreOptions {
  /** State directory: the SQLite file and the attempts' log files. */
  stateDir: string;
  /** A `postgres://` URL selects PostgreSQL. */
  databaseUrl?: string;
  /** SQLite only: `:memory:` for the test kit. */
  sqlitePath?: string;
}

export function stateDirFor(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.ORDO_HOME && env.ORDO_HOME.length > 0 ? env.ORDO_HOME : join(projectDir, '.ordo');
}

/** The SQLite file of a state directory. */
export function sqliteFileOf(stateDir: string): string {
  return join(stateDir, 'ordo.db');
}

export function connect(opts: StoreOptions): SqlPort {
  if (opts.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
      throw new OrdoError('ORDO_STORE', `DATABASE_URL must start with postgres:// (got "${opts.databaseUrl.slice(0, 20)}...")`);
    }
    return new PostgresConnection(opts.databaseUrl);
  }
  return new SqliteConnection(opts.sqlitePath ?? sqliteFileOf(opts.stateDir));
}

export async function openStore(opts: StoreOptions): Promise<OrdoStore> {
  let db: SqlPort;
  try {
    db = connect(opts);
  } catch (err) {
    if (err instanceof OrdoError) throw err;
    throw new OrdoError('ORDO_STORE', `cannot open the store in ${opts.databaseUrl ? 'PostgreSQL' : opts.stateDir}: ${(err as Error).message}`);
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw new OrdoError('ORDO_STORE', `cannot open the store at ${db.location}: ${(err as Error).message}`);
  }
  return new OrdoStore(db);
}
