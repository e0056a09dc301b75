/**
 * The durable workflow engine: the hub of src/wf. It owns runs (owner + heartbeat in the store, as the
 * flow engine does), takes their steps one transaction at a time (step-tx.ts), and keeps the time for
 * them on the injected clock: sleeps, lock and event waits, the runs' own timeouts and the action
 * timeouts of claimed tasks. It is also the in-process task broker for workers (src/worker/): claims and
 * results go to the store (tasks.ts) and wake the runs they concern at once.
 *
 * After a crash a new engine adopts runs whose owner is dead or silent (`adopt`): their state is read
 * back, tasks claimed by workers that died with the old process are handed out again (or failed, for
 * actions that are not retryable), and every run looks at its inbox. Effects were served in the
 * transaction of the step that produced them, so nothing is asked twice: a task exists once per
 * (run, step), a child once per (parent, step, index).
 */
import type { CompileResult } from '../lang/compile.js';
import type { JsonObject } from '../lang/json.js';
import type { Clock, TimerHandle } from '../engine/ports.js';
import { OrdoError } from '../errors.js';
import { Catalog, type Registered } from './catalog.js';
import { post, runsWithMail } from './inbox.js';
import { liveOf, type LiveRun } from './live.js';
import { insertEvent } from './rows.js';
import { insertRun, insertRunFused } from './runs.js';
import { canFuse } from './can-fuse.js';
import { takeStep, type StepEnv } from './step-tx.js';
import { WfStore } from './store.js';
import { Notes, type LocalWorker } from './serve.js';
import { claim, claimedDeadlines, complete, errorOf, expire, nextReadyAt, recoverLost, taskOfCookie, type ClaimedTask, type Completion } from './tasks.js';
import { Timers, type Due } from './timers.js';
import { formatRunId, isEnded, type RunEnd } from './types.js';

/** Polls that fail in a row before the engine gives up. */
const MAX_POLL_FAILURES = 5;

/** Steps of different runs taken together at most (see runLoop). */
const STEP_BATCH = 32;

export interface EngineOptions {
  store: WfStore;
  clock: Clock;
  /** This engine's identity in the store: `host/pid/nonce` (server/owner.ts). */
  owner: string;
  /** True when an owner or worker name is known to be gone (a dead process on this host). */
  isOwnerDead?: (owner: string) => boolean;
  /** A run whose owner has not written a heartbeat for this long may be adopted. */
  leaseMs?: number;
  /** How often to look for answers from other processes and to write heartbeats; 0: never. */
  pollMs?: number;
}

export interface StartOptions {
  env?: JsonObject;
  origin?: string;
  /** Inputs that `in:` does not declare: refused (the default), or ignored as JobCenter's create_job does. */
  undeclaredInputs?: 'refuse' | 'ignore';
}

export class WorkflowEngine {
  readonly store: WfStore;
  readonly catalog: Catalog;
  private readonly runs = new Map<number, LiveRun>();
  private readonly queue = new Set<number>();
  private readonly ends = new Map<number, Array<(end: RunEnd) => void>>();
  private readonly readyListeners = new Set<(action: string) => void>();
  private readonly locals = new Set<LocalWorker>();
  /** Work started by timers outside the loop (expiring tasks), awaited by idle(). */
  private readonly background = new Set<Promise<unknown>>();
  private readonly timers: Timers;
  private loop: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;
  private pollTimer: TimerHandle | null = null;
  private lastHeartbeat = 0;
  private pollFailures = 0;
  private readonly env: StepEnv;

  constructor(private readonly opts: EngineOptions) {
    this.store = opts.store;
    this.catalog = new Catalog(opts.store);
    this.timers = new Timers(opts.clock, () => this.runs.values(), (due) => this.onDue(due));
    this.env = { db: opts.store.db, owner: opts.owner, catalog: this.catalog, now: () => opts.clock.now(), reserve: (a) => this.reserve(a) };
  }

  get owner(): string {
    return this.opts.owner;
  }

  get clock(): Clock {
    return this.opts.clock;
  }

  get error(): Error | null {
    return this.failure;
  }

