/**
 * The engine's store, written once over the SQL port for SQLite and PostgreSQL. Every change of state
 * is written in one transaction together with its event rows; `commit` groups many transitions.
 */
import type { FlowDef } from '../defs/model.js';
import type {
  AttemptRow, Batch, CommitResult, EngineStore, EventInput, EventRow, FlowVersion, NewRun, RunFilter, RunRow,
  ResourceView, RunWrite, TaskRow, TaskWrite,
} from '../engine/store.js';
import { runMultiRow } from './multirow.js';
import { insertEventsWithDeliveries } from './deliveries.js';
import { handlersFor, mayFire, type Firing } from '../engine/handlers.js';
import { acquireClaims, declare, readView, releaseHolds, setClosed } from './resources.js';
import type { Queryable, SqlPort, SqlRow, SqlScalar, SqlValue } from './port.js';
import {
  attemptValues, jsonOrNull, parseJson, taskValues, toAttemptRow, toEventRow, toRunRow, toTaskRow,
} from './rows.js';
import { OrdoError } from '../errors.js';

const TASK_UPDATE = {
  template:
    'UPDATE tasks SET state = v.column3, attempts = v.column4, attempt_base = v.column5, not_before = v.column6, ' +
    'skip_requested = v.column7, abort_requested = v.column8, reason = v.column9, exit_code = v.column10, ' +
    'started_at = v.column11, ended_at = v.column12, result = v.column13, rev = tasks.rev + 1 ' +
    'FROM (VALUES {values}) AS v WHERE tasks.id = v.column1 AND tasks.rev = v.column2 RETURNING tasks.id',
  types: ['BIGINT', 'INTEGER', 'TEXT', 'INTEGER', 'INTEGER', 'BIGINT', 'INTEGER', 'INTEGER', 'TEXT', 'INTEGER', 'BIGINT',
    'BIGINT', 'TEXT'],
} as const;

const ATTEMPT_INSERT = {
  template:
    'INSERT INTO attempts (task_id, attempt, token, state, owner, pid, started_at, ended_at, exit_code, signal, ' +
    'error, result, cpu_user_ms, cpu_system_ms, max_rss_kb, limits) VALUES {values}',
  types: ['BIGINT', 'INTEGER', 'INTEGER', 'TEXT', 'TEXT', 'INTEGER', 'BIGINT', 'BIGINT', 'INTEGER', 'TEXT', 'TEXT', 'TEXT',
    'BIGINT', 'BIGINT', 'BIGINT', 'TEXT'],
} as const;

const ATTEMPT_UPDATE = {
  template:
    'UPDATE attempts SET state = v.column4, owner = v.column5, pid = v.column6, ended_at = v.column8, ' +
    'exit_code = v.column9, signal = v.column10, error = v.column11, result = v.column12, cpu_user_ms = v.column13, ' +
    'cpu_system_ms = v.column14, max_rss_kb = v.column15, limits = v.column16 FROM (VALUES {values}) AS v ' +
    'WHERE attempts.task_id = v.column1 AND attempts.attempt = v.column2 AND attempts.token = v.column3',
  types: ATTEMPT_INSERT.types,
} as const;

const EVENT_INSERT = {
  template: 'INSERT INTO events (at, run_id, task_id, job, kind, data) VALUES {values}',
  types: ['BIGINT', 'BIGINT', 'BIGINT', 'TEXT', 'TEXT', 'TEXT'],
} as const;

function eventValues(e: EventInput): SqlScalar[] {
  return [e.at, e.runId, e.taskId ?? null, e.job ?? null, e.kind, e.data ? JSON.stringify(e.data) : null];
}

export class OrdoStore implements EngineStore {
  private readonly runDefs = new Map<number, FlowDef>();

  constructor(private readonly db: SqlPort) {}

  get location(): string {
    return this.db.location;
  }

  get sql(): SqlPort {
    return this.db;
  }

