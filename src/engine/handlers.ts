/**
 * Which handlers an event fires (docs/alerts.md). A job's handlers fire on its task's events. A flow's
 * handlers (and the project's, compiled into every flow) fire on the run's start, success, failure and
 * abort, and on skip, retry, deadline_miss and expiry of any of its tasks (those have no run-level
 * counterpart). Pure: the store calls it while it writes the events, so a delivery is queued in the same
 * transaction as the event that fires it.
 */
import type { HandlerDef, HandlerEvent } from '../defs/handlers.js';
import type { FlowDef } from '../defs/model.js';
import type { EventInput } from './store.js';

const TASK_EVENTS: Record<string, HandlerEvent> = {
  task_started: 'start', task_succeeded: 'success', task_failed: 'failure', task_aborted: 'abort', task_skipped: 'skip',
  retry_scheduled: 'retry', task_expired: 'expiry', deadline_forecast_missed: 'deadline_miss', deadline_expired: 'deadline_miss',
};
const RUN_EVENTS: Record<string, HandlerEvent> = {
  run_started: 'start', run_succeeded: 'success', run_failed: 'failure', run_aborted: 'abort',
};
/** Task-level events a flow's handlers also fire on. */
const FLOW_WIDE: ReadonlySet<HandlerEvent> = new Set(['skip', 'retry', 'deadline_miss', 'expiry']);

/** Event kinds that may fire a handler: the store looks up a run's flow only for these. */
export function mayFire(kind: string): boolean {
  return kind in TASK_EVENTS || kind in RUN_EVENTS;
}

export interface Firing {
  handler: HandlerDef;
  on: HandlerEvent;
  /** The handler's place in its list, for people: `job:NAME#1`, `flow#2`, `project#1`. */
  name: string;
}

export function handlersFor(def: FlowDef, event: EventInput): Firing[] {
  const out: Firing[] = [];
  const flowLevel = (on: HandlerEvent) => {
    let f = 0;
    let p = 0;
    for (const h of def.handlers ?? []) {
      const name = h.level === 'project' ? `project#${++p}` : `flow#${++f}`;
      if (h.on.includes(on)) out.push({ handler: h, on, name });
    }
  };
  const runOn = RUN_EVENTS[event.kind];
  if (runOn && !event.taskId) {
    flowLevel(runOn);
    return out;
  }
  const taskOn = TASK_EVENTS[event.kind];
  if (!taskOn || !event.job) return out;
  const job = def.jobs.find((j) => j.name === event.job);
  (job?.handlers ?? []).forEach((h, i) => {
    if (h.on.includes(taskOn)) out.push({ handler: h, on: taskOn, name: `job:${event.job}#${i + 1}` });
  });
  if (FLOW_WIDE.has(taskOn)) flowLevel(taskOn);
  return out;
}
