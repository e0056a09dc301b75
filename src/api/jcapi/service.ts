/**
 * The JobCenter side of the server (seed 001's jcapi, docs/jobcenter.md), shared by both
 * transports: the native API (JSON-RPC over WebSocket and HTTP) and the netstring TCP listener. It holds
 * the workflow engine whose runs are the "jobs", the dispatcher that hands their tasks to remote workers,
 * and the connections of the netstring listener (whose identity `hello` sets).
 *
 * Glossary: a *job* is a workflow run (job_id 12 is W12); a *worker* is a connection that announced
 * actions with slots; a *cookie* fences one claim of a task; *who* is the name a connection gave in hello.
 */
import type { Logger } from 'pino';
import { Authenticator } from '../../auth/authenticator.js';
import type { Principal } from '../../auth/principal.js';
import { verifyPassword } from '../../auth/secrets.js';
import { OrdoError } from '../../errors.js';
import type { JsonObject } from '../../lang/json.js';
import { getUser } from '../../store/auth.js';
import type { WorkflowEngine } from '../../wf/driver.js';
import { lockHeld } from '../../wf/lookup.js';
import { raise } from '../../wf/subscriptions.js';
import type { Session } from '../context.js';
import { Dispatcher } from './dispatcher.js';
import { JobDesk } from './jobs.js';
import type { WorkerLink } from './workers.js';

const DEFAULT_RECONNECT_GRACE_MS = 3000;

export interface JobCenterOptions {
  engine: WorkflowEngine;
  logger: Logger;
  /** A WebSocket worker not heard from for this long is declared dead (default 30 s). */
  workerTimeoutMs?: number;
  /** How long a task_ready holds a worker's slot (default 10 s). */
  offerTimeoutMs?: number;
  /** How often to look for ready tasks besides the engine's notices (default 1 s). */
  pollMs?: number;
  /**
   * A WebSocket worker whose connection closed is declared dead after this long unless it connected again
   * under the same name (and took over its tasks); default 3 s, at most the worker timeout.
   */
  reconnectGraceMs?: number;
}

/** A connection of the netstring listener: its worker link, and what hello does to it. */
export interface Connection {
  link: WorkerLink;
  /** The peer's address and port. */
  from: string;
  /** The name given in a successful hello. */
  who?: string;
  accept(principal: Principal, who: string): void;
  /** A failed hello: the connection closes once the answer is sent. */
  reject(): void;
}

export const DEFAULT_WORKER_TIMEOUT_MS = 30_000;

export class JobCenterService {
  readonly dispatcher: Dispatcher;
  readonly jobs: JobDesk;
  readonly workerTimeoutMs: number;
  private readonly connections = new Map<string, Connection>();
  private readonly auth: Authenticator;
  private statsListener: ((s: { workers: number; slots: number }) => void) | null = null;

  constructor(readonly opts: JobCenterOptions) {
    this.workerTimeoutMs = opts.workerTimeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS;
    this.dispatcher = new Dispatcher({
      engine: opts.engine, logger: opts.logger, workerTimeoutMs: this.workerTimeoutMs,
      offerTimeoutMs: opts.offerTimeoutMs ?? 10_000, pollMs: opts.pollMs ?? 1000, onStats: (s) => this.statsListener?.(s),
    });
    this.jobs = new JobDesk(opts.engine, opts.logger);
    this.auth = new Authenticator({ db: opts.engine.store.db });
  }

  get engine(): WorkflowEngine {
    return this.opts.engine;
  }

  /** Metrics: told the number of workers and their slots when they change. */
  onStats(listener: (s: { workers: number; slots: number }) => void): void {
    this.statsListener = listener;
    listener(this.dispatcher.workers.stats);
  }

  /** The netstring listener registers each connection (until it closes). */
  attach(sessionId: string, c: Connection): () => void {
    this.connections.set(sessionId, c);
    return () => {
      this.connections.delete(sessionId);
      this.dispatcher.disconnected(sessionId);
    };
  }

  /** How the dispatcher reaches a connection: the listener's link, or a WebSocket session's notify. */
  linkOf(session: Session): { link: WorkerLink; who?: string } {
    const c = this.connections.get(session.id);
    if (c) return { link: c.link, who: c.who };
    return { link: { transport: 'ws', notify: (method, params) => session.notify(method, params) } };
  }

