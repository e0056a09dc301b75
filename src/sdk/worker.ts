/**
 * The remote worker SDK: a worker in another process, over the server's WebSocket, with the same shape
 * as the in-process Worker (src/worker/worker.ts):
 *
 *   const worker = new RemoteWorker({ url: 'http://ordo:6580', token, name: 'adder' });
 *   worker.action('add', async (input) => ({ counter: Number(input.counter) + Number(input.step) }), { slots: 4 });
 *   await worker.start();
 *   ...
 *   await worker.stop();   // finishes the tasks it runs, reports them, then withdraws
 *
 * It speaks the JobCenter worker protocol: `announce` per action, `task_ready` → `get_task` →
 * `task_done` (or `task_failed` for an ActionFailure), and `ping` as a heartbeat (the server declares a
 * worker dead when it hears nothing for its worker timeout). When the connection drops it reconnects with
 * backoff and announces again under the same name; tasks that were running go on and are reported on the
 * new connection (the server refuses a result whose claim it gave away meanwhile).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { OrdoError } from '../errors.js';
import { isObject, type JsonObject } from '../lang/json.js';
import type { TaskContext } from '../worker/worker.js';
import { ActionFailure } from '../worker/failure.js';
import { Link, type LinkOptions } from './link.js';

export { ActionFailure };

/** As the in-process TaskContext, with the job id (the run's number) instead of the task's row id. */
export type RemoteTaskContext = Omit<TaskContext, 'taskId'> & { jobId: number };
export type RemoteActionHandler = (input: JsonObject, ctx: RemoteTaskContext) => Promise<JsonObject>;

export interface RemoteWorkerOptions extends LinkOptions {
  /** The worker's name (default `host/pid/random`); a reconnect under the same name takes over its tasks. */
  name?: string;
  /** How often to ping the server (default 5 s; keep it well below the server's worker timeout). */
  heartbeatMs?: number;
  /** What this worker is (e.g. `{zone: 'dmz'}`), sent with every announce: actions with `labels` in their config need them. */
  labels?: JsonObject;
}

interface Announced {
  handler: RemoteActionHandler;
  slots: number;
  filter: JsonObject | null;
  running: number;
  /** Offers that came while every slot was busy (job ids), taken as slots free. */
  pending: Array<number | null>;
}

type TaskTuple = [number, string, JsonObject, JsonObject | null];

export class RemoteWorker {
  readonly name: string;
  readonly stats = { done: 0, failed: 0, refused: 0 };
  private readonly link: Link;
  private readonly actions = new Map<string, Announced>();
  private readonly running = new Set<Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  private heartbeat: NodeJS.Timeout | null = null;
  private stopping = false;
  private announceError: Error | null = null;

  constructor(private readonly opts: RemoteWorkerOptions) {
    this.name = opts.name ?? `${hostname()}/${process.pid}/w${randomBytes(3).toString('hex')}`;
    this.link = new Link(opts);
    this.link.onConnect(async () => {
      this.announceError = null;
      // Offers waiting for a slot were the old connection's: the server dropped them with it.
      for (const a of this.actions.values()) a.pending.length = 0;
      try {
        await this.announceAll();
      } catch (err) {
        this.announceError = err as Error;
        throw err;
      }
    });
    this.link.on('task_ready', (p) => this.onTaskReady(String(p.actionname), p.job_id));
    this.link.on('worker_dropped', () => void this.announceAll().catch((err: unknown) => this.opts.onError?.(err as Error)));
    this.link.answer('ping', () => 'pong');
  }

