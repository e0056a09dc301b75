/**
 * The graph driver: the hub of the engine. It owns the runs it drives, and loops in ticks: apply the
 * attempts that ended, evaluate the dependents of tasks that ended, dispatch ready tasks into free
 * slots, end runs whose tasks all ended, then write all of it in one transaction (group commit), and
 * only after the commit start the attempts it claimed. The database is the source of truth: on a
 * conflict (an operator, or another engine, changed a row) the run is reloaded from the store.
 */
import type { FlowDef, JobDef } from '../defs/model.js';
import { ActiveRun, type RunSummary } from './active-run.js';
import { BatchBuilder } from './batch.js';
import { jobStatus } from './deps.js';
import { ReadyQueue, selectDispatch, type WaitReason } from './dispatch.js';
import { prepareOrdering } from './ordering.js';
import { chosenHost, connectorEnv, emptyCatalog, ResourceUsage, type ResourceCatalog } from './resources.js';
import { runOutcome } from './outcome.js';
import type { AttemptHandle, AttemptOutcome, Clock, Executor, TimerHandle } from './ports.js';
import { buildRequest, RequestError } from './request.js';
import { isTaskEnded, type AttemptRow, type EngineStore, type RunRow, type TaskRow } from './store.js';
import { Transitions } from './transitions.js';
import { OrdoError } from '../errors.js';
import { maskValue } from '../secrets/mask.js';
import { secretsOfJob } from '../secrets/refs.js';

export interface EngineOptions {
  store: EngineStore;
  clock: Clock;
  executors: Executor[];
  /** Identity of this engine in the store (host, process, random part). */
  owner: string;
  /** Global maximum of tasks running at once. */
  maxParallel: number;
  /** A run whose owner has not written a heartbeat for this long may be adopted by another engine. */
  leaseMs?: number;
  /** How often to look for operator changes (and, for a server, new runs). */
  pollMs?: number;
  /** Environment every attempt gets, e.g. where the store is, for `ordo kv`. */
  jobEnv?: Record<string, string>;
  /** Decrypts the named secrets for an attempt (src/secrets/vault.ts); without it a job naming one fails. */
  secrets?: (names: string[]) => Promise<Map<string, string>>;
  logMaxBytes?: number;
  /** True when an owner is known to be gone (a dead process on this host). */
  isOwnerDead?: (owner: string) => boolean;
  /** Connectors and gates of the project (server configuration). */
  catalog?: ResourceCatalog;
  /** The host's load average per core, for jobs with `maxLoad`; undefined when unknown. */
  loadProbe?: () => number | undefined;
  /** A ready task gains one priority point per this many ms of waiting. */
  agingMs?: number;
  /** Estimate of a job's duration without history or `estimate`. */
  defaultEstimateMs?: number;
}

export type ProgressListener = (run: RunRow, tasks: ReadonlyMap<string, TaskRow>) => void;

/** A task this engine started: `waitedMs` from when it became ready (or its retry delay ended) to its start. */
export interface DispatchInfo {
  runId: number;
  job: string;
  attempt: number;
  waitedMs: number;
}

interface Completion {
  runId: number;
  taskId: number;
  attempt: AttemptRow;
  outcome: AttemptOutcome;
}

interface Live {
  handle: AttemptHandle;
  attempt: AttemptRow;
}

