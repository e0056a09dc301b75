/**
 * Action tasks: the queue between runs and workers, and the worker protocol over it (JobCenter's
 * `get_task` and `task_done`, seed 001): a claim hands out a ready task with a fresh cookie (the fencing
 * token of that claim); a result is accepted only with the cookie of the current claim, so a late or
 * duplicate result changes nothing. A `soft` error goes back to ready after the action's retry interval
 * while tries remain; any other end is posted to the run's inbox in the same transaction.
 */
import { randomBytes } from 'node:crypto';
import { isObject, type JsonObject } from '../lang/json.js';
import type { ActionDef } from '../lang/program.js';
import type { Event } from '../lang/vm/effects.js';
import { fromReported, type RunError } from '../lang/vm/errors.js';
import type { Queryable, SqlPort, SqlRow } from '../store/port.js';
import { canFuse } from './can-fuse.js';
import { answer } from './inbox.js';
import { insertEvent, toTask } from './rows.js';
import { formatRunId, type WfTaskRow } from './types.js';

/** A task as a worker gets it (`get_task` answers `[job_id, cookie, inargs, env]`). */
export interface ClaimedTask {
  taskId: number;
  runId: number;
  step: number;
  action: string;
  cookie: string;
  input: JsonObject;
  /** `{run: 'W12', workflow, step, action, attempt}`. */
  env: JsonObject;
  attempt: number;
  /** When the claim times out (the action's timeout), on the engine's clock; null for none. */
  deadline: number | null;
}

export type Completion =
  | { accepted: false }
  | { accepted: true; runId: number; action: string; outcome: 'done' | 'failed' | 'retry'; retryAt?: number };

export interface NewTask {
  runId: number;
  step: number;
  workflow: string;
  action: string;
  input: JsonObject;
  def: ActionDef | undefined;
  /** Hand it at once to this in-process worker (claimed in the same transaction as the step). */
  claimFor?: string;
}

function cookieOf(runId: number, step: number, attempt: number, nonce: string): string {
  return `${runId}.${step}.${attempt}.${nonce}`;
}

/** Parses a cookie: the task it names, as (run, step). */
export function taskOfCookie(cookie: string): { runId: number; step: number } | null {
  const [run, step] = cookie.split('.').map(Number);
  return Number.isSafeInteger(run) && Number.isSafeInteger(step) ? { runId: run as number, step: step as number } : null;
}

/**
 * Creates the task of a `call_action` effect (a second call for the same run and step does nothing);
 * with `claimFor`, the task is created claimed by that worker and returned.
 */
export async function createTask(tx: Queryable, t: NewTask, at: number): Promise<ClaimedTask | null> {
  const c = t.def?.config;
  const timeoutMs = c?.timeout == null ? null : Math.round(c.timeout * 1000);
  const claimed = t.claimFor !== undefined;
  const cookie = claimed ? cookieOf(t.runId, t.step, 1, randomBytes(6).toString('hex')) : null;
  const deadline = claimed && timeoutMs !== null ? at + timeoutMs : null;
  const [row] = await tx.query(
    'INSERT INTO wf_tasks (run_id, step, workflow, action, input, state, attempts, max_tries, retry_ms, timeout_ms, retryable, not_before, ' +
    'cookie, worker, deadline, created_at, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (run_id, step) DO NOTHING RETURNING id',
    [t.runId, t.step, t.workflow, t.action, JSON.stringify(t.input), claimed ? 'claimed' : 'ready', claimed ? 1 : 0, c?.retry.tries ?? 1,
      Math.round((c?.retry.interval ?? 0) * 1000), timeoutMs, c?.retryable === false ? 0 : 1, at, cookie, t.claimFor ?? null, deadline, at,
      claimed ? at : null]);
  if (!row || !claimed) return null;
  const taskId = Number(row.id);
  await insertEvent(tx, { at, runId: t.runId, kind: 'wf_task_claimed', data: { task: taskId, step: t.step, action: t.action, attempt: 1, worker: t.claimFor ?? null } });
  return {
    taskId, runId: t.runId, step: t.step, action: t.action, cookie: cookie as string, input: t.input, attempt: 1, deadline,
    env: { run: formatRunId(t.runId), workflow: t.workflow, step: t.step, action: t.action, attempt: 1 },
  };
}

function envOf(t: WfTaskRow & { workflow: string }): JsonObject {
  return { run: formatRunId(t.runId), workflow: t.workflow, step: t.step, action: t.action, attempt: t.attempts };
}

