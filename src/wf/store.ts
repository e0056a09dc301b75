/**
 * The workflow runtime's reads and its simple writes, over the SQL port (both backends, same SQL).
 * The step transaction itself lives in step-tx.ts; task claims and results in tasks.ts.
 */
import type { OrdoStore } from '../store/ordo-store.js';
import type { SqlPort, SqlValue } from '../store/port.js';
import { OrdoError } from '../errors.js';
import { insertEvent, toRun, toStep, toTask, toVersion } from './rows.js';
import type { VersionKind, WfRunRow, WfStepRow, WfTaskRow, WfVersion } from './types.js';

export interface RunFilter {
  workflow?: string;
  statuses?: string[];
  /** Only runs started from outside (no parent). */
  topLevel?: boolean;
  parentId?: number;
  limit?: number;
}

export interface EventView {
  id: number;
  at: number;
  kind: string;
  data: Record<string, unknown> | null;
}

export class WfStore {
  constructor(readonly db: SqlPort) {}

  static of(store: OrdoStore | WfStore): WfStore {
    return store instanceof WfStore ? store : new WfStore(store.sql);
  }

  /** Stores a compiled workflow or action; a new version only when its fingerprint is new. */
  async saveVersion(kind: VersionKind, name: string, fingerprint: string, body: unknown, at: number): Promise<WfVersion & { created: boolean }> {
    const find = async (): Promise<WfVersion | undefined> => {
      const [row] = await this.db.query('SELECT * FROM wf_versions WHERE kind = ? AND name = ? AND fingerprint = ?', [kind, name, fingerprint]);
      return row ? toVersion(row) : undefined;
    };
    const existing = await find();
    if (existing) return { ...existing, created: false };
    try {
      return await this.db.transaction(async (tx) => {
        const [max] = await tx.query('SELECT MAX(version) AS v FROM wf_versions WHERE kind = ? AND name = ?', [kind, name]);
        const version = Number(max?.v ?? 0) + 1;
        const [row] = await tx.query(
          'INSERT INTO wf_versions (kind, name, version, fingerprint, body, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *',
          [kind, name, version, fingerprint, JSON.stringify(body), at]);
        await tx.run('INSERT INTO events (at, run_id, kind, data) VALUES (?, NULL, ?, ?)',
          [at, 'wf_version_created', JSON.stringify({ kind, name, version })]);
        return { ...toVersion(row!), created: true };
      });
    } catch (err) {
      // Another process stored the same version at the same moment: theirs is as good as ours.
      const again = await find();
      if (again) return { ...again, created: false };
      throw err;
    }
  }

  async getVersion(id: number): Promise<WfVersion> {
    const [row] = await this.db.query('SELECT * FROM wf_versions WHERE id = ?', [id]);
    if (!row) throw new OrdoError('ORDO_NOT_FOUND', `workflow version ${id} does not exist`);
    return toVersion(row);
  }

  async latestVersion(kind: VersionKind, name: string): Promise<WfVersion | undefined> {
    const [row] = await this.db.query('SELECT * FROM wf_versions WHERE kind = ? AND name = ? ORDER BY version DESC LIMIT 1', [kind, name]);
    return row ? toVersion(row) : undefined;
  }

  /** The latest version of every workflow and action, by kind and name. */
  async latestVersions(): Promise<WfVersion[]> {
    const rows = await this.db.query(`SELECT v.* FROM wf_versions v
      WHERE v.version = (SELECT MAX(w.version) FROM wf_versions w WHERE w.kind = v.kind AND w.name = v.name) ORDER BY v.kind, v.name`);
    return rows.map(toVersion);
  }

  async getRun(id: number): Promise<WfRunRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM wf_runs WHERE id = ?', [id]);
    return row ? toRun(row) : undefined;
  }

  async mustGetRun(id: number): Promise<WfRunRow> {
    const run = await this.getRun(id);
    if (!run) throw new OrdoError('ORDO_NOT_FOUND', `workflow run W${id} does not exist`);
    return run;
  }

  async runByOrigin(origin: string): Promise<WfRunRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM wf_runs WHERE origin = ?', [origin]);
    return row ? toRun(row) : undefined;
  }

  async listRuns(filter: RunFilter = {}): Promise<WfRunRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.workflow) {
      where.push('workflow = ?');
      params.push(filter.workflow);
    }
    if (filter.statuses?.length) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    if (filter.topLevel) where.push('parent_id IS NULL');
    if (filter.parentId !== undefined) {
      where.push('parent_id = ?');
      params.push(filter.parentId);
    }
    const sql = `SELECT * FROM wf_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (await this.db.query(sql, [...params, filter.limit ?? 50])).map(toRun);
  }

  /** A run and every run below it (children, their children; detached ones too unless `waitedOnly`). */
  async tree(rootId: number, opts: { waitedOnly?: boolean } = {}): Promise<WfRunRow[]> {
    const only = opts.waitedOnly ? ' WHERE r.waited > 0' : '';
    const rows = await this.db.query(
      `WITH RECURSIVE t(id) AS (SELECT id FROM wf_runs WHERE id = ? UNION ALL SELECT r.id FROM wf_runs r JOIN t ON r.parent_id = t.id${only}) ` +
      'SELECT wf_runs.* FROM wf_runs JOIN t ON wf_runs.id = t.id ORDER BY wf_runs.id', [rootId]);
    return rows.map(toRun);
  }

  async steps(runId: number): Promise<WfStepRow[]> {
    return (await this.db.query('SELECT * FROM wf_steps WHERE run_id = ? ORDER BY step', [runId])).map(toStep);
  }

  async tasks(runId: number): Promise<WfTaskRow[]> {
    return (await this.db.query('SELECT * FROM wf_tasks WHERE run_id = ? ORDER BY id', [runId])).map(toTask);
  }

  async getTask(id: number): Promise<WfTaskRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM wf_tasks WHERE id = ?', [id]);
    return row ? toTask(row) : undefined;
  }

  async events(runId: number): Promise<EventView[]> {
    const rows = await this.db.query('SELECT id, at, kind, data FROM events WHERE wf_run_id = ? ORDER BY id', [runId]);
    return rows.map((r) => ({ id: Number(r.id), at: Number(r.at), kind: String(r.kind), data: r.data == null ? null : JSON.parse(String(r.data)) as Record<string, unknown> }));
  }

  /** Records an event about a run outside a step (an operator's action). */
  async appendEvent(runId: number, kind: string, data: Record<string, unknown>, at: number): Promise<void> {
    await this.db.transaction((tx) => insertEvent(tx, { at, runId, kind, data: data as never }));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