export class Engine {
  private readonly runs = new Map<number, ActiveRun>();
  private readonly live = new Map<number, Live>();
  private readonly completions: Completion[] = [];
  private readonly executors = new Map<string, Executor>();
  private maxParallel: number;
  private runningTotal = 0;
  private dirty = false;
  private loop: Promise<void> | null = null;
  private retryTimer: { at: number; handle: TimerHandle } | null = null;
  private pollTimer: TimerHandle | null = null;
  private lastHeartbeat = 0;
  /** Runs an operator changed, reloaded at the start of the next tick (never in the middle of one). */
  private readonly reloads = new Set<number>();
  private closed = false;
  private failure: Error | null = null;
  private readonly progress = new Set<ProgressListener>();
  private readonly dispatched = new Set<(info: DispatchInfo) => void>();
  /** Why each ready task did not start at the last dispatch (for `ordo why` and the API). */
  private lastWaits = new Map<number, WaitReason>();
  private readonly adopting = new Set<Promise<unknown>>();
  private readonly adoptingRuns = new Map<number, Promise<ActiveRun>>();
  private readonly readyQueue = new ReadyQueue();
  /** Tasks that wait for something outside this engine (a lock, gate, connector, load): poll for it. */
  private externalWaits = 0;
  private deadlineTimer: { at: number; handle: TimerHandle } | null = null;
  private readonly catalog: ResourceCatalog;

  constructor(private readonly opts: EngineOptions) {
    this.catalog = opts.catalog ?? emptyCatalog();
    for (const ex of opts.executors) for (const kind of ex.kinds) this.executors.set(kind, ex);
    this.maxParallel = opts.maxParallel;
  }

  get owner(): string {
    return this.opts.owner;
  }

  get store(): EngineStore {
    return this.opts.store;
  }

  /** Called after every commit with each run's rows, for live progress displays. Returns an unsubscribe. */
  onProgressChange(listener: ProgressListener): () => void {
    this.progress.add(listener);
    return () => this.progress.delete(listener);
  }

  /** Called for every attempt this engine starts (after its claim committed), for metrics. Returns an unsubscribe. */
  onDispatch(listener: (info: DispatchInfo) => void): () => void {
    this.dispatched.add(listener);
    return () => this.dispatched.delete(listener);
  }

  setMaxParallel(n: number): void {
    this.maxParallel = n;
    this.wake();
  }

  get maxParallelNow(): number {
    return this.maxParallel;
  }

  /** Why a ready task of a run driven here did not start at the last dispatch. */
  waitOf(taskId: number): WaitReason | undefined {
    return this.lastWaits.get(taskId);
  }

  /** Stores the definition as a version (a new one only when it changed) and creates a pending run. */
  async createRun(def: FlowDef, fingerprint: string, params: Record<string, unknown>,
    opts: { priority?: number; statsClass?: string; vars?: Record<string, string> } = {}): Promise<RunRow> {
    const now = this.opts.clock.now();
    const version = await this.opts.store.saveFlowVersion(def, fingerprint, now);
    return this.opts.store.createRun({
      flowVersionId: version.id, flow: def.name, params, jobs: def.jobs.map((j) => j.name), at: now, ...opts, vars: opts.vars ?? def.vars ?? {},
    });
  }

  /**
   * Adopts an unfinished run and drives it; resolves when it has ended. Attempts that were running
   * under a previous owner are marked lost and retried per their policy.
   */
  async drive(runId: number): Promise<RunSummary> {
    const active = await this.adoptOnce(runId);
    this.ensurePolling();
    this.wake();
    return active.done;
  }

  /** Adopts a run if it is free; false when another live engine owns it or it has ended. */
  async tryAdopt(runId: number): Promise<boolean> {
    try {
      await this.adoptOnce(runId);
    } catch (err) {
      if (err instanceof OrdoError && err.code === 'ORDO_CONFLICT') return false;
      throw err;
    }
    this.ensurePolling();
    this.wake();
    return true;
  }

  /** One adoption per run however many callers ask at once (drive and tryAdopt may overlap). */
  private adoptOnce(runId: number): Promise<ActiveRun> {
    const existing = this.runs.get(runId);
    if (existing) return Promise.resolve(existing);
    let pending = this.adoptingRuns.get(runId);
    if (!pending) {
      pending = this.adopt(runId).finally(() => this.adoptingRuns.delete(runId));
      this.adoptingRuns.set(runId, pending);
      this.adopting.add(pending);
      void pending.catch(() => {}).finally(() => this.adopting.delete(pending!));
    }
    return pending;
  }

  get activeRunIds(): number[] {
    return [...this.runs.keys()];
  }

