/**
 * A CLI sandbox (support/cli.ts) on each backend: SQLite in its ORDO_HOME, or a fresh PostgreSQL database
 * through DATABASE_URL; `fn` gets the sandbox and the URL (undefined for SQLite). Cleans up either way.
 */
import { sandbox, type Sandbox } from './cli.js';
import { usePostgres } from './postgres.js';

export async function inSandbox(backend: 'sqlite' | 'postgres', files: Record<string, string>,
  fn: (box: Sandbox, databaseUrl: string | undefined) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const db = backend === 'postgres' ? await usePostgres() : undefined;
  const box = sandbox(files, { ...env, ...(db && { DATABASE_URL: db.url }) });
  try {
    await fn(box, db?.url);
  } finally {
    box.cleanup();
    await db?.release();
  }
}
