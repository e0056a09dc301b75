/**
 * Which audit-trail events are state changes worth a notification, and the state each one leads to
 * (null: an operator's request or a deadline, which changes no state by itself).
 */
import type { EventRow, RunState, TaskState } from '../../engine/store.js';

const RUN_EVENTS: Record<string, RunState | null> = {
  run_created: 'pending', run_started: 'running', run_succeeded: 'succeeded', run_failed: 'failed', run_aborted: 'aborted',
  run_reopened: 'running', abort_requested: null,
};

const TASK_EVENTS: Record<string, TaskState | null> = {
  task_ready: 'ready', task_started: 'running', task_succeeded: 'succeeded', task_failed: 'failed', task_skipped: 'skipped',
  task_aborted: 'aborted', task_expired: 'expired', task_attempt_failed: 'ready', task_restarted: 'waiting',
  skip_requested: null, abort_requested: null, deadline_expired: null,
};

export interface FeedEvent extends EventRow {
  /** The run's flow (joined from runs). */
  flow: string | null;
}

export interface Change {
  method: 'run.changed' | 'task.changed';
  params: Record<string, unknown>;
}

export function changeOf(e: FeedEvent): Change | null {
  if (e.runId === null || e.flow === null) return null;
  const base = { eventId: e.id, at: e.at, kind: e.kind, run: e.runId, flow: e.flow, data: e.data ?? {} };
  if (e.taskId !== null && e.taskId !== undefined) {
    if (!(e.kind in TASK_EVENTS)) return null;
    return { method: 'task.changed', params: { ...base, job: e.job ?? '', task: e.taskId, state: TASK_EVENTS[e.kind] ?? null } };
  }
  if (!(e.kind in RUN_EVENTS)) return null;
  return { method: 'run.changed', params: { ...base, state: RUN_EVENTS[e.kind] ?? null } };
}