  /** Stores compiled workflows and actions as versions; new runs of them use these. */
  register(compiled: Pick<CompileResult, 'workflows' | 'actions'>): Promise<Registered[]> {
    return this.catalog.register(compiled, this.opts.clock.now());
  }

  /** Creates a run (its input checked against `in:` first) and drives it. */
  async start(workflow: string, input: JsonObject, opts: StartOptions = {}): Promise<number> {
    if (opts.origin) {
      const existing = await this.store.runByOrigin(opts.origin);
      if (existing) {
        if (!isEnded(existing.status)) await this.adopt(existing.id);
        return existing.id;
      }
    }
    const { versionId, program } = await this.catalog.workflow(workflow);
    const now = this.opts.clock.now();
    const spec = { versionId, program, input, env: opts.env, depth: 0, owner: this.owner, origin: opts.origin, at: now, undeclaredInputs: opts.undeclaredInputs };
    // One statement where the backend can (a new run shares no row with others), else a group transaction.
    const db = this.store.db;
    const created = (await canFuse(db)) ? await insertRunFused(db, spec) : await db.groupTransaction((tx) => insertRun(tx, spec));
    if ('error' in created) throw new OrdoError('ORDO_WF_INPUT', created.error.msg);
    this.own(created);
    this.wake(created.id);
    this.ensurePolling();
    return created.id;
  }

  /** Resolves when the run ends (at once for a run that has ended). */
  async result(runId: number): Promise<RunEnd> {
    if (!this.runs.has(runId)) {
      const row = await this.store.mustGetRun(runId);
      if (isEnded(row.status)) return { runId, status: row.status, output: row.output, error: row.error };
      if (!this.runs.has(runId)) throw new OrdoError('ORDO_BAD_STATE', `${formatRunId(runId)} is not driven by this engine (ordo wf resume)`);
    }
    if (this.failure) throw this.failure;
    return new Promise((resolve) => {
      const list = this.ends.get(runId) ?? [];
      list.push(resolve);
      this.ends.set(runId, list);
    });
  }

  /**
   * Takes over an unfinished run and the children it waits for (and theirs) that nobody live drives;
   * false when a live engine owns the run itself. Detached runs are adopted on their own.
   */
  async adopt(runId: number): Promise<boolean> {
    const now = this.opts.clock.now();
    const stale = now - (this.opts.leaseMs ?? 15_000);
    const dead = (o: string | null): boolean => o !== null && o !== this.owner && (this.opts.isOwnerDead?.(o) ?? false);
    let adoptedRoot = false;
    const requeued = new Set<string>();
    for (const row of await this.store.tree(runId, { waitedOnly: true })) {
      if (isEnded(row.status) || this.runs.has(row.id)) {
        if (row.id === runId) adoptedRoot = true;
        continue;
      }
      const taken = await this.store.db.transaction(async (tx) => {
        const n = await tx.run(
          "UPDATE wf_runs SET owner = ?, heartbeat_at = ? WHERE id = ? AND status IN ('running', 'waiting') " +
          'AND (owner IS NULL OR owner = ? OR heartbeat_at IS NULL OR heartbeat_at < ? OR owner = ?)',
          [this.owner, now, row.id, this.owner, stale, dead(row.owner) ? row.owner : this.owner]);
        if (n > 0 && row.owner !== this.owner) {
          await insertEvent(tx, { at: now, runId: row.id, kind: 'wf_run_adopted', data: { owner: this.owner, previous: row.owner } });
        }
        return n > 0;
      });
      if (!taken) continue;
      if (row.id === runId) adoptedRoot = true;
      const fresh = await this.store.mustGetRun(row.id);
      const live = liveOf(fresh, await this.catalog.program(fresh.versionId));
      for (const action of await recoverLost(this.store.db, row.id, dead, now)) requeued.add(action);
      this.own(live);
      this.wake(row.id, true);
    }
    for (const action of requeued) this.notifyReady(action);
    await this.loadDeadlines();
    this.ensurePolling();
    return adoptedRoot;
  }