/** Claims up to `limit` ready tasks of an action for a worker, oldest first (`runId`: only that run's task). */
export async function claim(db: SqlPort, worker: string, action: string, limit: number, now: number, runId?: number): Promise<ClaimedTask[]> {
  const lock = db.caps.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
  const only = runId === undefined ? '' : ' AND run_id = ?';
  // One task per statement: a scalar subquery is evaluated once (an IN list with LIMIT may not be).
  const update = "UPDATE wf_tasks SET state = 'claimed', attempts = attempts + 1, worker = ?, claimed_at = ?, " +
    "cookie = CAST(run_id AS TEXT) || '.' || CAST(step AS TEXT) || '.' || CAST(attempts + 1 AS TEXT) || '.' || CAST(? AS TEXT), " +
    'deadline = CASE WHEN timeout_ms IS NULL THEN NULL ELSE CAST(? AS BIGINT) + timeout_ms END ' +
    `WHERE state = 'ready' AND id = (SELECT id FROM wf_tasks WHERE state = 'ready' AND action = ? AND not_before <= ?${only} ` +
    `ORDER BY id LIMIT 1${lock}) RETURNING *`;
  const params = (nonce: string) => (runId === undefined ? [worker, now, nonce, now, action, now] : [worker, now, nonce, now, action, now, runId]);
  const claimed = (row: SqlRow): ClaimedTask => {
    const t = { ...toTask(row), workflow: String(row.workflow) };
    return { taskId: t.id, runId: t.runId, step: t.step, action: t.action, cookie: t.cookie ?? '', input: t.input, env: envOf(t), attempt: t.attempts, deadline: t.deadline };
  };
  if (await canFuse(db)) {
    // Each claim with its event in one statement (one round trip, atomic on its own), as fused.ts does for steps.
    const out: ClaimedTask[] = [];
    const sql = `WITH c AS (${update}), e AS (INSERT INTO events (at, run_id, kind, data, wf_run_id) SELECT CAST(? AS BIGINT), NULL, 'wf_task_claimed', ` +
      `'{"task":' || CAST(c.id AS TEXT) || ',"step":' || CAST(c.step AS TEXT) || ',"action":' || CAST(? AS TEXT) || ',"attempt":' || ` +
      "CAST(c.attempts AS TEXT) || ',\"worker\":' || CAST(? AS TEXT) || '}', c.run_id FROM c) SELECT * FROM c";
    for (let k = 0; k < limit; k++) {
      const [row] = await db.query(sql, [...params(randomBytes(6).toString('hex')), now, JSON.stringify(action), JSON.stringify(worker)]);
      if (!row) break;
      out.push(claimed(row));
    }
    return out;
  }
  return db.transaction(async (tx) => {
    const out: ClaimedTask[] = [];
    for (let k = 0; k < limit; k++) {
      const [row] = await tx.query(update, params(randomBytes(6).toString('hex')));
      if (!row) break;
      const t = claimed(row);
      await insertEvent(tx, { at: now, runId: t.runId, kind: 'wf_task_claimed', data: { task: t.taskId, step: t.step, action, attempt: t.attempt, worker } });
      out.push(t);
    }
    return out;
  });
}

/** The earliest time a delayed ready task of the action may be claimed (a soft retry's interval). */
export async function nextReadyAt(db: Queryable, action: string): Promise<number | null> {
  const [row] = await db.query("SELECT MIN(not_before) AS t FROM wf_tasks WHERE state = 'ready' AND action = ?", [action]);
  return row?.t == null ? null : Number(row.t);
}

/** The error of outargs that report a failure, normalised; null for a success. */
export function errorOf(outargs: JsonObject): RunError | null {
  if (!Object.hasOwn(outargs, 'error')) return null;
  return fromReported(isObject(outargs.error) ? outargs.error as never : { msg: String(outargs.error) });
}

/**
 * Records a worker's result in the caller's transaction: refused (null) unless the cookie is that of the
 * task's current claim. A `soft` error with tries left puts the task back to ready after the retry
 * interval; otherwise the task ends and the event that answers the run is returned (not posted).
 */
export async function recordResult(tx: Queryable, cookie: string, outargs: JsonObject, now: number):
  Promise<{ runId: number; step: number; action: string; outcome: 'done' | 'failed' | 'retry'; event: Event | null; retryAt?: number } | null> {
  const key = taskOfCookie(cookie);
  if (!key) return null;
  const error = errorOf(outargs);
  const soft = error?.class === 'soft' ? 1 : 0;
  const [row] = await tx.query(
    "UPDATE wf_tasks SET state = CASE WHEN ? = 1 AND attempts < max_tries THEN 'ready' WHEN ? = 1 THEN 'failed' ELSE 'done' END, " +
    'not_before = CASE WHEN ? = 1 AND attempts < max_tries THEN CAST(? AS BIGINT) + retry_ms ELSE not_before END, ' +
    'deadline = NULL, output = ?, error = ?, ended_at = CASE WHEN ? = 1 AND attempts < max_tries THEN NULL ELSE CAST(? AS BIGINT) END ' +
    "WHERE run_id = ? AND step = ? AND cookie = ? AND state = 'claimed' RETURNING id, state, attempts, action, not_before",
    [soft, error ? 1 : 0, soft, now, error ? null : JSON.stringify(outargs), error ? JSON.stringify(error) : null, soft, now, key.runId, key.step, cookie]);
  if (!row) return null;
  const state = String(row.state);
  const base = { task: Number(row.id), step: key.step, action: String(row.action), attempt: Number(row.attempts) };
  const common = { runId: key.runId, step: key.step, action: String(row.action) };
  if (state === 'ready') {
    const retryAt = Number(row.not_before);
    await insertEvent(tx, { at: now, runId: key.runId, kind: 'wf_task_retry', data: { ...base, error, retryAt } });
    return { ...common, outcome: 'retry', event: null, retryAt };
  }
  await insertEvent(tx, { at: now, runId: key.runId, kind: error ? 'wf_task_failed' : 'wf_task_done', data: error ? { ...base, error } : base });
  return error ? { ...common, outcome: 'failed', event: { kind: 'action_failed', error } } : { ...common, outcome: 'done', event: { kind: 'action_done', output: outargs } };
}