  private async adopt(runId: number): Promise<ActiveRun> {
    const { store, clock } = this.opts;
    const now = clock.now();
    const row = await store.getRun(runId);
    if (!row) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
    const dead = row.owner && row.owner !== this.owner && this.opts.isOwnerDead?.(row.owner) ? [row.owner] : [];
    const ok = await store.adoptRun(runId, this.owner, now, now - (this.opts.leaseMs ?? 15_000), dead);
    if (!ok) {
      if (row.state !== 'pending' && row.state !== 'running') {
        throw new OrdoError('ORDO_BAD_STATE', `run ${runId} has already ended (${row.state})`);
      }
      throw new OrdoError('ORDO_CONFLICT', `run ${runId} is being driven by ${row.owner}`);
    }
    const version = await store.getFlowVersion(row.flowVersionId);
    const tasks = await store.getTasks(runId);
    const disabled = await store.disabledJobs(row.flow);
    const active = new ActiveRun({ ...row, owner: this.owner }, version.def, tasks, disabled);
    await prepareOrdering(active, this.opts.store, this.catalog, this.opts.defaultEstimateMs ?? 60_000, this.maxParallel);
    this.runs.set(runId, active);
    await this.recoverLostAttempts(active);
    return active;
  }

  /**
   * Tasks the store has running that no attempt of this engine runs: their attempts were started by an
   * engine that stopped. Each is re-attached when its executor can (the process may still run, or have
   * ended with its status recorded), else marked lost and retried per its policy.
   */
  private async recoverLostAttempts(run: ActiveRun): Promise<void> {
    const orphans = [...run.tasks.values()].filter((t) => t.state === 'running' && !this.live.has(t.id));
    if (orphans.length === 0) return;
    const now = this.opts.clock.now();
    const batch = new BatchBuilder();
    const tr = new Transitions(batch, now, this.owner);
    const reattached: Array<{ task: TaskRow; attempt: AttemptRow; executor: Executor; request: ReturnType<typeof buildRequest> }> = [];
    for (const task of orphans) {
      const attempts = await this.opts.store.getAttempts(task.id);
      const last = attempts[attempts.length - 1];
      if (!last) {
        tr.ready(run, task);
        continue;
      }
      const executor = this.executors.get(run.job(task.job).kind);
      const request = last.state === 'running' && executor?.reattach ? await this.requestFor(run, task, last) : undefined;
      if (executor && request) {
        reattached.push({ task, attempt: { ...last, owner: this.owner }, executor, request });
        tr.reattach(run, task, last);
      } else {
        tr.lost(run, task, last);
      }
    }
    const { tasks: refused } = await this.commit(batch);
    for (const { task, attempt, executor, request } of reattached) {
      if (refused.has(task.id)) continue;
      this.runningTotal++;
      this.watch(run, task, attempt, executor.reattach!(request, attempt.startedAt), request.mask);
    }
  }

  /** The request an attempt was started with, built again for a re-attach; undefined when it cannot be. */
  private async requestFor(run: ActiveRun, task: TaskRow, attempt: AttemptRow): Promise<ReturnType<typeof buildRequest> | undefined> {
    const job = run.job(task.job);
    try {
      const kv = jobUsesKv(job) ? new Map((await this.opts.store.kvList(run.row.id)).map((e) => [e.key, e.value])) : undefined;
      const env = job.connector ? { ...this.opts.jobEnv, ...connectorEnv(job, this.catalog) } : this.opts.jobEnv ?? {};
      const secrets = await this.secretsFor(job);
      if (typeof secrets === 'string') return undefined;
      const request = buildRequest(run, task, attempt, { kv, env, secrets, logMaxBytes: this.opts.logMaxBytes });
      if (job.hostSelector) {
        // The host it was placed on holds the task's slot until the attempt ends.
        const hold = (await this.opts.store.resourceView()).holds.find((h) => h.taskId === task.id && h.resource.startsWith('host:'));
        if (!hold) return undefined;
        request.job = { ...request.job, host: hold.resource.slice('host:'.length) };
      }
      return request;
    } catch (err) {
      if (err instanceof RequestError) return undefined;
      throw err;
    }
  }

