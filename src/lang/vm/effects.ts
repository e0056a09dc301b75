import type { Json, JsonObject } from '../json.js';
import type { ErrorClass, RunError } from './errors.js';

/**
 * The protocol between the pure VM and the driver that persists runs and touches the world.
 *
 * `step()` returns an effect when the run needs something from outside; the run is then `waiting` and
 * keeps that effect in `state.pending` (so a driver restarted after a crash knows what was asked). The
 * driver performs it and calls `step()` again with the matching event. `done` and `failed` are final:
 * the driver then releases the run's locks and subscriptions and tells a waiting parent.
 */
export type Effect =
  | { kind: 'call_action'; action: string; input: JsonObject }
  /** One child run: a workflow `call` (wait) or a `detachflow` (no wait). `depth` is the child's depth. */
  | { kind: 'start_child'; workflow: string; input: JsonObject; wait: boolean; depth: number }
  /** Several children at once (`split`, `map`); the run waits for all of them. */
  | { kind: 'start_children'; children: Array<{ workflow: string; input: JsonObject }>; depth: number }
  | { kind: 'sleep'; seconds: number }
  /** Take a lock, waiting as long as it takes (first come, first served). */
  | { kind: 'lock'; type: string; value: string; inherit: boolean }
  /** Take a lock, waiting at most `wait` seconds (0: do not wait; null: no limit). */
  | { kind: 'wait_for_lock'; type: string; value: string; inherit: boolean; wait: number | null }
  | { kind: 'unlock'; type: string; value: string }
  | { kind: 'subscribe'; name: string; mask: JsonObject }
  | { kind: 'unsubscribe'; name: string }
  | { kind: 'raise_event'; event: JsonObject }
  /** Wait for the next event on one of these subscriptions, at most `timeout` seconds (null: no limit). */
  | { kind: 'wait_for_event'; events: string[]; timeout: number | null }
  | { kind: 'done'; output: JsonObject }
  | { kind: 'failed'; error: RunError };

export type EffectKind = Effect['kind'];

/** An error as a driver or worker reports it; `class` defaults to normal. */
export interface ReportedError {
  msg: string;
  class?: ErrorClass | string;
  [key: string]: Json | undefined;
}

export type Event =
  | { kind: 'action_done'; output: JsonObject }
  | { kind: 'action_failed'; error: ReportedError }
  | { kind: 'child_done'; output: JsonObject }
  | { kind: 'child_failed'; error: ReportedError }
  | { kind: 'child_started'; run_id: string }
  /** One result per child, in the order the children were asked for. */
  | { kind: 'children_done'; results: Array<{ output: JsonObject } | { error: ReportedError }> }
  | { kind: 'woken' }
  | { kind: 'lock_acquired' }
  | { kind: 'lock_failed'; error: ReportedError }
  /** Done: unlock, subscribe, unsubscribe, raise_event. */
  | { kind: 'ack' }
  /** `event` is `{name: subscription, event: raised object}`. */
  | { kind: 'event_received'; event: JsonObject }
  | { kind: 'event_timeout' }
  /** The pending effect failed (any kind of effect). */
  | { kind: 'failed'; error: ReportedError }
  /** From outside, at any time: cancel (class fatal), abort, or a run timeout. */
  | { kind: 'interrupt'; error: ReportedError };

/** Which events answer which pending effect (`failed` and `interrupt` answer any). */
export const ANSWERS: Record<Exclude<EffectKind, 'done' | 'failed'>, ReadonlyArray<Event['kind']>> = {
  call_action: ['action_done', 'action_failed'],
  start_child: ['child_done', 'child_failed', 'child_started'],
  start_children: ['children_done'],
  sleep: ['woken'],
  lock: ['lock_acquired', 'lock_failed'],
  wait_for_lock: ['lock_acquired', 'lock_failed'],
  unlock: ['ack'],
  subscribe: ['ack'],
  unsubscribe: ['ack'],
  raise_event: ['ack'],
  wait_for_event: ['event_received', 'event_timeout'],
};