/**
 * A worker's result (`task_done {cookie, outargs}`): outargs with an `error` key is a failure. Refused
 * (nothing changes) unless the cookie is that of the task's current claim; the answer goes to the run's inbox.
 */
export async function complete(db: SqlPort, cookie: string, outargs: JsonObject, now: number): Promise<Completion> {
  return db.transaction(async (tx): Promise<Completion> => {
    const r = await recordResult(tx, cookie, outargs, now);
    if (!r) return { accepted: false };
    if (r.event) await answer(tx, r.runId, r.step, r.event, now);
    return { accepted: true, runId: r.runId, action: r.action, outcome: r.outcome, retryAt: r.retryAt };
  });
}

/** Fails a claimed task whose deadline passed (class timeout); a late result is then refused. */
export async function expire(db: SqlPort, runId: number, step: number, now: number): Promise<number | null> {
  const lock = db.caps.rowLocks ? ' FOR UPDATE' : '';
  return db.transaction(async (tx) => {
    const [row] = await tx.query(`SELECT * FROM wf_tasks WHERE run_id = ? AND step = ? AND state = 'claimed' AND deadline <= ?${lock}`, [runId, step, now]);
    if (!row) return null;
    const t = toTask(row);
    const error = { msg: `action ${t.action} timed out after ${(t.timeoutMs ?? 0) / 1000} s`, class: 'timeout' as const };
    await tx.run("UPDATE wf_tasks SET state = 'failed', error = ?, ended_at = ? WHERE id = ? AND state = 'claimed'", [JSON.stringify(error), now, t.id]);
    await answer(tx, t.runId, t.step, { kind: 'action_failed', error }, now);
    await insertEvent(tx, { at: now, runId: t.runId, kind: 'wf_task_timeout', data: { task: t.id, step: t.step, action: t.action, attempt: t.attempts } });
    return t.runId;
  });
}

/** Claimed tasks of these runs with a deadline, for the engine's timers. */
export async function claimedDeadlines(db: Queryable, runIds: readonly number[]): Promise<Array<{ runId: number; step: number; deadline: number }>> {
  if (runIds.length === 0) return [];
  const rows = await db.query(
    `SELECT run_id, step, deadline FROM wf_tasks WHERE state = 'claimed' AND deadline IS NOT NULL AND run_id IN (${runIds.map(() => '?').join(', ')})`,
    [...runIds]);
  return rows.map((r) => ({ runId: Number(r.run_id), step: Number(r.step), deadline: Number(r.deadline) }));
}

/**
 * Tasks claimed by a worker that is gone (its process died with the engine that ran it): retryable ones
 * are handed out again, the others fail with class `soft` "worker lost", which the action's retry policy
 * may retry (as for a remote worker declared dead). Returns the actions with a task ready again.
 */
export async function recoverLost(db: SqlPort, runId: number, isGone: (worker: string) => boolean, now: number): Promise<string[]> {
  const claimed = (await db.query("SELECT * FROM wf_tasks WHERE run_id = ? AND state = 'claimed'", [runId])).map(toTask);
  const lost = claimed.filter((t) => t.worker !== null && isGone(t.worker));
  if (lost.length === 0) return [];
  const ready: string[] = [];
  await db.transaction(async (tx) => {
    for (const t of lost) {
      const base = { task: t.id, step: t.step, action: t.action, attempt: t.attempts, worker: t.worker };
      if (t.retryable) {
        await tx.run("UPDATE wf_tasks SET state = 'ready', not_before = ?, deadline = NULL WHERE id = ? AND state = 'claimed'", [now, t.id]);
        await insertEvent(tx, { at: now, runId: t.runId, kind: 'wf_task_lost', data: { ...base, requeued: true } });
        ready.push(t.action);
        continue;
      }
      await insertEvent(tx, { at: now, runId: t.runId, kind: 'wf_task_lost', data: { ...base, requeued: false } });
      const error = { msg: 'worker lost', class: 'soft', worker: t.worker ?? '', reason: 'its process died' };
      const r = t.cookie === null ? null : await recordResult(tx, t.cookie, { error }, now);
      if (r?.event) await answer(tx, r.runId, r.step, r.event, now);
      if (r?.outcome === 'retry') ready.push(t.action);
    }
  });
  return ready;
}

/** A run ended: its tasks not yet done are cancelled (a worker's late result is then refused). */
export async function cancelRunTasks(tx: Queryable, runId: number, now: number): Promise<void> {
  await tx.run("UPDATE wf_tasks SET state = 'cancelled', ended_at = ? WHERE run_id = ? AND state IN ('ready', 'claimed')", [now, runId]);
}
