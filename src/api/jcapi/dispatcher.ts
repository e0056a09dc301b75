/**
 * Hands tasks to remote workers, JobCenter's way (seed 001), on top of the workflow runtime's task
 * broker (WorkflowEngine: claim = get_task, complete = task_done, onTaskReady = task_ready):
 *
 * - a task of an announced action that is ready is offered to a worker with a free slot (`task_ready
 *   {actionname, job_id}`), workers taking turns; a worker that announced with a `filter` is offered only
 *   tasks whose inargs contain it (JSON containment), and its `get_task` claims only the task offered; the offer holds the slot until the worker calls
 *   `get_task`, or for `offerTimeoutMs`, after which the task is offered again;
 * - `get_task` claims a ready task (a fresh cookie fences the claim); `task_done` reports it with the
 *   cookie, and a result with a stale cookie is refused and changes nothing;
 * - a WebSocket worker not heard from for `workerTimeoutMs` is declared dead, and so is a netstring worker
 *   whose connection closes (its connection pings it, and closes when an answer is late): its tasks go back
 *   to ready or fail soft (lost.ts), and its offers go to other workers;
 * - besides the engine's notices it looks for ready tasks every `pollMs` (tasks created by other servers
 *   on the same store, soft retries whose delay ended).
 */
import type { Logger } from 'pino';
import type { Principal } from '../../auth/principal.js';
import type { JsonObject } from '../../lang/json.js';
import type { WorkflowEngine } from '../../wf/driver.js';
import type { Completion } from '../../wf/tasks.js';
import { contains } from '../../lang/contains.js';
import { recoverClaims } from './lost.js';
import { readyJobs } from '../../wf/lookup.js';
import { mayUse, refusal } from './roles.js';
import { WorkerConn, WorkerRegistry, type Claim, type Offer, type WorkerLink } from './workers.js';

export interface DispatcherOptions {
  engine: WorkflowEngine;
  logger: Logger;
  /** A WebSocket worker not heard from for this long is declared dead (the listener pings its own). */
  workerTimeoutMs: number;
  /** How long a `task_ready` holds a worker's slot before the task is offered to another worker. */
  offerTimeoutMs: number;
  /** How often to look for ready tasks besides the engine's notices. */
  pollMs: number;
  /** Told when the number of workers or their slots change (metrics). */
  onStats?(stats: { workers: number; slots: number }): void;
}

export interface AnnounceRequest {
  sessionId: string;
  link: WorkerLink;
  principal: Principal;
  /** The connection's name from `hello` (the default worker name). */
  who?: string;
  actionname: string;
  workername?: string;
  slots?: number;
  filter?: JsonObject | null;
  /** What the worker is; an action with `labels` in its config needs a worker whose labels contain them. */
  labels?: JsonObject | null;
  /** Runs its argument once the answer went out (the first task_ready must not overtake it). */
  afterReply(fn: () => void): void;
}

/** What `get_task` answers: `[job_id, cookie, inargs, env]`. */
export type TaskTuple = [number, string, JsonObject, JsonObject];

export class Dispatcher {
  readonly workers = new WorkerRegistry();
  private readonly offers = new Map<string, Map<number, Offer>>();
  private readonly cookieOwner = new Map<string, WorkerConn>();
  private readonly busy = new Set<string>();
  private readonly again = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisten: () => void;
  private closed = false;

  constructor(private readonly opts: DispatcherOptions) {
    this.unlisten = opts.engine.onTaskReady((action) => {
      if (this.workers.freeSlots(action) > 0) this.dispatch(action);
    });
    const reap = setInterval(() => this.reap(), Math.max(50, Math.min(1000, Math.floor(opts.workerTimeoutMs / 4))));
    const poll = setInterval(() => {
      for (const action of this.workers.actions) if (this.workers.freeSlots(action) > 0) this.dispatch(action);
    }, opts.pollMs);
    reap.unref();
    poll.unref();
    this.timers.push(reap, poll);
  }

  private get now(): number {
    return Date.now();
  }

