/**
 * Durable trigger fires and schedule state. A fire is recorded (unique per flow, trigger and instant) before
 * its run is created, and the run carries the fire's id, so a scheduler that restarts, or several that race,
 * neither lose nor double a fire.
 */
import type { Queryable, SqlPort } from './port.js';

export type FireState = 'firing' | 'started' | 'queued' | 'skipped' | 'superseded';

export interface FireRow {
  id: number;
  flow: string;
  triggerKey: string;
  at: number;
  businessDate: string | null;
  state: FireState;
  reason: string | null;
  runId: number | null;
  createdAt: number;
}

export interface NewFire {
  flow: string;
  triggerKey: string;
  at: number;
  businessDate: string | null;
  state: FireState;
  reason?: string | null;
}

function toFire(r: Record<string, unknown>): FireRow {
  return {
    id: Number(r.id), flow: String(r.flow), triggerKey: String(r.trigger_key), at: Number(r.at),
    businessDate: r.business_date === null ? null : String(r.business_date), state: r.state as FireState,
    reason: r.reason === null ? null : String(r.reason), runId: r.run_id === null ? null : Number(r.run_id),
    createdAt: Number(r.created_at),
  };
}

export class FireStore {
  constructor(private readonly db: SqlPort) {}

  /** Records a fire; undefined when this flow, trigger and instant already fired (someone else did it). */
  async record(fire: NewFire, now: number, tx: Queryable = this.db): Promise<FireRow | undefined> {
    const rows = await tx.query(
      'INSERT INTO fires (flow, trigger_key, at, business_date, state, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (flow, trigger_key, at) DO NOTHING RETURNING *',
      [fire.flow, fire.triggerKey, fire.at, fire.businessDate, fire.state, fire.reason ?? null, now]);
    return rows[0] ? toFire(rows[0]) : undefined;
  }

  async setState(id: number, state: FireState, runId: number | null, reason: string | null, tx: Queryable = this.db): Promise<void> {
    await tx.run('UPDATE fires SET state = ?, run_id = COALESCE(?, run_id), reason = COALESCE(?, reason) WHERE id = ?', [state, runId, reason, id]);
  }

  /** Takes a queued fire for starting; false when another scheduler took it first. */
  async claimQueued(id: number, tx: Queryable = this.db): Promise<boolean> {
    return (await tx.run("UPDATE fires SET state = 'firing' WHERE id = ? AND state = 'queued'", [id])) > 0;
  }

  async supersedeQueued(flow: string, exceptId: number, tx: Queryable = this.db): Promise<void> {
    await tx.run("UPDATE fires SET state = 'superseded', reason = 'a newer fire replaced it (overlap: queue-one)' " +
      "WHERE flow = ? AND state = 'queued' AND id <> ? AND trigger_key NOT LIKE 'backfill:%'", [flow, exceptId]);
  }

  async lastAt(flow: string, triggerKey: string): Promise<number | undefined> {
    const [row] = await this.db.query('SELECT MAX(at) AS at FROM fires WHERE flow = ? AND trigger_key = ?', [flow, triggerKey]);
    return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  }

  async inState(state: FireState, flow?: string): Promise<FireRow[]> {
    const rows = flow
      ? await this.db.query('SELECT * FROM fires WHERE state = ? AND flow = ? ORDER BY at, id', [state, flow])
      : await this.db.query('SELECT * FROM fires WHERE state = ? ORDER BY at, id', [state]);
    return rows.map(toFire);
  }

  async list(flow: string, limit: number): Promise<FireRow[]> {
    return (await this.db.query('SELECT * FROM fires WHERE flow = ? ORDER BY at DESC, id DESC LIMIT ?', [flow, limit])).map(toFire);
  }

  async runOfFire(fireId: number): Promise<number | undefined> {
    const [row] = await this.db.query('SELECT id FROM runs WHERE fire_id = ?', [fireId]);
    return row ? Number(row.id) : undefined;
  }

  async runOfBusinessDate(flow: string, businessDate: string): Promise<number | undefined> {
    const [row] = await this.db.query('SELECT id FROM runs WHERE flow = ? AND business_date = ? ORDER BY id LIMIT 1', [flow, businessDate]);
    return row ? Number(row.id) : undefined;
  }

  async activeRuns(flow: string): Promise<number[]> {
    const rows = await this.db.query("SELECT id FROM runs WHERE flow = ? AND state IN ('pending', 'running') ORDER BY id", [flow]);
    return rows.map((r) => Number(r.id));
  }

  async isPaused(flow: string): Promise<boolean> {
    const [row] = await this.db.query('SELECT paused FROM schedules WHERE flow = ?', [flow]);
    return row !== undefined && Number(row.paused) !== 0;
  }

  async setPaused(flow: string, paused: boolean, by: string, at: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO schedules (flow, paused, updated_at, updated_by) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (flow) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
        [flow, paused ? 1 : 0, at, by]);
      await tx.run('INSERT INTO events (at, run_id, task_id, job, kind, data) VALUES (?, NULL, NULL, NULL, ?, ?)',
        [at, paused ? 'schedule_paused' : 'schedule_resumed', JSON.stringify({ flow, by })]);
    });
  }

  /** Run-end events after `afterId`, for `after:` triggers (cross-flow dependencies). */
  async runEndsSince(afterId: number, limit = 1000): Promise<Array<{ id: number; at: number; runId: number; kind: string }>> {
    const rows = await this.db.query(
      "SELECT id, at, run_id, kind FROM events WHERE id > ? AND kind IN ('run_succeeded', 'run_failed', 'run_aborted') ORDER BY id LIMIT ?",
      [afterId, limit]);
    return rows.map((r) => ({ id: Number(r.id), at: Number(r.at), runId: Number(r.run_id), kind: String(r.kind) }));
  }

  async lastEventId(): Promise<number> {
    const [row] = await this.db.query('SELECT MAX(id) AS id FROM events');
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
  }
}