  /** Every JobCenter call: a heartbeat, and a WebSocket worker that was dropped learns it. */
  seen(session: Session | undefined): void {
    if (!session) return;
    this.dispatcher.touch(session.id);
    const actions = this.dispatcher.workers.takeDropped(session.id);
    if (actions) {
      session.notify('worker_dropped', { reason: `silent for more than ${this.workerTimeoutMs / 1000} s: announce again`, actions });
    }
  }

  /** `hello`: `[true, welcome]` for an API token (or a user's password, `who` naming the user). */
  async hello(session: Session | undefined, p: { who: string; method?: string; token: string }): Promise<[boolean, string]> {
    const principal = p.method === undefined || p.method === 'password' ? await this.authenticate(p.who, p.token) : null;
    const c = session ? this.connections.get(session.id) : undefined;
    if (!principal) {
      this.opts.logger.info({ who: p.who, method: p.method }, 'jcapi: hello refused');
      c?.reject();
      return [false, "you're not welcome!"];
    }
    c?.accept(principal, p.who);
    return [true, `welcome to the clientapi ${p.who}!`];
  }

  private async authenticate(who: string, secret: string): Promise<Principal | null> {
    try {
      return await this.auth.fromToken(secret);
    } catch (err) {
      if (!(err instanceof OrdoError) || err.code !== 'ORDO_UNAUTHENTICATED') throw err;
    }
    const user = await getUser(this.opts.engine.store.db, who);
    if (!user?.passwordHash || !(await verifyPassword(secret, user.passwordHash))) return null;
    return { name: user.name, role: user.role, via: 'token', credential: { kind: 'password', user: user.name, passwordHash: user.passwordHash } };
  }

  /** `check_if_lock_exists`: whether a workflow run holds the lock now. */
  lockExists(type: string, value: string): Promise<boolean> {
    return lockHeld(this.engine.store.db, type, value);
  }

  /** `get_api_status`: JobCenter's `stats` and `clients`; anything else has no status. */
  apiStatus(what: string): JsonObject | JsonObject[] | string {
    const workers = this.dispatcher.workers.all;
    if (what === 'stats') return { clients: this.connections.size, dead: 0, workers: workers.length };
    if (what !== 'clients') return `no status for ${what}`;
    const bySession = new Map(workers.map((w) => [w.sessionId, w]));
    const describe = (from: string, who: string | null, sessionId: string): JsonObject => {
      const w = bySession.get(sessionId);
      const out: JsonObject = { from, who, workername: w?.name ?? null };
      if (w && w.actions.size > 0) {
        const actions: JsonObject = {};
        for (const [name, a] of w.actions) actions[name] = { filter: a.filter, slots: a.slots, used: a.offered + a.claimed };
        out.workeractions = actions;
      }
      return out;
    };
    const out = [...this.connections].map(([id, c]) => describe(c.from, c.who ?? null, id));
    // WebSocket workers are not connections of the listener, but clients of the service all the same.
    for (const w of workers) if (!this.connections.has(w.sessionId)) out.push(describe('websocket', w.principal.name, w.sessionId));
    return out;
  }

  /** `raise_event`: queues the event on every matching subscription; returns how many runs it reached. */
  async raiseEvent(event: JsonObject): Promise<number> {
    const now = this.engine.clock.now();
    const runs = await this.engine.store.db.transaction((tx) => raise(tx, event, now));
    for (const id of runs) this.engine.wake(id);
    return runs.length;
  }

  /**
   * A WebSocket session closed. A worker that reconnects at once (the SDK does) takes its tasks over; one
   * that does not is declared dead after the grace period, not only at the worker timeout.
   */
  sessionClosed(sessionId: string): void {
    if (!this.dispatcher.workers.get(sessionId)) return;
    const grace = Math.min(this.opts.reconnectGraceMs ?? DEFAULT_RECONNECT_GRACE_MS, this.workerTimeoutMs);
    const timer = setTimeout(() => this.dispatcher.disconnected(sessionId), grace);
    timer.unref();
  }

  close(): void {
    this.dispatcher.close();
    this.jobs.close();
  }
}
