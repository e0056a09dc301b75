/**
 * Numbered SQL migrations per backend (`migrations/<set>/NNNN_name.sql`), each applied in its own
 * transaction together with its row in the `migrations` table. Several processes may start at once:
 * on PostgreSQL an advisory lock serialises them; on SQLite `BEGIN IMMEDIATE` does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../paths.js';
import type { SqlPort } from './port.js';

const MIGRATION_LOCK = 73_010_001;

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export function listMigrations(set: SqlPort['migrationSet']): Migration[] {
  const dir = repoPath('src', 'store', 'migrations', set);
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: Number(f.slice(0, 4)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Applies the migrations not yet applied; returns the names of those it applied. */
export async function migrate(db: SqlPort): Promise<string[]> {
  await db.execScript(
    'CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const applied: string[] = [];
  for (const m of listMigrations(db.migrationSet)) {
    await db.transaction(async (tx) => {
      if (db.caps.advisoryLocks) await tx.query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
      const done = await tx.query('SELECT id FROM migrations WHERE id = ?', [m.id]);
      if (done.length > 0) return;
      await db.execScript(m.sql, tx);
      await tx.run('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)', [m.id, m.name, Date.now()]);
      applied.push(m.name);
    });
  }
  return applied;
}
