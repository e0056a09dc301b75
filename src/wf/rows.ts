/** Mapping between the wf_* tables (snake_case, JSON as text, booleans as 0/1) and the runtime's row types. */
import type { JsonObject } from '../lang/json.js';
import type { RunError } from '../lang/vm/errors.js';
import type { RunState, RunStatus } from '../lang/vm/state.js';
import type { Queryable, SqlRow } from '../store/port.js';
import { num, numOrNull, parseJson, strOrNull } from '../store/rows.js';
import type { InboxRow, TaskState, VersionKind, WfRunRow, WfStepRow, WfTaskRow, WfVersion } from './types.js';


export function toVersion(r: SqlRow): WfVersion {
  return {
    id: num(r.id), kind: r.kind as VersionKind, name: String(r.name), version: num(r.version), fingerprint: String(r.fingerprint),
    body: JSON.parse(String(r.body)), createdAt: num(r.created_at),
  };
}

export function toRun(r: SqlRow): WfRunRow {
  return {
    id: num(r.id), workflow: String(r.workflow), versionId: num(r.version_id), parentId: numOrNull(r.parent_id),
    parentStep: numOrNull(r.parent_step), parentIndex: num(r.parent_index), join: (['none', 'call', 'all'] as const)[num(r.waited)] ?? 'none',
    rootId: numOrNull(r.root_id) ?? num(r.id), depth: num(r.depth), status: r.status as RunStatus,
    state: JSON.parse(String(r.state)) as RunState, input: parseJson<JsonObject>(r.input) ?? {}, output: parseJson<JsonObject>(r.output),
    error: parseJson<RunError>(r.error), step: num(r.step), waitStep: numOrNull(r.wait_step), rev: num(r.rev), owner: strOrNull(r.owner),
    heartbeatAt: numOrNull(r.heartbeat_at), wakeAt: numOrNull(r.wake_at), deadlineAt: numOrNull(r.deadline_at),
    origin: strOrNull(r.origin), createdAt: num(r.created_at), updatedAt: num(r.updated_at), endedAt: numOrNull(r.ended_at),
  };
}

export function toTask(r: SqlRow): WfTaskRow {
  return {
    id: num(r.id), runId: num(r.run_id), step: num(r.step), action: String(r.action), input: parseJson<JsonObject>(r.input) ?? {},
    state: r.state as TaskState, attempts: num(r.attempts), maxTries: num(r.max_tries), retryMs: num(r.retry_ms),
    timeoutMs: numOrNull(r.timeout_ms), retryable: num(r.retryable) === 1, notBefore: num(r.not_before), cookie: strOrNull(r.cookie),
    worker: strOrNull(r.worker), deadline: numOrNull(r.deadline), output: parseJson<JsonObject>(r.output), error: parseJson<JsonObject>(r.error),
    createdAt: num(r.created_at), claimedAt: numOrNull(r.claimed_at), endedAt: numOrNull(r.ended_at),
  };
}

export function toStep(r: SqlRow): WfStepRow {
  return {
    runId: num(r.run_id), step: num(r.step), at: num(r.at), pc: num(r.pc), op: String(r.op),
    event: parseJson<JsonObject>(r.event), effect: parseJson<JsonObject>(r.effect), status: r.status as RunStatus,
  };
}

export function toInbox(r: SqlRow): InboxRow {
  return { id: num(r.id), runId: num(r.run_id), step: numOrNull(r.step), kind: String(r.kind), data: parseJson<JsonObject>(r.data) ?? {} };
}

export interface WfEvent {
  at: number;
  runId: number;
  kind: string;
  data?: JsonObject;
}

/** The audit trail stays one table: workflow events go to `events`, with `wf_run_id` naming the run. */
export async function insertEvent(tx: Queryable, e: WfEvent): Promise<void> {
  await tx.run('INSERT INTO events (at, run_id, kind, data, wf_run_id) VALUES (?, NULL, ?, ?, ?)',
    [e.at, e.kind, e.data ? JSON.stringify(e.data) : null, e.runId]);
}
