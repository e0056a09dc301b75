/**
 * The in-process worker SDK:
 *
 *   const worker = new Worker(engine, { name: 'adder' });
 *   worker.action('add', async (input) => ({ counter: Number(input.counter) + Number(input.step) }), { slots: 4 });
 *   ...
 *   await worker.stop();   // finishes the tasks it runs, then withdraws
 *
 * Announcing an action claims its ready tasks, up to `slots` at a time, each with a cookie (fencing
 * token); the result goes back with that cookie, so a result that comes too late (the action timed out,
 * the run was cancelled) is refused and changes nothing. A handler fails by throwing: an ActionFailure
 * chooses the class (`soft` is retried per the action's retry policy), any other error is `normal`.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock, TimerHandle } from '../engine/ports.js';
import { SystemClock } from '../engine/clock.js';
import { isObject, type JsonObject } from '../lang/json.js';
import type { OrdoStore } from '../store/ordo-store.js';
import type { WfStore } from '../wf/store.js';
import { StoreBroker, type ClaimedTask, type LocalWorker, type TaskBroker } from './broker.js';
import { ActionFailure, toOutargs } from './failure.js';

export { ActionFailure };

export interface TaskContext {
  taskId: number;
  /** The workflow run, as `W12`. */
  run: string;
  action: string;
  attempt: number;
  env: JsonObject;
  /** Aborted when the action's timeout passes (the result would be refused) or the worker is stopped hard. */
  signal: AbortSignal;
}

export type ActionHandler = (input: JsonObject, ctx: TaskContext) => Promise<JsonObject>;

export interface WorkerOptions {
  /** Recorded on every task it claims; by default `host/pid/nonce` (so a dead worker is recognised). */
  name?: string;
  /** How often to look for tasks besides `task_ready` notifications; 0: never. Default 1000 ms. */
  pollMs?: number;
  /** For a worker on a store: the clock (the system clock by default). */
  clock?: Clock;
}

export interface ActionOptions {
  /** Tasks of this action run at once (default 1). */
  slots?: number;
}

interface Announced {
  handler: ActionHandler;
  slots: number;
  running: number;
  /** Slots promised to the engine for tasks it is creating (delivered after its commit). */
  reserved: number;
  /** Tasks may be waiting for a claim (announced, notified, polled); cleared when a claim comes back short. */
  wanted: boolean;
  /** A notification came: after the next short claim, look for delayed tasks (soft retries) once. */
  checkDelayed: boolean;
  /** Counts notifications, so that one arriving during a claim is not lost. */
  notified: number;
  claiming: boolean;
  again: boolean;
  retryTimer: TimerHandle | null;
}

export class Worker implements LocalWorker {
  readonly name: string;
  readonly stats = { done: 0, failed: 0, refused: 0 };
  /** The last error talking to the broker (claims and results are retried by the protocol, not here). */
  lastError: Error | null = null;
  private readonly broker: TaskBroker;
  private readonly actions = new Map<string, Announced>();
  private readonly ops = new Set<Promise<unknown>>();
  private readonly handlers = new Set<Promise<unknown>>();
  private unlisten: (() => void) | undefined;
  private detach: (() => void) | undefined;
  private pollTimer: TimerHandle | null = null;
  private stopping = false;

  constructor(source: TaskBroker | OrdoStore | WfStore, private readonly opts: WorkerOptions = {}) {
    this.broker = 'claim' in source ? source : new StoreBroker(source, opts.clock ?? new SystemClock());
    this.name = opts.name ?? `${hostname()}/${process.pid}/w${randomBytes(3).toString('hex')}`;
    this.unlisten = this.broker.onTaskReady?.((action) => this.notify(action));
    this.detach = this.broker.attach?.(this);
    this.schedulePoll();
  }