  /** Offers to do an action (announced now when connected, else at connect). */
  /** `filter`: only tasks whose inputs contain it (JSON containment), as JobCenter's announce filter. */
  action(name: string, handler: RemoteActionHandler, opts: { slots?: number; filter?: JsonObject } = {}): this {
    const slots = opts.slots ?? 1;
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`slots of ${name} must be a positive integer`);
    this.actions.set(name, { handler, slots, filter: opts.filter ?? null, running: 0, pending: [] });
    if (this.link.connected) void this.announce(name).catch((err: unknown) => this.opts.onError?.(err as Error));
    return this;
  }

  get announced(): string[] {
    return [...this.actions.keys()];
  }

  /** Connects and announces every action; rejects when the token is refused or an announce is. */
  async start(): Promise<void> {
    await this.link.open();
    if (this.announceError) {
      await this.link.close();
      throw this.announceError;
    }
    const every = this.opts.heartbeatMs ?? 5000;
    this.heartbeat = setInterval(() => {
      this.link.requestNow('ping', {}, every * 2).catch(() => {
        if (this.link.connected) this.link.drop();
      });
    }, every);
    this.heartbeat.unref();
  }

  private async announceAll(): Promise<void> {
    for (const name of this.actions.keys()) await this.announce(name);
  }

  private async announce(name: string): Promise<void> {
    const a = this.actions.get(name);
    if (!a || this.stopping) return;
    const [ok, msg] = await this.link.request<[boolean, string]>('announce', {
      actionname: name, workername: this.name, slots: a.slots, ...(a.filter ? { filter: a.filter } : {}), ...(this.opts.labels ? { labels: this.opts.labels } : {}),
    });
    if (!ok) throw new OrdoError('ORDO_FORBIDDEN', `announce ${name}: ${msg}`);
  }

  /**
   * An offer holds one of this worker's slots on the server until `get_task`. One that comes while every
   * slot is busy (the server freed a slot the moment it took a result, which may be before this side saw
   * the report acknowledged) waits here for the next free slot instead of being dropped, which would
   * leave the slot held on the server until the offer timed out.
   */
  private onTaskReady(action: string, jobId: unknown): void {
    const a = this.actions.get(action);
    if (!a || this.stopping) return;
    const job = typeof jobId === 'number' ? jobId : null;
    if (a.running >= a.slots) {
      a.pending.push(job);
      return;
    }
    this.take(action, a, job);
  }

  private take(action: string, a: Announced, jobId: number | null): void {
    a.running++;
    const work = this.fetchAndRun(action, a, jobId)
      .catch((err: unknown) => this.opts.onError?.(err as Error))
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }

  /** The handler is done: its slot is free before the result is reported (as the server sees it). */
  private freeSlot(action: string, a: Announced): void {
    a.running--;
    const next = a.pending.shift();
    if (next !== undefined && !this.stopping) this.take(action, a, next);
  }

  private async fetchAndRun(action: string, a: Announced, jobId: number | null): Promise<void> {
    let task: TaskTuple | null;
    try {
      task = await this.link.request<TaskTuple | null>('get_task', { actionname: action, job_id: jobId });
    } catch (err) {
      this.freeSlot(action, a);
      throw err;
    }
    if (!task) {
      this.freeSlot(action, a);
      return;
    }
    const [job, cookie, input, env] = task;
    const abort = new AbortController();
    this.aborts.add(abort);
    const e = env ?? {};
    const ctx: RemoteTaskContext = {
      jobId: job, run: String(e.run ?? `W${job}`), action, attempt: Number(e.attempt ?? 1), env: e, signal: abort.signal,
    };
    let outcome: { outargs: JsonObject } | { failure: ActionFailure };
    try {
      const output = await a.handler(input, ctx);
      outcome = isObject(output) ? { outargs: output } : { failure: new ActionFailure(`action ${action} returned ${JSON.stringify(output)}, not an object`) };
    } catch (err) {
      outcome = { failure: err instanceof ActionFailure ? err : new ActionFailure(err instanceof Error ? err.message : String(err)) };
    } finally {
      this.aborts.delete(abort);
      this.freeSlot(action, a);
    }
    await this.report(cookie, outcome);
  }

  /** Reports a result, on whatever connection is up (retried until the server answers). */
  private async report(cookie: string, outcome: { outargs: JsonObject } | { failure: ActionFailure }): Promise<void> {
    const [method, params] = 'outargs' in outcome
      ? ['task_done', { cookie, outargs: outcome.outargs }] as const
      : ['task_failed', { cookie, error: { class: outcome.failure.errorClass, message: outcome.failure.message, details: outcome.failure.details } }] as const;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.link.request(method, params);
        if ('outargs' in outcome) this.stats.done++;
        else this.stats.failed++;
        return;
      } catch (err) {
        if (err instanceof OrdoError && err.code === 'ORDO_STALE_COOKIE') {
          this.stats.refused++;
          return;
        }
        if (!(err instanceof OrdoError) || err.code !== 'ORDO_UNAVAILABLE' || attempt >= 20) throw err;
      }
    }
  }

  /** Stops taking tasks, lets running ones finish and report, then withdraws every action and disconnects. */
  async stop(opts: { abortAfterMs?: number } = {}): Promise<void> {
    this.stopping = true;
    const abortTimer = opts.abortAfterMs === undefined ? null : setTimeout(() => {
      for (const a of this.aborts) a.abort(new ActionFailure('the worker is stopping', 'abort'));
    }, opts.abortAfterMs);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    if (abortTimer) clearTimeout(abortTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.link.connected) {
      for (const name of this.actions.keys()) await this.link.requestNow('withdraw', { actionname: name }).catch(() => {});
    }
    await this.link.close();
  }
}