  /** `announce`: `[true, "success"]`, or `[false, why]`. */
  async announce(r: AnnounceRequest): Promise<[boolean, string]> {
    const def = await this.opts.engine.catalog.action(r.actionname);
    if (!def) return [false, `no action named ${r.actionname} (its .ac file must be in the server's project)`];
    if (!mayUse(def.roles, r.principal)) return [false, refusal(`announce ${r.actionname}`, def.roles, r.principal)];
    if (def.config.labels && !contains(r.labels ?? {}, def.config.labels)) {
      return [false, `action ${r.actionname} is done only by workers labelled ${JSON.stringify(def.config.labels)}; this worker's labels are ${JSON.stringify(r.labels ?? {})}`];
    }
    if (this.closed) return [false, 'the server is shutting down'];
    let w = this.workers.get(r.sessionId);
    if (!w) {
      const name = r.workername ?? r.who ?? r.principal.name;
      w = new WorkerConn(r.sessionId, name, `${this.opts.engine.owner}/jc/${r.principal.name}/${name}`, r.principal, r.link, this.now);
      const twin = this.workers.twin(w);
      this.workers.add(w);
      if (twin) this.takeOver(twin, w);
    }
    const filter = r.filter && Object.keys(r.filter).length > 0 ? r.filter : null;
    this.workers.announce(w, r.actionname, r.slots ?? 1, filter);
    this.opts.logger.info({ worker: w.name, action: r.actionname, slots: r.slots ?? 1, filter, via: r.link.transport }, 'worker announced an action');
    this.stats();
    const worker = w;
    r.afterReply(() => {
      this.workers.open(worker, r.actionname);
      this.dispatch(r.actionname);
    });
    return [true, 'success'];
  }

  /** `withdraw`: no more offers of the action to this connection (its claimed tasks may still be reported). */
  withdraw(sessionId: string | undefined, action: string): boolean {
    const w = this.workers.get(sessionId);
    if (!w || !this.workers.withdraw(w, action)) return false;
    this.dropOffers((o) => o.worker === w && o.action === action);
    if (w.actions.size === 0 && w.claims.size === 0) this.workers.remove(w);
    this.stats();
    return true;
  }

  /** Anything heard from a connection keeps its worker alive. */
  touch(sessionId: string | undefined): void {
    const w = this.workers.get(sessionId);
    if (w) w.lastSeen = this.now;
  }

  /** `get_task`: claims a ready task of an action this connection announced, or null when there is none. */
  async getTask(sessionId: string | undefined, action: string, jobId: number | null): Promise<TaskTuple | null> {
    const w = this.workers.get(sessionId);
    const a = w?.actions.get(action);
    if (!w || !a) return null;
    w.lastSeen = this.now;
    const offer = this.takeOffer(w, action, jobId);
    if (!offer && w.free(action) <= 0) return null;
    // A worker with a filter takes only the task offered to it (the offer matched its filter).
    if (a.filter !== null && !offer) return null;
    a.offered++; // the slot is held while the claim is on its way
    let claimed;
    try {
      // The offered task first (so a task offered to a filtered worker is not taken by another); without a
      // filter, any ready task when that one is gone.
      claimed = offer ? await this.opts.engine.claim(w.claimName, action, 1, offer.jobId) : [];
      if (claimed.length === 0 && a.filter === null) claimed = await this.opts.engine.claim(w.claimName, action, 1);
    } finally {
      if (a.offered > 0) a.offered--;
    }
    const task = claimed[0];
    if (!task) return null;
    const claim: Claim = { cookie: task.cookie, runId: task.runId, action };
    if (w.dead) {
      // Declared dead while the claim was on its way: the task is not its to run.
      void this.recover(w, [claim], 'the worker was declared dead');
      return null;
    }
    w.addClaim(claim);
    this.cookieOwner.set(task.cookie, w);
    return [task.runId, task.cookie, task.input, task.env];
  }

  /** `task_done` (and `task_failed`): refused when the cookie is not the task's current claim. */
  async complete(sessionId: string | undefined, cookie: string, outargs: JsonObject): Promise<Completion> {
    this.touch(sessionId);
    const done = await this.opts.engine.complete(cookie, outargs);
    const w = this.cookieOwner.get(cookie);
    if (w) {
      this.cookieOwner.delete(cookie);
      const c = w.dropClaim(cookie);
      if (!w.dead && w.actions.size === 0 && w.claims.size === 0) this.workers.remove(w);
      if (c) this.dispatch(c.action);
    }
    return done;
  }

  /** A connection closed: its worker, if it was one, is dead at once. */
  disconnected(sessionId: string): void {
    const w = this.workers.get(sessionId);
    if (w) this.kill(w, 'its connection closed');
  }

  /** Offers ready tasks of the action to workers with free slots. */
  dispatch(action: string): void {
    if (this.closed) return;
    if (this.busy.has(action)) {
      this.again.add(action);
      return;
    }
    this.busy.add(action);
    this.offerReady(action)
      .catch((err: unknown) => this.opts.logger.warn({ err, action }, 'jcapi: offering tasks failed'))
      .finally(() => {
        this.busy.delete(action);
        if (this.again.delete(action)) this.dispatch(action);
      });
  }

