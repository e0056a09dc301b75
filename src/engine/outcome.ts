/** How a run ends, and how long a task waits before its next attempt. */
import type { DepState, RetryPolicy } from '../defs/model.js';
import type { RunState, TaskRow } from './store.js';

const FAILURE_STATES = new Set(['failed', 'aborted', 'expired']);

/**
 * A run has failed when a task ended in failure (failed, aborted, expired) and no dependency on that
 * job's failure state (or `done`) handled it. It is `aborted` when an operator aborted the whole run.
 */
export function runOutcome(tasks: Iterable<TaskRow>, handled: ReadonlyMap<string, Set<DepState>>): RunState {
  let failed = false;
  for (const t of tasks) {
    if (t.state === 'aborted' && t.reason === 'run_aborted') return 'aborted';
    if (!FAILURE_STATES.has(t.state)) continue;
    const h = handled.get(t.job);
    if (!h || !(h.has('done') || h.has(t.state as DepState))) failed = true;
  }
  return failed ? 'failed' : 'succeeded';
}

/** Delay before attempt `next` (2 = the first retry): delay * backoff^(next-2), capped. */
export function retryDelay(policy: RetryPolicy, next: number): number {
  const raw = policy.delayMs * Math.pow(policy.backoff, Math.max(0, next - 2));
  return Math.min(raw, policy.maxDelayMs > 0 ? policy.maxDelayMs : raw);
}

/** Whether a task that just failed may be attempted again. */
export function mayRetry(policy: RetryPolicy, attemptsMade: number): boolean {
  return attemptsMade < policy.retries + 1;
}