  /** Adopts (if needed) and drives a run to its end. */
  async drive(runId: number): Promise<RunEnd> {
    if (!this.runs.has(runId)) {
      const row = await this.store.mustGetRun(runId);
      if (!isEnded(row.status) && !(await this.adopt(runId))) {
        throw new OrdoError('ORDO_CONFLICT', `${formatRunId(runId)} is being driven by ${row.owner ?? 'another engine'}`);
      }
    }
    return this.result(runId);
  }

  /** Cancels a run: an interrupt of class fatal in its inbox (its waited children are cancelled with it). */
  async cancel(runId: number, by = 'operator'): Promise<void> {
    const now = this.opts.clock.now();
    const row = await this.store.mustGetRun(runId);
    if (isEnded(row.status)) throw new OrdoError('ORDO_BAD_STATE', `${formatRunId(runId)} has already ended (${row.status})`);
    await this.store.db.transaction(async (tx) => {
      await post(tx, runId, null, 'interrupt', { error: { msg: `cancelled by ${by}`, class: 'fatal' } }, now);
      await insertEvent(tx, { at: now, runId, kind: 'wf_cancel_requested', data: { by } });
    });
    this.wake(runId, true);
  }

  /**
   * Looks at a run again. A waiting run always reads its inbox; `inbox` makes a running one read it too
   * (an operator's interrupt, mail from another process).
   */
  wake(runId: number, inbox = false): void {
    const run = this.runs.get(runId);
    if (!run) return;
    if (inbox) run.checkInbox = true;
    this.queue.add(runId);
    if (!this.loop && !this.closed) this.loop = this.runLoop();
  }

  // ---- the task broker (src/worker/broker.ts) ----------------------------------------------------------