  /** Schedules a tick; ticks never overlap, and wakes during a tick cause one more. */
  private wake(): void {
    this.dirty = true;
    if (!this.loop && !this.closed) this.loop = this.runLoop();
  }

  private async runLoop(): Promise<void> {
    // Start on a later microtask: attempts that ended in the same turn (their callbacks are already
    // queued) are then all seen by the first tick, like a list scheduler seeing simultaneous ends together.
    await Promise.resolve();
    try {
      while (this.dirty && !this.closed) {
        this.dirty = false;
        await this.tick();
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.loop = null;
    }
  }

  /** A store failure stops the engine: every run it drives rejects rather than hang. */
  private fail(err: Error): void {
    this.failure = err;
    this.closed = true;
    for (const run of this.runs.values()) run.finish({ run: run.row, tasks: [...run.tasks.values()] });
    this.stopTimers();
  }

  get error(): Error | null {
    return this.failure;
  }

  private async tick(): Promise<void> {
    const now = this.opts.clock.now();
    for (const id of [...this.reloads]) {
      this.reloads.delete(id);
      await this.reload(id);
    }
    const batch = new BatchBuilder();
    const tr = new Transitions(batch, now, this.owner);

    for (const c of this.completions.splice(0)) {
      // An attempt let go of when the run was lost (abandon) no longer counts here.
      if (this.live.get(c.taskId)?.attempt !== c.attempt) continue;
      this.live.delete(c.taskId);
      this.runningTotal--;
      const run = this.runs.get(c.runId);
      const task = run?.byId.get(c.taskId);
      if (!run || !task || task.state !== 'running' || task.attempts !== c.attempt.attempt) continue;
      tr.finish(run, task, c.attempt, c.outcome);
      if (isTaskEnded(task.state)) this.markDependents(run, task.job);
    }

    // A run starts before its first task does: its event comes first in the audit trail.
    for (const run of this.runs.values()) {
      if (run.row.state === 'pending') {
        run.row = { ...run.row, state: 'running', startedAt: run.row.startedAt ?? now };
        batch.run({ runId: run.row.id, owner: this.owner, state: 'running', startedAt: run.row.startedAt, endedAt: null,
          events: [{ at: now, runId: run.row.id, kind: 'run_started' }] });
      }
    }
    for (const run of this.runs.values()) this.evaluate(run, tr);
    for (const run of this.runs.values()) if (this.expireLate(run, tr, now)) this.evaluate(run, tr);
    const starts = await this.dispatch(tr, batch, now);
    this.checkDeadlines(batch, now);

    for (const run of this.runs.values()) {
      if (run.allEnded && run.running === 0) {
        const state = runOutcome(run.tasks.values(), run.handled);
        run.row = { ...run.row, state, endedAt: now };
        batch.run({ runId: run.row.id, owner: this.owner, state, startedAt: run.row.startedAt, endedAt: now,
          events: [{ at: now, runId: run.row.id, kind: `run_${state}` }] });
      }
    }

    const { runs: conflicts, tasks: refused } = await this.commit(batch);
    for (const s of starts) {
      if (refused.has(s.task.id)) {
        this.runningTotal--;
        continue;
      }
      this.launch(s.run, s.task, s.attempt, s.request);
      for (const l of this.dispatched) l({ runId: s.run.row.id, job: s.task.job, attempt: s.attempt.attempt, waitedMs: this.opts.clock.now() - s.readyAt });
    }
    for (const runId of conflicts) await this.reload(runId);
    for (const run of [...this.runs.values()]) {
      if (run.row.state !== 'pending' && run.row.state !== 'running' && !conflicts.has(run.row.id)) {
        this.runs.delete(run.row.id);
        run.finish({ run: run.row, tasks: [...run.tasks.values()] });
      }
    }
    this.armRetryTimer();
    if (this.runs.size === 0) this.stopTimers();
  }

  /** Waiting tasks whose dependencies changed: ready, or skipped; cascades through skips. */
  private evaluate(run: ActiveRun, tr: Transitions): void {
    if (run.row.state !== 'pending' && run.row.state !== 'running') return;
    while (run.candidates.size > 0) {
      const names = [...run.candidates];
      run.candidates.clear();
      for (const name of names) {
        const task = run.tasks.get(name);
        if (!task || task.state !== 'waiting') continue;
        const status = jobStatus(run.job(name), run.tasks);
        if (status === 'pending') continue;
        if (status === 'unsatisfiable') tr.end(run, task, 'skipped', 'unsatisfiable');
        else if (task.skipRequested) tr.end(run, task, 'skipped', 'operator');
        else if (run.disabled.has(name) || !run.job(name).enabled) tr.end(run, task, 'skipped', 'disabled');
        else tr.ready(run, task);
        if (isTaskEnded(task.state)) this.markDependents(run, name);
      }
    }
  }

  /** Tasks not started by their latest start time end `expired` (their dependents are evaluated next). */
  private expireLate(run: ActiveRun, tr: Transitions, now: number): boolean {
    if (run.latestStarts.size === 0 || (run.row.state !== 'pending' && run.row.state !== 'running')) return false;
    let any = false;
    for (const [job, at] of run.latestStarts) {
      const task = run.tasks.get(job);
      if (!task || at > now || (task.state !== 'waiting' && task.state !== 'ready')) continue;
      tr.end(run, task, 'expired', 'latest_start', undefined, { latestStart: new Date(at).toISOString() });
      this.markDependents(run, job);
      any = true;
    }
    return any;
  }

  private markDependents(run: ActiveRun, job: string): void {
    for (const d of run.dependents.get(job) ?? []) run.candidates.add(d);
  }

  private async dispatch(tr: Transitions, batch: BatchBuilder, now: number) {
    const starts: Array<{ run: ActiveRun; task: TaskRow; attempt: AttemptRow; request: ReturnType<typeof buildRequest>; readyAt: number }> = [];
    const runs = [...this.runs.values()];
    const needsResources = runs.some((r) => r.claims.size > 0 && [...r.ready].some((j) => r.claims.has(j)));
    const usage = needsResources ? new ResourceUsage(await this.opts.store.resourceView(), new Set(batch.releasedTaskIds())) : null;
    const agingMs = this.opts.agingMs ?? 60_000;
    const decision = selectDispatch({
      runs, now, free: this.maxParallel - this.runningTotal, maxParallel: this.maxParallel, usage,
      load: this.opts.loadProbe?.(), agingMs, ranked: this.readyQueue.ranked(runs, now, agingMs),
    });
    this.lastWaits = decision.waits;
    this.externalWaits = [...decision.waits.values()].filter((w) => w.kind !== 'retry-delay' && w.kind !== 'slots').length;
    for (const { run, task, claims } of decision.picks) {
      const job = run.job(task.job);
      if (batch.releases(task)) {
        // It gave its resources back in this very batch (an attempt ended): it claims them again next tick.
        this.dirty = true;
        continue;
      }
      // A task that ends here (skipped, or failed without a process) has dependents to evaluate: one more tick.
      if (task.skipRequested) {
        tr.end(run, task, 'skipped', 'operator');
        this.markDependents(run, task.job);
        this.dirty = true;
        continue;
      }
      const executor = this.executors.get(job.kind);
      if (!executor) {
        tr.end(run, task, 'failed', 'no_executor', `no executor runs jobs of kind "${job.kind}"`);
        this.markDependents(run, task.job);
        this.dirty = true;
        continue;
      }
      let kv: Map<string, string> | undefined;
      if (jobUsesKv(job)) kv = new Map((await this.opts.store.kvList(run.row.id)).map((e) => [e.key, e.value]));
      const secrets = await this.secretsFor(job);
      const readyAt = Math.max(run.readySince.get(task.job) ?? now, task.notBefore ?? 0);
      const attempt = tr.start(run, task, claims);
      try {
        const env = job.connector ? { ...this.opts.jobEnv, ...connectorEnv(job, this.catalog) } : this.opts.jobEnv ?? {};
        if (typeof secrets === 'string') throw new RequestError(secrets);
        const request = buildRequest(run, task, attempt, { kv, env, secrets, logMaxBytes: this.opts.logMaxBytes });
        // A host selector's choice, made by the dispatcher: the attempt runs there.
        if (job.hostSelector) request.job = { ...request.job, host: chosenHost(claims) };
        starts.push({ run, task, attempt, request, readyAt });
        this.runningTotal++;
      } catch (err) {
        if (!(err instanceof RequestError)) throw err;
        // Claimed in this batch but cannot run (an expression has no value): it fails without a process.
        tr.finish(run, task, attempt, { status: 'failed', exitCode: null, signal: null, error: err.message, startedAt: now, endedAt: now });
        if (isTaskEnded(task.state)) this.markDependents(run, task.job);
        this.dirty = true;
      }
    }
    return starts;
  }

  private launch(run: ActiveRun, task: TaskRow, attempt: AttemptRow, request: ReturnType<typeof buildRequest>): void {
    const executor = this.executors.get(run.job(task.job).kind)!;
    this.watch(run, task, attempt, executor.start(request), request.mask);
  }

  /**
   * The values of the secrets the job names, or why they cannot be had (no master key, a secret not set, a
   * wrong key): that reason fails the attempt without a process, like an expression without a value.
   */
  private async secretsFor(job: JobDef): Promise<Map<string, string> | undefined | string> {
    const names = secretsOfJob(job, this.catalog);
    if (names.length === 0) return undefined;
    if (!this.opts.secrets) return `job "${job.name}" uses secrets (${names.join(', ')}), but this engine has no master key (set ORDO_MASTER_KEY_FILE)`;
    try {
      return await this.opts.secrets(names);
    } catch (err) {
      if (err instanceof OrdoError) return `job "${job.name}": ${err.message}`;
      throw err;
    }
  }

  private watch(run: ActiveRun, task: TaskRow, attempt: AttemptRow, handle: AttemptHandle, mask: readonly string[] = []): void {
    this.live.set(task.id, { handle, attempt });
    void handle.done.then((raw) => {
      // What the job said (its error, its result) may hold a secret it was given: only the masked form is kept.
      const outcome = mask.length > 0 ? maskValue(raw, mask) : raw;
      this.completions.push({ runId: run.row.id, taskId: task.id, attempt, outcome });
      this.wake();
    });
    if (task.abortRequested) handle.abort('operator');
  }

  /** Writes a batch; returns the tasks whose write was refused and the runs to reload because of it. */
  private async commit(batch: BatchBuilder): Promise<{ runs: Set<number>; tasks: Set<number> }> {
    const reload = new Set<number>();
    if (batch.empty) return { runs: reload, tasks: new Set() };
    const { batch: b, pending } = batch.build();
    const result = await this.opts.store.commit({ ...b, owner: this.owner });
    const conflicted = new Set(result.taskConflicts);
    for (const p of pending) {
      if (conflicted.has(p.task.id)) reload.add(p.task.runId);
      else p.task.rev = p.baseRev + 1;
    }
    for (const runId of result.runConflicts) reload.add(runId);
    for (const listener of this.progress) for (const run of this.runs.values()) listener(run.row, run.tasks);
    return { runs: reload, tasks: conflicted };
  }

  /** Rebuilds a run from the store after a conflict or an operator's change. */
  private async reload(runId: number): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    const row = await this.opts.store.getRun(runId);
    if (!row || row.owner !== this.owner) {
      await this.loseRun(run, row);
      return;
    }
    const tasks = await this.opts.store.getTasks(runId);
    run.row = row;
    run.controlSeq = row.controlSeq;
    run.disabled = await this.opts.store.disabledJobs(row.flow);
    run.reset(tasks);
    for (const t of tasks) {
      const live = this.live.get(t.id);
      if (!live) continue;
      if (t.state !== 'running' || t.attempts !== live.attempt.attempt) live.handle.abort('changed by an operator');
      else if (t.abortRequested) live.handle.abort('operator');
    }
    // Tasks the store says are running but that no attempt of ours runs were lost.
    await this.recoverLostAttempts(run);
    this.wake();
  }

