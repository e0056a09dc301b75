/**
 * Serves an effect inside the transaction of the step that produced it: the rows it needs (an action
 * task, child runs, a lock or a waiter, a subscription, queued events) are written with the step, and an
 * answer that is known at once (an ack, a lock granted, a child that could not start) goes to the run's
 * own inbox. What cannot be answered now is answered later by a worker, a child, another run or the clock.
 */
import type { Effect } from '../lang/vm/effects.js';
import { runError } from '../lang/vm/errors.js';
import type { Queryable } from '../store/port.js';
import { OrdoError } from '../errors.js';
import type { Catalog } from './catalog.js';
import { answer, post } from './inbox.js';
import { acquire, release } from './locks.js';
import type { LiveRun } from './live.js';
import { insertRun, type ParentLink } from './runs.js';
import { raise, subscribe, unsubscribe } from './subscriptions.js';
import { createTask, type ClaimedTask } from './tasks.js';
import { formatRunId } from './types.js';

/**
 * An in-process worker the engine may hand a task to in the transaction that creates it (saving the
 * worker a claim): `reserve` takes one of its free slots, `deliver` gives it the claimed task after the
 * commit, `release` gives the slot back when the transaction did not create the task.
 */
export interface LocalWorker {
  readonly name: string;
  reserve(action: string): boolean;
  release(action: string): void;
  deliver(task: ClaimedTask): void;
}

/** What the engine does after the transaction commits. */
export class Notes {
  /** Runs to look at again (answers posted for them). */
  readonly wake = new Set<number>();
  /** Actions that got a ready task (workers to tell). */
  readonly tasksFor = new Set<string>();
  /** Runs created (children) that this engine now drives. */
  readonly created: LiveRun[] = [];
  /** Slots reserved on in-process workers, and the tasks to deliver to them after the commit. */
  readonly reserved: Array<{ worker: LocalWorker; action: string }> = [];
  readonly deliveries: Array<{ worker: LocalWorker; task: ClaimedTask }> = [];

  /** After the commit: deliver the claimed tasks, give back the slots not used. */
  delivered(): void {
    for (const d of this.deliveries) d.worker.deliver(d.task);
    const used = new Set(this.deliveries.map((d) => d.worker));
    for (const r of this.reserved) if (!used.has(r.worker)) r.worker.release(r.action);
  }

  /** After a rollback: give back every reserved slot. */
  rolledBack(): void {
    for (const r of this.reserved.splice(0)) r.worker.release(r.action);
    this.deliveries.length = 0;
  }
}

export interface ServeContext {
  tx: Queryable;
  now: number;
  owner: string;
  catalog: Catalog;
  notes: Notes;
  /** An in-process worker with a free slot for the action, if any. */
  reserve?: (action: string) => LocalWorker | undefined;
}

export interface Serving {
  id: number;
  rootId: number;
  step: number;
  workflow: string;
}

export async function serve(ctx: ServeContext, run: Serving, effect: Effect): Promise<void> {
  const { tx, now, notes } = ctx;
  const reply = async (event: Parameters<typeof answer>[3]): Promise<void> => {
    await answer(tx, run.id, run.step, event, now);
    notes.wake.add(run.id);
  };
  switch (effect.kind) {
    case 'call_action': {
      const def = await ctx.catalog.action(effect.action);
      const local = ctx.reserve?.(effect.action);
      if (local) notes.reserved.push({ worker: local, action: effect.action });
      const task = { runId: run.id, step: run.step, workflow: run.workflow, action: effect.action, input: effect.input, def, claimFor: local?.name };
      const claimed = await createTask(tx, task, now);
      if (claimed && local) notes.deliveries.push({ worker: local, task: claimed });
      else notes.tasksFor.add(effect.action);
      return;
    }
    case 'start_child': {
      const link: ParentLink = { id: run.id, rootId: run.rootId, step: run.step, index: 0, join: effect.wait ? 'call' : 'none' };
      const child = await startChild(ctx, effect.workflow, effect.input, effect.depth, link);
      if ('error' in child) await reply({ kind: effect.wait ? 'child_failed' : 'failed', error: child.error });
      else if (!effect.wait) await reply({ kind: 'child_started', run_id: formatRunId(child.id) });
      return;
    }
    case 'start_children': {
      for (const [index, c] of effect.children.entries()) {
        const link: ParentLink = { id: run.id, rootId: run.rootId, step: run.step, index, join: 'all' };
        const child = await startChild(ctx, c.workflow, c.input, effect.depth, link);
        if ('error' in child) {
          await post(tx, run.id, run.step, 'child_result', { index, error: child.error }, now);
          notes.wake.add(run.id);
        }
      }
      return;
    }
    case 'sleep':
      return;
    case 'lock':
    case 'wait_for_lock': {
      const wait = effect.kind === 'lock' ? null : effect.wait;
      const outcome = await acquire(tx, { runId: run.id, step: run.step, type: effect.type, value: effect.value, inherit: effect.inherit, wait }, now);
      if (outcome.kind === 'granted') await reply({ kind: 'lock_acquired' });
      else if (outcome.kind === 'failed') await reply({ kind: 'lock_failed', error: { msg: outcome.msg, class: 'lock' } });
      return;
    }
    case 'unlock': {
      const woken = await release(tx, run.id, effect.type, effect.value, now);
      if (woken === false) {
        await reply({ kind: 'failed', error: { msg: `lock ${effect.type} '${effect.value}' is not held by this run`, class: 'lock' } });
        return;
      }
      for (const id of woken) notes.wake.add(id);
      await reply({ kind: 'ack' });
      return;
    }
    case 'subscribe':
      await subscribe(tx, run.id, effect.name, effect.mask, now);
      await reply({ kind: 'ack' });
      return;
    case 'unsubscribe':
      await unsubscribe(tx, run.id, effect.name);
      await reply({ kind: 'ack' });
      return;
    case 'raise_event':
      for (const id of await raise(tx, effect.event, now)) notes.wake.add(id);
      await reply({ kind: 'ack' });
      return;
    case 'wait_for_event':
      // The queue may already hold an event for it: look at once.
      notes.wake.add(run.id);
      return;
    case 'done':
    case 'failed':
      return;
    default: {
      const never: never = effect;
      throw new Error(`unknown effect ${JSON.stringify(never)}`);
    }
  }
}

async function startChild(ctx: ServeContext, workflow: string, input: Parameters<typeof insertRun>[1]['input'], depth: number,
  parent: ParentLink): Promise<LiveRun | { error: ReturnType<typeof runError> }> {
  let resolved;
  try {
    resolved = await ctx.catalog.workflow(workflow);
  } catch (err) {
    if (err instanceof OrdoError) return { error: runError(err.message) };
    throw err;
  }
  const child = await insertRun(ctx.tx, { ...resolved, input, depth, parent, owner: ctx.owner, at: ctx.now });
  if (!('error' in child)) {
    ctx.notes.created.push(child);
    ctx.notes.wake.add(child.id);
  }
  return child;
}