  async saveFlowVersion(def: FlowDef, fingerprint: string, at: number): Promise<FlowVersion> {
    const existing = await this.db.query(
      'SELECT * FROM flow_versions WHERE flow = ? AND fingerprint = ?', [def.name, fingerprint]);
    if (existing[0]) return this.toFlowVersion(existing[0]);
    try {
      return await this.db.transaction(async (tx) => {
        const [max] = await tx.query<{ v: number | null }>(
          'SELECT MAX(version) AS v FROM flow_versions WHERE flow = ?', [def.name]);
        const version = Number(max?.v ?? 0) + 1;
        const [row] = await tx.query(
          'INSERT INTO flow_versions (flow, version, fingerprint, definition, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
          [def.name, version, fingerprint, JSON.stringify(def), at]);
        await this.insertEvents(tx, [{ at, runId: null, kind: 'flow_version_created', data: { flow: def.name, version } }]);
        return this.toFlowVersion(row!);
      });
    } catch (err) {
      // Another process stored the same definition at the same moment: theirs is as good as ours.
      const again = await this.db.query(
        'SELECT * FROM flow_versions WHERE flow = ? AND fingerprint = ?', [def.name, fingerprint]);
      if (again[0]) return this.toFlowVersion(again[0]);
      throw err;
    }
  }

  private toFlowVersion(r: SqlRow): FlowVersion {
    return {
      id: Number(r.id), flow: String(r.flow), version: Number(r.version), fingerprint: String(r.fingerprint),
      def: JSON.parse(String(r.definition)) as FlowDef, createdAt: Number(r.created_at),
    };
  }

  async getFlowVersion(id: number): Promise<FlowVersion> {
    const [row] = await this.db.query('SELECT * FROM flow_versions WHERE id = ?', [id]);
    if (!row) throw new OrdoError('ORDO_NOT_FOUND', `flow version ${id} does not exist`);
    return this.toFlowVersion(row);
  }

  async latestFlowVersion(flow: string): Promise<FlowVersion | undefined> {
    const [row] = await this.db.query(
      'SELECT * FROM flow_versions WHERE flow = ? ORDER BY version DESC LIMIT 1', [flow]);
    return row ? this.toFlowVersion(row) : undefined;
  }