  /**
   * Another engine adopted the run while this one was not heartbeating (stopped, or cut off from the store).
   * Before anything else, each attempt this engine runs for the run is let go: left running when the new
   * owner has re-attached to it (the store names that engine as the attempt's owner), killed at once
   * otherwise, so that at no moment two attempts of one task run. Then this engine stops driving the run.
   */
  private async loseRun(run: ActiveRun, row: RunRow | undefined): Promise<void> {
    const runId = run.row.id;
    // Once per run, however many paths (the poll, a refused write) find it lost at the same time.
    if (this.runs.get(runId) !== run) return;
    this.runs.delete(runId);
    this.reloads.delete(runId);
    for (const task of run.tasks.values()) {
      const live = this.live.get(task.id);
      if (!live) continue;
      const current = (await this.opts.store.getAttempts(task.id)).find((a) => a.attempt === live.attempt.attempt);
      // Its completion may have been applied meanwhile: only what is still ours is let go, and counted once.
      if (this.live.get(task.id) !== live) continue;
      const taken = current?.state === 'running' && current.owner !== null && current.owner !== this.owner;
      if (live.handle.abandon) live.handle.abandon(!taken);
      else live.handle.abort('run adopted by another engine');
      this.live.delete(task.id);
      this.runningTotal--;
    }
    run.finish({ run: row ?? run.row, tasks: [...run.tasks.values()], lostTo: row?.owner ?? null });
  }

