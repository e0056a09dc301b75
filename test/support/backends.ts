/**
 * The backends every integration test runs on: SQLite in a file (WAL, as in production) and a real
 * PostgreSQL (DATABASE_URL, or an embedded server).
 */
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import type { OrdoStore } from '../../src/store/ordo-store.js';
import { usePostgres } from './postgres.js';
import { tempDir } from './tmp.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  open(): Promise<{ store: OrdoStore; url?: string; stateDir: string; release(): Promise<void> }>;
}

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = tempDir('ordo-sqlite-');
      const store = await openStore({ stateDir: dir.path });
      return { store, stateDir: dir.path, release: async () => { await store.close(); dir.cleanup(); } };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await usePostgres();
      const dir = tempDir('ordo-pg-');
      const store = await openStore({ stateDir: dir.path, databaseUrl: db.url });
      return {
        store, url: db.url, stateDir: join(dir.path),
        release: async () => { await store.close(); await db.release(); dir.cleanup(); },
      };
    },
  },
];
