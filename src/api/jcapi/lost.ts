/**
 * The claimed tasks of a worker that is gone (silent past its timeout, or its connection closed): a task
 * of an action marked `retryable` (the default) is handed out again as it is; any other fails with class
 * `soft` and the message "worker lost", which the action's retry policy may retry. Both go through the
 * workflow runtime's own operations and are fenced by the claim, so a task the worker reported meanwhile
 * is left alone.
 */
import type { WorkflowEngine } from '../../wf/driver.js';
import { recoverLost } from '../../wf/tasks.js';
import type { Claim } from './workers.js';

export interface LostWorker {
  name: string;
  claimName: string;
}

/** Returns the actions that have a task ready again (to offer to other workers). */
export async function recoverClaims(engine: WorkflowEngine, worker: LostWorker, claims: readonly Claim[], reason: string): Promise<Set<string>> {
  const ready = new Set<string>();
  const requeue = new Set<number>();
  for (const c of claims) {
    const def = await engine.catalog.action(c.action);
    if (def?.config.retryable === false) {
      const done = await engine.complete(c.cookie, { error: { msg: 'worker lost', class: 'soft', worker: worker.name, reason } });
      if (done.accepted && done.outcome === 'retry') ready.add(c.action);
    } else {
      requeue.add(c.runId);
    }
  }
  const now = engine.clock.now();
  for (const runId of requeue) {
    for (const action of await recoverLost(engine.store.db, runId, (w) => w === worker.claimName, now)) ready.add(action);
  }
  return ready;
}