  onTaskReady(listener: (action: string) => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /**
   * An in-process worker: the engine hands it tasks of its actions in the transaction that creates them
   * (no separate claim), and takes its results with the step that consumes them (no separate write).
   */
  attach(worker: LocalWorker): () => void {
    this.locals.add(worker);
    return () => this.locals.delete(worker);
  }

  private reserve(action: string): LocalWorker | undefined {
    for (const w of this.locals) if (w.reserve(action)) return w;
    return undefined;
  }

  private notifyReady(action: string): void {
    for (const l of this.readyListeners) l(action);
  }

  async claim(worker: string, action: string, limit: number, runId?: number): Promise<ClaimedTask[]> {
    const tasks = await claim(this.store.db, worker, action, limit, this.opts.clock.now(), runId);
    const timed = tasks.filter((t) => t.deadline !== null && this.runs.has(t.runId));
    for (const t of timed) this.timers.task(t.runId, t.step, t.deadline as number);
    if (timed.length > 0) this.timers.arm();
    return tasks;
  }

  async complete(cookie: string, outargs: JsonObject): Promise<Completion> {
    const key = taskOfCookie(cookie);
    if (key && (await this.takesDirect(key.runId, key.step, cookie, outargs))) {
      const run = this.runs.get(key.runId);
      const effect = run?.state.pending?.effect;
      if (run && !run.direct && this.waitsFor(run, key.step) && effect?.kind === 'call_action') {
        return new Promise((resolve) => {
          const settle = (accepted: boolean, outcome: 'done' | 'failed' | 'retry' = 'done'): void => {
            if (!accepted) return resolve({ accepted: false });
            this.timers.dropTask(key.runId, key.step);
            if (outcome === 'retry') this.notifyReady(effect.action);
            resolve({ accepted: true, runId: key.runId, action: effect.action, outcome });
          };
          run.direct = { cookie, outargs, settle };
          this.wake(run.id);
        });
      }
    }
    return this.completeStored(cookie, outargs);
  }

  /** The regular path: the result and the answer in the run's inbox, in their own transaction. */
  private async completeStored(cookie: string, outargs: JsonObject): Promise<Completion> {
    const done = await complete(this.store.db, cookie, outargs, this.opts.clock.now());
    if (!done.accepted) return done;
    const key = taskOfCookie(cookie);
    if (key) this.timers.dropTask(key.runId, key.step);
    if (done.outcome === 'retry') this.notifyReady(done.action);
    else this.wake(done.runId);
    return done;
  }

  private waitsFor(run: LiveRun, step: number): boolean {
    return run.state.status === 'waiting' && run.waitStep === step && run.state.pending?.effect.kind === 'call_action';
  }

  /** Whether a result can be taken by the step itself: its run is driven here and waits for it, and it ends the task. */
  private async takesDirect(runId: number, step: number, cookie: string, outargs: JsonObject): Promise<boolean> {
    const run = this.runs.get(runId);
    const effect = run?.state.pending?.effect;
    if (!run || this.closed || !this.waitsFor(run, step) || effect?.kind !== 'call_action') return false;
    const error = errorOf(outargs);
    if (error?.class !== 'soft') return true;
    const attempt = Number(cookie.split('.')[2]);
    const tries = (await this.catalog.action(effect.action))?.config.retry.tries ?? 1;
    return attempt >= tries;
  }

  nextReadyAt(action: string): Promise<number | null> {
    return nextReadyAt(this.store.db, action);
  }

  // ---- the loop ----------------------------------------------------------------------------------------

  private own(run: LiveRun): void {
    this.runs.set(run.id, run);
  }

  /**
   * Takes the queued runs' steps: those of up to STEP_BATCH different runs are started together. Their
   * transactions are group transactions (store/group-commit.ts): they run one after another, so steps of
   * runs that share rows (a lock, a parent's inbox) never race, and they share their commits.
   */
  private async runLoop(): Promise<void> {
    await Promise.resolve();
    const width = STEP_BATCH;
    try {
      while (this.queue.size > 0 && !this.closed) {
        const batch: number[] = [];
        for (const id of this.queue) {
          batch.push(id);
          if (batch.length >= width) break;
        }
        for (const id of batch) this.queue.delete(id);
        if (batch.length === 1) await this.advance(batch[0]!);
        else {
          const failed = (await Promise.allSettled(batch.map((id) => this.advance(id)))).find((r) => r.status === 'rejected');
          if (failed) throw failed.reason;
        }
      }
      this.timers.arm();
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.loop = null;
    }
    if (this.queue.size > 0 && !this.closed) this.loop = this.runLoop();
  }

  private async advance(runId: number): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    const direct = run.direct;
    if (direct && !this.waitsFor(run, taskOfCookie(direct.cookie)?.step ?? -1)) {
      // The run moved on (reloaded after an operator's change): record the result the regular way.
      run.direct = null;
      const work = this.completeStored(direct.cookie, direct.outargs).then((c) => direct.settle(c.accepted, c.accepted ? c.outcome : undefined),
        (err: unknown) => this.fail(err as Error));
      this.background.add(work);
      void work.finally(() => this.background.delete(work));
    }
    const notes = new Notes();
    const outcome = await takeStep(this.env, run, notes);
    if (outcome.kind === 'stale') {
      await this.reload(run);
      return;
    }
    notes.delivered();
    for (const d of notes.deliveries) if (d.task.deadline !== null) this.timers.task(d.task.runId, d.task.step, d.task.deadline);
    if (outcome.kind === 'idle') return;
    for (const child of notes.created) this.own(child);
    // Answers were posted for these (an interrupt may be among them); a new child just starts.
    const created = new Set(notes.created.map((c) => c.id));
    for (const id of notes.wake) this.wake(id, !created.has(id));
    if (isEnded(run.state.status)) this.ended(run);
    else if (run.state.status === 'running') this.queue.add(run.id);
    for (const action of notes.tasksFor) this.notifyReady(action);
  }

  private ended(run: LiveRun): void {
    this.runs.delete(run.id);
    this.timers.dropRun(run.id);
    const end: RunEnd = { runId: run.id, status: run.state.status as RunEnd['status'], output: run.state.output, error: run.state.error };
    for (const resolve of this.ends.get(run.id) ?? []) resolve(end);
    this.ends.delete(run.id);
  }