  private armRetryTimer(): void {
    let next = Infinity;
    let due = false;
    const now = this.opts.clock.now();
    for (const run of this.runs.values()) {
      for (const name of run.delayed) {
        const task = run.tasks.get(name);
        const nb = task?.state === 'ready' ? task.notBefore : null;
        if (!nb || nb <= now) {
          run.delayed.delete(name);
          // Its delay ran out during this tick, after the dispatch saw it waiting (a slow tick on a loaded
          // machine): nothing else would wake the engine for it, so one more tick dispatches it.
          if (nb) due = true;
        } else if (nb < next) next = nb;
      }
    }
    if (due) this.wake();
    if (this.retryTimer && this.retryTimer.at === next) return;
    if (this.retryTimer) this.opts.clock.clearTimer(this.retryTimer.handle);
    this.retryTimer = null;
    if (next === Infinity) return;
    const handle = this.opts.clock.setTimer(next - this.opts.clock.now(), () => {
      this.retryTimer = null;
      this.wake();
    });
    this.retryTimer = { at: next, handle };
  }

  /** Polls for operator changes (control sequence) and keeps this engine's heartbeat on its runs. */
  private ensurePolling(): void {
    if (this.pollTimer || this.closed) return;
    const every = this.opts.pollMs ?? 250;
    const poll = async () => {
      this.pollTimer = null;
      if (this.closed || this.runs.size === 0) return;
      try {
        const ids = this.activeRunIds;
        const now = this.opts.clock.now();
        let lost = false;
        if (now - this.lastHeartbeat >= (this.opts.leaseMs ?? 15_000) / 3) {
          lost = (await this.opts.store.heartbeat(this.owner, ids, now)) < ids.length;
          this.lastHeartbeat = now;
        }
        const control = await this.opts.store.runControl(ids);
        // A run another engine owns now was lost while this one was stopped: let it go before anything else.
        for (const [id, { owner }] of control) {
          const run = this.runs.get(id);
          if (run && owner !== this.owner) {
            lost = true;
            await this.loseRun(run, await this.opts.store.getRun(id));
          }
        }
        if (lost) for (const id of ids) if (!control.has(id) && this.runs.has(id)) await this.loseRun(this.runs.get(id)!, undefined);
        await this.pollSettings();
        // Locks, gates, connectors and load change outside this engine: look again.
        if (this.externalWaits > 0) this.wake();
        if (this.reloads.size === 0 && [...control].every(([id, c]) => !this.runs.has(id) || this.runs.get(id)?.controlSeq === c.seq)) {
          if (this.runs.size === 0) this.stopTimers();
          this.ensurePolling();
          return;
        }
        for (const [id, { seq }] of control) {
          const run = this.runs.get(id);
          if (run && seq !== run.controlSeq) this.reloads.add(id);
        }
        this.wake();
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      this.ensurePolling();
    };
    this.pollTimer = this.opts.clock.setTimer(every, () => void poll());
  }

  /** `ordo set max-parallel N` writes the setting; every engine picks it up on its next poll. */
  private async pollSettings(): Promise<void> {
    const text = await this.opts.store.getSetting('maxParallel');
    const n = text === undefined ? NaN : Number(text);
    if (Number.isInteger(n) && n > 0 && n !== this.maxParallel) this.setMaxParallel(n);
  }

  /** Emits `deadline_expired` once for each task still unfinished when its deadline passes; wakes at latest starts too. */
  private checkDeadlines(batch: BatchBuilder, now: number): void {
    let next = Infinity;
    for (const run of this.runs.values()) {
      for (const [job, at] of run.deadlines) {
        const task = run.tasks.get(job);
        if (!task || isTaskEnded(task.state) || run.expired.has(job)) continue;
        if (at <= now) {
          run.expired.add(job);
          batch.event({ at: now, runId: run.row.id, taskId: task.id, job, kind: 'deadline_expired', data: { deadline: new Date(at).toISOString(), state: task.state } });
        } else next = Math.min(next, at);
      }
      for (const [job, at] of run.latestStarts) {
        const state = run.tasks.get(job)?.state;
        if (at > now && (state === 'waiting' || state === 'ready')) next = Math.min(next, at);
      }
    }
    if (this.deadlineTimer?.at === next) return;
    if (this.deadlineTimer) this.opts.clock.clearTimer(this.deadlineTimer.handle);
    this.deadlineTimer = null;
    if (next === Infinity) return;
    const handle = this.opts.clock.setTimer(next - now, () => {
      this.deadlineTimer = null;
      this.wake();
    });
    this.deadlineTimer = { at: next, handle };
  }

  /** Resolves when no adoption and no tick is in progress (tests on a fake clock wait for this). */
  async idle(): Promise<void> {
    while (this.adopting.size > 0 || this.loop) {
      await Promise.allSettled([...this.adopting]);
      await this.waitForLoop();
    }
  }

  private async waitForLoop(): Promise<void> {
    while (this.loop) await this.loop;
  }

  private stopTimers(): void {
    if (this.deadlineTimer) this.opts.clock.clearTimer(this.deadlineTimer.handle);
    this.deadlineTimer = null;
    if (this.pollTimer) this.opts.clock.clearTimer(this.pollTimer);
    this.pollTimer = null;
    if (this.retryTimer) this.opts.clock.clearTimer(this.retryTimer.handle);
    this.retryTimer = null;
  }

  /** Stops driving: no new attempts; running attempts are left to finish (their runs can be adopted later). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    await this.waitForLoop();
  }

  /** Asks running attempts to stop (SIGTERM, then SIGKILL), for a shutdown that should not leave processes. */
  abortAll(reason: string): void {
    for (const l of this.live.values()) l.handle.abort(reason);
  }
}

function jobUsesKv(job: JobDef): boolean {
  const texts = [...(job.command?.kind === 'argv' ? job.command.argv : []), job.command?.kind === 'shell' ? job.command.script : '',
    ...Object.values(job.env), job.cwd ?? '', job.http || job.sql || job.copy ? JSON.stringify([job.http, job.sql, job.copy]) : ''];
  return texts.some((t) => t.includes('kv.'));
}