  /** Announces an action: from now on this worker claims and runs its tasks. */
  action(name: string, handler: ActionHandler, opts: ActionOptions = {}): this {
    const slots = opts.slots ?? 1;
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`slots of ${name} must be a positive integer`);
    const existing = this.actions.get(name);
    if (existing) {
      // Announced again (a reload): the new handler for the next tasks; the running ones keep their slots.
      Object.assign(existing, { handler, slots, wanted: true, checkDelayed: true });
    } else {
      this.actions.set(name, { handler, slots, running: 0, reserved: 0, wanted: true, checkDelayed: true, notified: 0, claiming: false, again: false, retryTimer: null });
    }
    this.pump(name);
    return this;
  }

  get announced(): string[] {
    return [...this.actions.keys()];
  }

  /** `task_ready`: tasks of the action may be waiting; claim them into free slots. */
  notify(action: string): void {
    const a = this.actions.get(action);
    if (!a) return;
    a.wanted = true;
    a.checkDelayed = true;
    a.notified++;
    this.pump(action);
  }

  /** Claims tasks of the action into its free slots, while some may be waiting. */
  private pump(action: string): void {
    const a = this.actions.get(action);
    if (!a || this.stopping || !a.wanted) return;
    if (a.claiming) {
      a.again = true;
      return;
    }
    const free = a.slots - a.running - a.reserved;
    if (free <= 0) return;
    a.claiming = true;
    a.again = false;
    const seen = a.notified;
    void this.track(this.broker.claim(this.name, action, free).then(async (tasks) => {
      for (const t of tasks) this.run(a, t);
      if (tasks.length < free) {
        if (a.notified === seen) a.wanted = false;
        if (a.checkDelayed) {
          a.checkDelayed = false;
          await this.armRetry(action, a);
        }
      }
    }).finally(() => {
      a.claiming = false;
      if (a.again) this.pump(action);
    })).catch((err: unknown) => {
      // The store was not reachable: the next notification or poll tries again.
      this.lastError = err as Error;
    });
  }

  /** LocalWorker: takes a free slot for a task the engine is creating in its transaction. */
  reserve(action: string): boolean {
    const a = this.actions.get(action);
    if (!a || this.stopping || a.running + a.reserved >= a.slots) return false;
    a.reserved++;
    return true;
  }

  /** LocalWorker: the transaction did not create the task; the slot is free again. */
  release(action: string): void {
    const a = this.actions.get(action);
    if (!a) return;
    a.reserved = Math.max(0, a.reserved - 1);
    this.pump(action);
  }

  /** LocalWorker: the task claimed for this worker in the engine's transaction. */
  deliver(task: ClaimedTask): void {
    const a = this.actions.get(task.action);
    if (!a) return;
    a.reserved = Math.max(0, a.reserved - 1);
    this.run(a, task);
  }

  private async armRetry(action: string, a: Announced): Promise<void> {
    const at = await this.broker.nextReadyAt(action);
    if (a.retryTimer) this.broker.clock.clearTimer(a.retryTimer);
    a.retryTimer = null;
    if (at === null || this.stopping) return;
    const now = this.broker.clock.now();
    if (at <= now) {
      a.wanted = true;
      a.again = true;
      return;
    }
    a.retryTimer = this.broker.clock.setTimer(at - now, () => {
      a.retryTimer = null;
      this.notify(action);
    });
  }

  private run(a: Announced, task: ClaimedTask): void {
    a.running++;
    const abort = new AbortController();
    const clock = this.broker.clock;
    const timedOut = `action ${task.action} timed out`;
    const timer = task.deadline === null ? null : clock.setTimer(task.deadline - clock.now(), () => abort.abort(new ActionFailure(timedOut, 'timeout')));
    const ctx: TaskContext = { taskId: task.taskId, run: String(task.env.run ?? ''), action: task.action, attempt: task.attempt, env: task.env, signal: abort.signal };
    const work = Promise.resolve()
      .then(() => a.handler(task.input, ctx))
      .then((output) => (isObject(output) ? output : toOutargs(new ActionFailure(`action ${task.action} returned ${JSON.stringify(output)}, not an object`))),
        (err: unknown) => toOutargs(abort.signal.aborted ? abort.signal.reason : err));
    const handled = work.then(async (outargs) => {
      if (timer) clock.clearTimer(timer);
      const done = await this.track(this.broker.complete(task.cookie, outargs));
      if (!done.accepted) this.stats.refused++;
      else if (Object.hasOwn(outargs, 'error')) this.stats.failed++;
      else this.stats.done++;
    }).catch((err: unknown) => {
      // The result could not be reported: the task's claim runs out (timeout, or lost with this worker).
      this.lastError = err as Error;
    }).finally(() => {
      a.running--;
      this.handlers.delete(handled);
      this.pump(task.action);
    });
    this.handlers.add(handled);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.ops.add(p);
    void p.finally(() => this.ops.delete(p)).catch(() => {});
    return p;
  }

  private schedulePoll(): void {
    const every = this.opts.pollMs ?? 1000;
    if (every <= 0 || this.stopping) return;
    this.pollTimer = this.broker.clock.setTimer(every, () => {
      this.pollTimer = null;
      for (const name of this.actions.keys()) this.notify(name);
      this.schedulePoll();
    });
  }

  /** Resolves when no claim or result is on its way and running handlers have had a chance to finish. */
  async idle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      await Promise.race([Promise.all([...this.handlers]), turns(5)]);
      if (this.ops.size === 0) return;
      await Promise.allSettled([...this.ops]);
    }
  }

  /** Stops claiming, lets running tasks finish and report, then withdraws every action. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) this.broker.clock.clearTimer(this.pollTimer);
    this.pollTimer = null;
    for (const a of this.actions.values()) if (a.retryTimer) this.broker.clock.clearTimer(a.retryTimer);
    // Tasks the engine is handing over (slots reserved in its open transaction) are run too.
    const reserved = (): number => [...this.actions.values()].reduce((n, a) => n + a.reserved, 0);
    for (let round = 0; round < 10_000; round++) {
      if (this.handlers.size > 0 || this.ops.size > 0) await Promise.allSettled([...this.handlers, ...this.ops]);
      else if (reserved() > 0) await turns(1);
      else break;
    }
    this.unlisten?.();
    this.detach?.();
    this.actions.clear();
  }
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}
