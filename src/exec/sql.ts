/**
 * Jobs of kind `sql` (docs/job-kinds.md): one statement (or a script of several, without params) against the
 * database of the job's connector, in the environment the server runs in: its `url` setting (postgres://...)
 * is a PostgreSQL database reached with `pg`, its `sqlite` setting a SQLite file (relative to the project)
 * opened with better-sqlite3. Parameters are bound ($1, $2 ... for PostgreSQL, ? for SQLite), never pasted
 * into SQL. The result: `{rowCount, rows}` with the first `maxRows` rows.
 */
import Database from 'better-sqlite3';
import { resolve } from 'node:path';
import pg from 'pg';
import type { AttemptHandle, AttemptRequest, Executor } from '../engine/ports.js';
import { runInline, type InlineResult } from './inline.js';

type Row = Record<string, unknown>;

function connectorSetting(req: AttemptRequest, connector: string, key: string): string | undefined {
  const prefix = `ORDO_CONNECTOR_${connector.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  return req.env[`${prefix}_${key.toUpperCase()}`];
}

/** JSON-safe rows: bigints as numbers when exact (else text), buffers as base64, dates as ISO text. */
function plain(rows: Row[]): Row[] {
  const value = (v: unknown): unknown => typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v))
    : Buffer.isBuffer(v) ? v.toString('base64') : v instanceof Date ? v.toISOString() : v;
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, value(v)])));
}

export class SqlExecutor implements Executor {
  readonly kinds = ['sql'] as const;

  constructor(private readonly projectDir: string, private readonly stateDir: string) {}

  start(req: AttemptRequest): AttemptHandle {
    return runInline(req, this.stateDir, async ({ signal, log }): Promise<InlineResult> => {
      const spec = req.job.sql;
      if (!spec) return { ok: false, error: 'the job has no sql block' };
      const url = connectorSetting(req, spec.connector, 'url');
      const file = connectorSetting(req, spec.connector, 'sqlite');
      const env = req.env.ORDO_ENVIRONMENT ?? '?';
      if (!url && !file) {
        return { ok: false, error: `connector "${spec.connector}" has no "url" (postgres://...) nor "sqlite" (a file) in environment "${env}"` };
      }
      log(`${spec.statement.trim().split('\n')[0]}${spec.params.length ? `  -- ${spec.params.length} parameter(s)` : ''}`);
      const { rows, count } = url?.startsWith('postgres') ? await this.postgres(url, spec.statement, spec.params, signal)
        : await this.sqlite(resolve(this.projectDir, file ?? url ?? ''), spec.statement, spec.params);
      log(`${count} row(s)`);
      const kept = plain(rows.slice(0, spec.maxRows));
      for (const r of kept.slice(0, 5)) log(JSON.stringify(r));
      return { ok: true, result: { rowCount: count, rows: kept } };
    });
  }

  private async postgres(url: string, statement: string, params: string[], signal: AbortSignal): Promise<{ rows: Row[]; count: number }> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // An abort or timeout cancels the statement on the server, then ends the connection.
    const cancel = () => void client.end().catch(() => {});
    signal.addEventListener('abort', cancel, { once: true });
    try {
      const res = await client.query({ text: statement, values: params });
      const last = Array.isArray(res) ? res[res.length - 1] as pg.QueryResult : res;
      return { rows: last.rows as Row[], count: last.rowCount ?? last.rows.length };
    } finally {
      signal.removeEventListener('abort', cancel);
      await client.end().catch(() => {});
    }
  }

  private async sqlite(path: string, statement: string, params: string[]): Promise<{ rows: Row[]; count: number }> {
    const db = new Database(path, { fileMustExist: true, timeout: 5000 });
    try {
      // A script of several statements (no parameters): run as a whole (a ";" inside a string literal counts too).
      if (params.length === 0 && statement.trim().replace(/;\s*$/, '').includes(';')) {
        db.exec(statement);
        return { rows: [], count: 0 };
      }
      const stmt = db.prepare(statement);
      if (stmt.reader) {
        const rows = stmt.all(...params) as Row[];
        return { rows, count: rows.length };
      }
      const info = stmt.run(...params);
      return { rows: [], count: info.changes };
    } finally {
      db.close();
    }
  }
}