  private async offerReady(action: string): Promise<void> {
    const free = this.workers.freeSlots(action);
    if (free <= 0) return;
    const offered = this.offers.get(action) ?? new Map<number, Offer>();
    const filtered = this.workers.filtered(action);
    // With filters, a task no free worker's filter matches is passed over, so look further than the free slots.
    const limit = (filtered ? 4 * free + 100 : free) + offered.size;
    for (const { jobId, input } of await readyJobs(this.opts.engine.store.db, action, this.now, limit, filtered)) {
      if (offered.has(jobId)) continue;
      const w = this.workers.pick(action, input);
      if (w) this.offer(w, action, jobId);
      else if (!filtered || this.workers.freeSlots(action) <= 0) break;
    }
  }

  private offer(w: WorkerConn, action: string, jobId: number): void {
    const a = w.actions.get(action);
    if (!a) return;
    a.offered++;
    const timer = setTimeout(() => {
      this.releaseOffer(offer);
      this.dispatch(action);
    }, this.opts.offerTimeoutMs);
    timer.unref();
    const offer: Offer = { worker: w, action, jobId, timer };
    const byJob = this.offers.get(action) ?? new Map<number, Offer>();
    byJob.set(jobId, offer);
    this.offers.set(action, byJob);
    w.link.notify('task_ready', { actionname: action, job_id: jobId });
  }

  /** The worker's offer of this job, or else any offer of the action it holds. */
  private takeOffer(w: WorkerConn, action: string, jobId: number | null): Offer | undefined {
    const byJob = this.offers.get(action);
    if (!byJob) return undefined;
    let found = jobId === null ? undefined : byJob.get(jobId);
    if (found?.worker !== w) found = [...byJob.values()].find((o) => o.worker === w);
    if (found) this.releaseOffer(found);
    return found;
  }

  private releaseOffer(o: Offer): void {
    clearTimeout(o.timer);
    const byJob = this.offers.get(o.action);
    if (byJob?.get(o.jobId) === o) {
      byJob.delete(o.jobId);
      if (byJob.size === 0) this.offers.delete(o.action);
    }
    const a = o.worker.actions.get(o.action);
    if (a && a.offered > 0) a.offered--;
  }

  /** Cancels matching offers; returns their actions (to offer again). */
  private dropOffers(match: (o: Offer) => boolean): Set<string> {
    const actions = new Set<string>();
    for (const byJob of [...this.offers.values()]) {
      for (const o of [...byJob.values()]) {
        if (!match(o)) continue;
        this.releaseOffer(o);
        actions.add(o.action);
      }
    }
    for (const action of actions) this.dispatch(action);
    return actions;
  }

  /** A reconnect: the new connection takes the old one's claims (their results may come on either). */
  private takeOver(old: WorkerConn, w: WorkerConn): void {
    for (const c of old.claims.values()) {
      w.addClaim(c);
      this.cookieOwner.set(c.cookie, w);
    }
    old.claims.clear();
    this.workers.remove(old, old.link.transport === 'ws');
    this.dropOffers((o) => o.worker === old);
    old.link.close?.('replaced by a new connection of the same worker');
    this.opts.logger.info({ worker: w.name }, 'worker reconnected: the new connection takes over');
  }

  /** WebSocket workers must call now and then; a netstring connection's own pings watch its worker. */
  private reap(): void {
    for (const w of this.workers.silentSince(this.now - this.opts.workerTimeoutMs)) {
      if (w.link.transport === 'netstring') continue;
      this.kill(w, `silent for more than ${this.opts.workerTimeoutMs / 1000} s`);
    }
  }

  /** Declares a worker dead: its offers go to others, its claimed tasks are recovered. */
  kill(w: WorkerConn, reason: string): void {
    if (w.dead) return;
    const claims = [...w.claims.values()];
    for (const c of claims) this.cookieOwner.delete(c.cookie);
    w.claims.clear();
    this.workers.remove(w, w.link.transport === 'ws');
    this.dropOffers((o) => o.worker === w);
    w.link.close?.(`worker declared dead: ${reason}`);
    this.stats();
    // A server that stops leaves the claims alone: the worker may report them to the next server, and the
    // server that adopts the runs recovers them otherwise (the claims carry this server's identity).
    if (this.closed) return;
    this.opts.logger.warn({ worker: w.name, reason, tasks: claims.length }, 'worker declared dead');
    void this.recover(w, claims, reason);
  }

  private async recover(w: WorkerConn, claims: Claim[], reason: string): Promise<void> {
    if (claims.length === 0) return;
    try {
      for (const action of await recoverClaims(this.opts.engine, w, claims, reason)) this.dispatch(action);
    } catch (err) {
      this.opts.logger.error({ err, worker: w.name }, 'jcapi: recovering the tasks of a dead worker failed');
    }
  }

  private stats(): void {
    this.opts.onStats?.(this.workers.stats);
  }

  /** Stops offering and recovering (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unlisten();
    for (const t of this.timers) clearInterval(t);
    this.dropOffers(() => true);
  }
}