  /** `also` writes rows that belong with the run (a batch's) in the same transaction. */
  async createRun(run: NewRun, also?: (tx: Queryable, run: RunRow) => Promise<void>): Promise<RunRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query(
        'INSERT INTO runs (flow, flow_version_id, state, params, vars, created_at, priority, stats_class, business_date, fire_id) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *',
        [run.flow, run.flowVersionId, 'pending', JSON.stringify(run.params), JSON.stringify(run.vars ?? {}), run.at, run.priority ?? 0,
          run.statsClass ?? 'default', run.businessDate ?? null, run.fireId ?? null]);
      const created = toRunRow(row!);
      await runMultiRow(tx, {
        template: 'INSERT INTO tasks (run_id, job, state) VALUES {values}', types: ['BIGINT', 'TEXT', 'TEXT'],
      }, run.jobs.map((job) => [created.id, job, 'waiting']), this.db.caps.maxParams, this.db.caps.arrayParams);
      await this.insertEvents(tx, [{
        at: run.at, runId: created.id, kind: 'run_created',
        data: { flow: run.flow, flowVersionId: run.flowVersionId, params: run.params, ...(run.vars && Object.keys(run.vars).length > 0 && { vars: run.vars }), tasks: run.jobs.length },
      }]);
      await also?.(tx, created);
      return created;
    });
  }

  async getRun(runId: number): Promise<RunRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM runs WHERE id = ?', [runId]);
    return row ? toRunRow(row) : undefined;
  }

  async listRuns(filter: RunFilter): Promise<RunRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.flow) {
      where.push('flow = ?');
      params.push(filter.flow);
    }
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (await this.db.query(sql, [...params, filter.limit ?? 50])).map(toRunRow);
  }

  async getTasks(runId: number): Promise<TaskRow[]> {
    return (await this.db.query('SELECT * FROM tasks WHERE run_id = ? ORDER BY id', [runId])).map(toTaskRow);
  }

  async getAttempts(taskId: number): Promise<AttemptRow[]> {
    return (await this.db.query('SELECT * FROM attempts WHERE task_id = ? ORDER BY attempt', [taskId]))
      .map(toAttemptRow);
  }

  async adoptRun(runId: number, owner: string, at: number, staleBefore: number, deadOwners: string[]): Promise<boolean> {
    const dead = deadOwners.length ? ` OR owner IN (${deadOwners.map(() => '?').join(', ')})` : '';
    return this.db.transaction(async (tx) => {
      const [before] = await tx.query('SELECT owner FROM runs WHERE id = ?', [runId]);
      const changed = await tx.run(
        `UPDATE runs SET owner = ?, heartbeat_at = ? WHERE id = ? AND state IN ('pending', 'running') ` +
        `AND (owner IS NULL OR owner = ? OR heartbeat_at < ?${dead})`,
        [owner, at, runId, owner, staleBefore, ...deadOwners]);
      if (changed > 0 && before?.owner != null && before.owner !== owner) {
        await this.insertEvents(tx, [{ at, runId, kind: 'run_adopted', data: { owner, previous: before?.owner ?? null } }]);
      }
      return changed > 0;
    });
  }

  async heartbeat(owner: string, runIds: number[], at: number): Promise<number> {
    if (runIds.length === 0) return 0;
    return this.db.run(
      `UPDATE runs SET heartbeat_at = ? WHERE owner = ? AND id IN (${runIds.map(() => '?').join(', ')})`,
      [at, owner, ...runIds]);
  }

  async runControl(runIds: number[]): Promise<Map<number, { seq: number; owner: string | null }>> {
    const out = new Map<number, { seq: number; owner: string | null }>();
    if (runIds.length === 0) return out;
    const rows = await this.db.query(
      `SELECT id, control_seq, owner FROM runs WHERE id IN (${runIds.map(() => '?').join(', ')})`, runIds);
    for (const r of rows) out.set(Number(r.id), { seq: Number(r.control_seq), owner: (r.owner as string | null) ?? null });
    return out;
  }

  async commit(batch: Batch): Promise<CommitResult> {
    if (batch.tasks.length === 0 && batch.runs.length === 0 && !batch.events?.length) return { taskConflicts: [], runConflicts: [] };
    return this.db.transaction(async (tx) => {
      const runConflicts: number[] = [];
      const writeRuns = async (runs: RunWrite[]) => {
        const events: EventInput[] = [];
        for (const r of runs) {
          const changed = await tx.run(
            'UPDATE runs SET state = ?, started_at = ?, ended_at = ? WHERE id = ? AND owner = ?',
            [r.state, r.startedAt, r.endedAt, r.runId, r.owner]);
          if (changed === 0) runConflicts.push(r.runId);
          else events.push(...r.events);
        }
        await this.insertEvents(tx, events);
      };
      // Event ids follow the story: a run starts, then its tasks change, then it ends.
      await writeRuns(batch.runs.filter((r) => r.state === 'running'));
      // A driver that lost a run (another engine adopted it while this one was stopped) writes nothing to it.
      const disowned = batch.owner === undefined ? new Set<number>() : await this.disownedRuns(tx, batch.owner, batch.tasks);
      const owned = disowned.size === 0 ? batch.tasks : batch.tasks.filter((w) => !disowned.has(w.row.runId));
      const { conflicts, refusals } = await this.applyTaskWrites(tx, owned);
      const taskConflicts = disowned.size === 0 ? conflicts
        : [...conflicts, ...batch.tasks.filter((w) => disowned.has(w.row.runId)).map((w) => w.row.id)];
      await writeRuns(batch.runs.filter((r) => r.state !== 'running'));
      await this.insertEvents(tx, batch.events ?? []);
      return { taskConflicts, runConflicts, resourceRefusals: refusals };
    });
  }

  /** The runs of these task writes that `owner` does not own (any more). */
  private async disownedRuns(tx: Queryable, owner: string, writes: TaskWrite[]): Promise<Set<number>> {
    const ids = [...new Set(writes.map((w) => w.row.runId))];
    if (ids.length === 0) return new Set();
    const owned = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await tx.query(`SELECT id FROM runs WHERE owner = ? AND id IN (${chunk.map(() => '?').join(', ')})`, [owner, ...chunk]);
      for (const r of rows) owned.add(Number(r.id));
    }
    return new Set(ids.filter((id) => !owned.has(id)));
  }

  async operatorWrite(runId: number, tasks: TaskWrite[], run: Partial<Pick<RunRow, 'state' | 'endedAt' | 'owner'>> | null,
    events: EventInput[]): Promise<CommitResult> {
    // All or nothing: when one task moved on, the operator's whole change is rolled back.
    class Refused extends Error {
      constructor(readonly ids: number[]) {
        super('refused');
      }
    }
    return this.db.transaction(async (tx) => {
      const { conflicts: taskConflicts } = await this.applyTaskWrites(tx, tasks);
      if (taskConflicts.length > 0) throw new Refused(taskConflicts);
      if (run?.state !== undefined) await tx.run('UPDATE runs SET state = ? WHERE id = ?', [run.state, runId]);
      if (run?.endedAt !== undefined) await tx.run('UPDATE runs SET ended_at = ? WHERE id = ?', [run.endedAt, runId]);
      if (run?.owner !== undefined) await tx.run('UPDATE runs SET owner = ? WHERE id = ?', [run.owner, runId]);
      await tx.run('UPDATE runs SET control_seq = control_seq + 1 WHERE id = ?', [runId]);
      await this.insertEvents(tx, events);
      return { taskConflicts, runConflicts: [] };
    }).catch((err: unknown) => {
      if (err instanceof Refused) return { taskConflicts: err.ids, runConflicts: [] };
      throw err;
    });
  }

  /**
   * Conditional task updates with their resource accounting, then the attempts and events of the writes
   * that applied. Writes that release resources go first, so that a claim in the same batch can take what
   * they give back; claims are then granted in batch order (the dispatcher's ranking). Returns the refused
   * writes: stale revs, and claims whose resources did not fit.
   */
  private async applyTaskWrites(tx: Queryable, writes: TaskWrite[]): Promise<{ conflicts: number[]; refusals: number[] }> {
    if (writes.length === 0) return { conflicts: [], refusals: [] };
    const seen = new Set<number>();
    for (const w of writes) {
      if (seen.has(w.row.id)) throw new Error(`internal: task ${w.row.id} written twice in one batch`);
      seen.add(w.row.id);
    }
    const update = async (list: TaskWrite[]) => new Set(list.length === 0 ? [] :
      (await runMultiRow<{ id: number }>(tx, TASK_UPDATE, list.map((w) => taskValues(w.row)), this.db.caps.maxParams, this.db.caps.arrayParams)).map((r) => Number(r.id)));
    const claims = writes.filter((w) => w.acquire?.length);
    const plain = claims.length ? writes.filter((w) => !w.acquire?.length) : writes;

    const applied = await update(plain);
    const released = plain.filter((w) => w.release && applied.has(w.row.id)).map((w) => w.row.id);
    if (released.length) await releaseHolds(tx, released);

    const at = writes[0]!.events[0]?.at ?? Date.now();
    const refused = await acquireClaims(tx, this.db.caps, claims, at);
    const granted = claims.filter((w) => !refused.has(w.row.id));
    for (const id of await update(granted)) applied.add(id);
    // Holds taken for a claim whose write then lost its rev check go back at once, and so do those of a
    // claim that also ended in this batch (it could not start).
    const giveBack = granted.filter((w) => !applied.has(w.row.id) || w.release).map((w) => w.row.id);
    if (giveBack.length) await releaseHolds(tx, giveBack);

    const ok = writes.filter((w) => applied.has(w.row.id));
    const inserts = ok.flatMap((w) => (w.attemptInsert ? [attemptValues(w.attemptInsert)] : []));
    const updates = ok.flatMap((w) => (w.attemptUpdate ? [attemptValues(w.attemptUpdate)] : []));
    if (updates.length) await runMultiRow(tx, ATTEMPT_UPDATE, updates, this.db.caps.maxParams, this.db.caps.arrayParams);
    if (inserts.length) await runMultiRow(tx, ATTEMPT_INSERT, inserts, this.db.caps.maxParams, this.db.caps.arrayParams);
    await this.insertEvents(tx, ok.flatMap((w) => w.events));
    return { conflicts: writes.filter((w) => !applied.has(w.row.id)).map((w) => w.row.id), refusals: [...refused] };
  }

  private async insertEvents(tx: Queryable, events: EventInput[]): Promise<void> {
    if (events.length === 0) return;
    const firings = await this.firings(tx, events);
    if (firings.size === 0) await this.insertPlainEvents(tx, events);
    else await insertEventsWithDeliveries(tx, events, firings, (t, list) => this.insertPlainEvents(t, list));
  }

  private async insertPlainEvents(tx: Queryable, events: EventInput[]): Promise<void> {
    await runMultiRow(tx, EVENT_INSERT, events.map(eventValues), this.db.caps.maxParams, this.db.caps.arrayParams);
  }

  /** The handlers each event fires (docs/alerts.md), by the event's index; from the run's pinned flow version. */
  private async firings(tx: Queryable, events: EventInput[]): Promise<Map<number, { def: FlowDef; list: Firing[] }>> {
    const out = new Map<number, { def: FlowDef; list: Firing[] }>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.runId === null || !mayFire(e.kind)) continue;
      const def = await this.runDef(tx, e.runId);
      if (!def?.handlers?.length && !def?.jobs.some((j) => j.handlers?.length)) continue;
      const list = handlersFor(def, e);
      if (list.length > 0) out.set(i, { def, list });
    }
    return out;
  }

  /** A run's flow definition (a run never changes version, so it is cached). */
  private async runDef(tx: Queryable, runId: number): Promise<FlowDef | undefined> {
    if (this.runDefs.has(runId)) return this.runDefs.get(runId);
    const [row] = await tx.query('SELECT v.definition FROM runs r JOIN flow_versions v ON v.id = r.flow_version_id WHERE r.id = ?', [runId]);
    const def = row ? parseJson<FlowDef>(row.definition) ?? undefined : undefined;
    if (this.runDefs.size >= 10_000) this.runDefs.clear();
    if (def) this.runDefs.set(runId, def);
    return def;
  }

  async events(runId: number, afterId = 0): Promise<EventRow[]> {
    return (await this.db.query('SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id', [runId, afterId]))
      .map(toEventRow);
  }

  async appendEvents(events: EventInput[]): Promise<void> {
    await this.db.transaction((tx) => this.insertEvents(tx, events));
  }

  async kvSet(runId: number, key: string, value: string, at: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO kv (run_id, key, value, updated_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
        [runId, key, value, at]);
      await this.insertEvents(tx, [{ at, runId, kind: 'kv_set', data: { key, bytes: Buffer.byteLength(value) } }]);
    });
  }

  async kvGet(runId: number, key: string): Promise<string | undefined> {
    const [row] = await this.db.query('SELECT value FROM kv WHERE run_id = ? AND key = ?', [runId, key]);
    return row ? String(row.value) : undefined;
  }

  async kvList(runId: number): Promise<Array<{ key: string; value: string }>> {
    return (await this.db.query('SELECT key, value FROM kv WHERE run_id = ? ORDER BY key', [runId]))
      .map((r) => ({ key: String(r.key), value: String(r.value) }));
  }

  async setJobEnabled(flow: string, job: string, enabled: boolean, at: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO job_flags (flow, job, enabled, updated_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (flow, job) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at',
        [flow, job, enabled ? 1 : 0, at]);
      // Runs of the flow in progress reload their flags, so that the change applies to them at once.
      await tx.run("UPDATE runs SET control_seq = control_seq + 1 WHERE flow = ? AND state IN ('pending', 'running')", [flow]);
      await this.insertEvents(tx, [{ at, runId: null, job, kind: enabled ? 'job_enabled' : 'job_disabled', data: { flow } }]);
    });
  }

  async disabledJobs(flow: string): Promise<Set<string>> {
    const rows = await this.db.query('SELECT job FROM job_flags WHERE flow = ? AND enabled = 0', [flow]);
    return new Set(rows.map((r) => String(r.job)));
  }

  async resourceView(): Promise<ResourceView> {
    return readView(this.db);
  }

  async setResourceClosed(name: string, closed: boolean, reason: string | null, by: string, at: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await setClosed(tx, name, closed, reason, by, at);
      const [kind, short] = name.split(':');
      const verb = kind === 'connector' ? (closed ? 'connector_blocked' : 'connector_unblocked') : closed ? 'gate_closed' : 'gate_opened';
      await this.insertEvents(tx, [{ at, runId: null, kind: verb, data: { name: short ?? name, reason, by } }]);
    });
  }

  async declareResources(rows: Array<{ name: string; closed: boolean }>): Promise<void> {
    await this.db.transaction((tx) => declare(tx, this.db.caps, rows));
  }

  async getSetting(key: string): Promise<string | undefined> {
    const [row] = await this.db.query('SELECT value FROM settings WHERE key = ?', [key]);
    return row ? String(row.value) : undefined;
  }

  async setSetting(key: string, value: string, at: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [key, value, at]);
      await this.insertEvents(tx, [{ at, runId: null, kind: 'setting_changed', data: { key, value } }]);
    });
  }

  async durationSamples(flow: string, statsClass: string, perJob: number): Promise<Map<string, number[]>> {
    const rows = await this.db.query(
      'SELECT t.job AS job, a.ended_at - a.started_at AS ms FROM attempts a JOIN tasks t ON t.id = a.task_id ' +
      "JOIN runs r ON r.id = t.run_id WHERE r.flow = ? AND r.stats_class = ? AND a.state = 'succeeded' " +
      'AND a.ended_at IS NOT NULL ORDER BY a.ended_at DESC LIMIT ?', [flow, statsClass, perJob * 2000]);
    const out = new Map<string, number[]>();
    for (const r of rows) {
      const list = out.get(String(r.job)) ?? [];
      if (list.length < perJob) list.push(Number(r.ms));
      out.set(String(r.job), list);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export { parseJson, jsonOrNull };