  /** A write was refused: read the run again (an operator changed it) or let it go (another engine has it). */
  private async reload(run: LiveRun): Promise<void> {
    const row = await this.store.getRun(run.id);
    if (!row || row.owner !== this.owner || isEnded(row.status)) {
      this.runs.delete(run.id);
      this.timers.dropRun(run.id);
      if (row && isEnded(row.status)) {
        for (const resolve of this.ends.get(run.id) ?? []) resolve({ runId: row.id, status: row.status, output: row.output, error: row.error });
        this.ends.delete(run.id);
      }
      return;
    }
    const fresh = liveOf(row, run.program);
    fresh.direct = run.direct;
    this.runs.set(run.id, fresh);
    this.wake(run.id);
  }

  private onDue(due: Due): void {
    for (const id of due.runs) this.wake(id);
    if (due.tasks.length === 0) return;
    const work = (async () => {
      for (const t of due.tasks) {
        const runId = await expire(this.store.db, t.runId, t.step, this.opts.clock.now());
        if (runId !== null) this.wake(runId);
      }
    })().catch((err: unknown) => this.fail(err as Error));
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  private async loadDeadlines(): Promise<void> {
    for (const t of await claimedDeadlines(this.store.db, [...this.runs.keys()])) this.timers.task(t.runId, t.step, t.deadline);
    this.timers.arm();
  }

  private fail(err: Error): void {
    this.failure = err;
    this.closed = true;
    this.timers.stop();
    for (const [runId, list] of this.ends) for (const resolve of list) resolve({ runId, status: 'error', output: null, error: { msg: `engine failed: ${err.message}`, class: 'fatal' } });
    this.ends.clear();
  }

  /** Heartbeats and answers from other processes (remote workers, other engines' children, operators). */
  private ensurePolling(): void {
    const every = this.opts.pollMs ?? 0;
    if (every <= 0 || this.pollTimer || this.closed) return;
    this.pollTimer = this.opts.clock.setTimer(every, () => {
      this.pollTimer = null;
      // A poll that fails (a deadlock with another server, a dropped connection) is tried again; the engine
      // gives up only when the store keeps failing.
      void this.poll().then(() => {
        this.pollFailures = 0;
        this.ensurePolling();
      }, (err: unknown) => {
        if (++this.pollFailures >= MAX_POLL_FAILURES) this.fail(err as Error);
        else this.ensurePolling();
      });
    });
  }

  private async poll(): Promise<void> {
    if (this.closed || this.runs.size === 0) return;
    const now = this.opts.clock.now();
    if (now - this.lastHeartbeat >= (this.opts.leaseMs ?? 15_000) / 3) {
      // A group transaction, as the steps are: a statement locking many run rows beside an open group that
      // holds some of them would deadlock with it on PostgreSQL.
      await this.store.db.groupTransaction((tx) =>
        tx.run("UPDATE wf_runs SET heartbeat_at = ? WHERE owner = ? AND status IN ('running', 'waiting')", [now, this.owner]));
      this.lastHeartbeat = now;
    }
    for (const id of await runsWithMail(this.store.db, this.owner)) this.wake(id, true);
    await this.loadDeadlines();
  }

  /** Whether a step is being taken or runs wait in the queue. */
  get busy(): boolean {
    return this.loop !== null || this.queue.size > 0 || this.background.size > 0;
  }

  /** Resolves when no step is being taken (tests on a fake clock wait for this). */
  async idle(): Promise<void> {
    while (this.loop || this.background.size > 0) {
      await Promise.allSettled([...this.background]);
      if (this.loop) await this.loop;
    }
  }

  /** Stops driving. Unfinished runs are left to be adopted (`release`: at once, by giving up ownership). */
  async close(opts: { release?: boolean } = {}): Promise<void> {
    this.closed = true;
    this.timers.stop();
    if (this.pollTimer) this.opts.clock.clearTimer(this.pollTimer);
    this.pollTimer = null;
    await this.idle();
    for (const run of this.runs.values()) {
      const direct = run.direct;
      run.direct = null;
      if (direct) direct.settle((await this.completeStored(direct.cookie, direct.outargs)).accepted);
    }
    if (opts.release && this.runs.size > 0 && !this.failure) {
      await this.store.db.groupTransaction((tx) =>
        tx.run("UPDATE wf_runs SET owner = NULL WHERE owner = ? AND status IN ('running', 'waiting')", [this.owner]));
    }
  }
}
