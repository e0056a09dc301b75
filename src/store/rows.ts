/** Mapping between SQL rows (snake_case, JSON as text, booleans as 0/1) and the engine's row types. */
import type { AttemptRow, EventRow, RunRow, TaskRow } from '../engine/store.js';
import type { SqlRow, SqlScalar } from './port.js';

export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function parseJson<T>(v: unknown): T | null {
  return v === null || v === undefined ? null : (JSON.parse(String(v)) as T);
}

export const jsonOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function toRunRow(r: SqlRow): RunRow {
  return {
    id: num(r.id),
    flow: String(r.flow),
    flowVersionId: num(r.flow_version_id),
    state: r.state as RunRow['state'],
    params: parseJson<Record<string, unknown>>(r.params) ?? {},
    vars: parseJson<Record<string, string>>(r.vars) ?? {},
    createdAt: num(r.created_at),
    startedAt: numOrNull(r.started_at),
    endedAt: numOrNull(r.ended_at),
    owner: strOrNull(r.owner),
    heartbeatAt: numOrNull(r.heartbeat_at),
    controlSeq: num(r.control_seq),
    priority: num(r.priority ?? 0),
    statsClass: String(r.stats_class ?? 'default'),
    businessDate: strOrNull(r.business_date),
    fireId: numOrNull(r.fire_id),
  };
}

export function toTaskRow(r: SqlRow): TaskRow {
  return {
    id: num(r.id),
    runId: num(r.run_id),
    job: String(r.job),
    state: r.state as TaskRow['state'],
    rev: num(r.rev),
    attempts: num(r.attempts),
    attemptBase: num(r.attempt_base),
    notBefore: numOrNull(r.not_before),
    skipRequested: num(r.skip_requested) !== 0,
    abortRequested: num(r.abort_requested) !== 0,
    reason: strOrNull(r.reason),
    exitCode: numOrNull(r.exit_code),
    startedAt: numOrNull(r.started_at),
    endedAt: numOrNull(r.ended_at),
    result: parseJson<Record<string, unknown>>(r.result),
  };
}

export function toAttemptRow(r: SqlRow): AttemptRow {
  return {
    taskId: num(r.task_id),
    attempt: num(r.attempt),
    token: num(r.token),
    state: r.state as AttemptRow['state'],
    owner: strOrNull(r.owner),
    pid: numOrNull(r.pid),
    startedAt: num(r.started_at),
    endedAt: numOrNull(r.ended_at),
    exitCode: numOrNull(r.exit_code),
    signal: strOrNull(r.signal),
    error: strOrNull(r.error),
    result: parseJson<Record<string, unknown>>(r.result),
    usage: r.cpu_user_ms === null || r.cpu_user_ms === undefined ? null : {
      cpuUserMs: num(r.cpu_user_ms), cpuSystemMs: num(r.cpu_system_ms),
      ...(r.max_rss_kb !== null && r.max_rss_kb !== undefined && { maxRssKb: num(r.max_rss_kb) }),
    },
    limits: parseJson<Record<string, string>>(r.limits),
  };
}

export function toEventRow(r: SqlRow): EventRow {
  return {
    id: num(r.id),
    at: num(r.at),
    runId: numOrNull(r.run_id),
    taskId: numOrNull(r.task_id),
    job: strOrNull(r.job),
    kind: String(r.kind),
    data: parseJson<Record<string, unknown>>(r.data) ?? undefined,
  };
}

/** The values a task update writes, in the column order of `TASK_UPDATE_COLUMNS`. */
export function taskValues(t: TaskRow): SqlScalar[] {
  return [
    t.id, t.rev, t.state, t.attempts, t.attemptBase, t.notBefore, t.skipRequested ? 1 : 0, t.abortRequested ? 1 : 0,
    t.reason, t.exitCode, t.startedAt, t.endedAt, jsonOrNull(t.result),
  ];
}

export function attemptValues(a: AttemptRow): SqlScalar[] {
  return [
    a.taskId, a.attempt, a.token, a.state, a.owner, a.pid, a.startedAt, a.endedAt, a.exitCode, a.signal,
    a.error, jsonOrNull(a.result), a.usage?.cpuUserMs ?? null, a.usage?.cpuSystemMs ?? null, a.usage?.maxRssKb ?? null,
    jsonOrNull(a.limits ?? null),
  ];
}
