/**
 * `ordo agent`: runs the command jobs that the server places on its host (docs/hosts.md). It connects out
 * to the server's WebSocket (TLS with a wss/https URL), says hello under its host's name, and runs each
 * attempt it is sent under the same supervisor as the server's own (src/exec/local.ts), so a job outlives
 * both the connection and the agent itself:
 *
 * - every attempt is written to the agent's book (attempt-book.ts) before its process starts, and its
 *   outcome when it ends; a book entry goes only once the server acknowledged the outcome, so each result
 *   is reported exactly once (the server refuses a stale or repeated one by its fencing token);
 * - a dropped connection is retried with backoff; the jobs go on; on reconnect the agent lists what it holds
 *   and reports what ended meanwhile;
 * - a restarted agent re-attaches to the attempts of its book (kill -9 of the agent loses nothing).
 *
 * Output is streamed live: the agent follows each attempt's capped log files and sends what is new.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { JobDef } from '../defs/model.js';
import type { AttemptHandle, AttemptOutcome, AttemptRequest } from '../engine/ports.js';
import { LocalProcessExecutor } from '../exec/local.js';
import { outputFile } from '../exec/paths.js';
import { Link, type LinkOptions } from '../sdk/link.js';
import { AttemptBook, type BookEntry } from './attempt-book.js';
import { LeaseGuard, stoppedByLease, type LeaseGrant } from './lease-guard.js';

/** How long after its end an outcome the server does not know yet is still offered to it. */
const REPORT_FOR_MS = 3_600_000;

export interface AgentOptions extends LinkOptions {
  /** The host's name in the server's ordo.yaml. */
  name: string;
  labels?: Record<string, string>;
  /** Where the agent keeps its book and the attempts' files. */
  stateDir: string;
  /** Jobs' `cwd` is resolved against it; jobs without one run in it. */
  projectDir: string;
  version?: string;
  /** How often live output is sent (default 200 ms). */
  outputEveryMs?: number;
  /** How often outcomes the server did not take yet are offered again (default 2 s). */
  retryEveryMs?: number;
  log?: (message: string) => void;
}

interface Live {
  handle: AttemptHandle;
  entry: BookEntry;
  offsets: { stdout: number; stderr: number };
}

export class Agent {
  private readonly link: Link;
  private readonly exec: LocalProcessExecutor;
  private readonly book: AttemptBook;
  private readonly live = new Map<string, Live>();
  private readonly reporting = new Set<string>();
  private readonly starting = new Set<string>();
  private readonly leases: LeaseGuard;
  private renewTimer: NodeJS.Timeout | null = null;
  private outputTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: AgentOptions) {
    this.link = new Link(opts);
    this.exec = new LocalProcessExecutor({ stateDir: opts.stateDir, projectDir: opts.projectDir });
    this.book = new AttemptBook(opts.stateDir);
    this.leases = new LeaseGuard(opts.stateDir, (key, why) => {
      this.opts.log?.(`stop ${key}: ${why}`);
      this.live.get(key)?.handle.abort(why);
    });
  }

  /** Re-attaches to the book's attempts, then connects (retrying until the server answers). */
  async start(timeoutMs?: number): Promise<void> {
    for (const entry of this.book.list()) {
      if (entry.outcome) continue;
      if (entry.lease) this.leases.adopt(entry.key, entry.lease);
      this.watch(entry, this.exec.reattach(entry.req, entry.startedAt));
    }
    this.link.on('agent.start', (p) => this.onStart(p));
    this.link.on('agent.abort', (p) => this.live.get(String(p.key))?.handle.abort(String(p.reason ?? 'aborted by the server')));
    this.link.on('agent.inventory', () => {
      // An engine re-attaches (a new server): it learns what is here, then gets the outcomes that wait.
      void this.link.requestNow('agent.inventory', { attempts: this.inventory() })
        .then(() => this.reportEnded(), () => {});
    });
    this.link.onConnect(async () => {
      const hello = await this.link.requestNow<{ host: string; slots: number; renewEveryMs?: number }>('agent.hello', {
        name: this.opts.name, labels: this.opts.labels ?? {}, version: this.opts.version ?? '', attempts: this.inventory(),
      });
      this.opts.log?.(`connected as host ${hello.host} (${hello.slots} slots)`);
      // Renewals of singleton leases, also the agent's heartbeat, at the pace the server asks for.
      if (this.renewTimer) clearInterval(this.renewTimer);
      this.renewTimer = setInterval(() => void this.renew(), hello.renewEveryMs ?? 1000);
      void this.renew();
      this.reportEnded();
    });
    this.outputTimer = setInterval(() => this.sendOutput(), this.opts.outputEveryMs ?? 200);
    // Outcomes the server could not take yet (its engine had not re-attached) are offered again.
    this.retryTimer = setInterval(() => this.reportEnded(), this.opts.retryEveryMs ?? 2000);
    await this.link.open(timeoutMs);
  }

  /** Stops talking to the server; running jobs go on under their supervisors, and the next start re-attaches. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.outputTimer) clearInterval(this.outputTimer);
    if (this.retryTimer) clearInterval(this.retryTimer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.leases.close();
    this.exec.close();
    await this.link.close();
  }

  /** Attempts in flight here, for tests and `hosts.list`. */
  get running(): number {
    return this.live.size;
  }

  private inventory() {
    return this.book.list().map((e) => ({ key: e.key, token: e.req.token, state: e.outcome ? 'ended' : 'running' }));
  }

  private onStart(p: Record<string, unknown>): void {
    if (this.stopped) return;
    const key = String(p.key);
    const known = this.book.get(key);
    if (this.starting.has(key)) return;
    if (known) {
      // Sent again (the server did not hear that we had it): report it if it ended, else it is running.
      if (known.outcome) void this.report(known);
      return;
    }
    const req: AttemptRequest = {
      runId: String(p.runId), taskId: Number(p.taskId), flow: String(p.flow), job: p.job as unknown as JobDef,
      attempt: Number(p.attempt), token: Number(p.token), input: (p.input ?? {}) as Record<string, unknown>,
      env: (p.env ?? {}) as Record<string, string>, logMaxBytes: Number(p.logMaxBytes),
      ...(Array.isArray(p.mask) ? { mask: p.mask.map(String) } : {}),
    };
    const lease = p.lease as LeaseGrant | undefined;
    if (lease) void this.startLeased(key, req, lease);
    else this.launch(key, req);
  }

  /** In the book before the process starts: a restarted agent re-attaches instead of losing it. */
  private launch(key: string, req: AttemptRequest, lease?: LeaseGrant): void {
    const entry = this.book.add(key, req, Date.now(), lease);
    this.opts.log?.(`start ${key} (${req.job.name})${lease ? ` under lease ${lease.name} fence ${lease.fence}` : ''}`);
    this.watch(entry, this.exec.start(req));
  }

  /**
   * A singleton attempt starts only once a renewal of its lease, asked now, was accepted: the grant may have
   * waited in a socket buffer past its end, and the deadline must count from before the server's clock did.
   */
  private async startLeased(key: string, req: AttemptRequest, lease: LeaseGrant): Promise<void> {
    this.starting.add(key);
    try {
      const askedAt = performance.now();
      const answer = await this.link.requestNow<{ renewed: string[] }>('agent.renew', { leases: [{ key, fence: lease.fence }] }, lease.marginMs);
      if (!answer.renewed.includes(key) || this.stopped) {
        this.opts.log?.(`not starting ${key}: its singleton lease (fence ${lease.fence}) is not this host's any more`);
        return;
      }
      // The answer came too late (this agent was stopped or starved meanwhile): the lease may be another
      // host's by now. Not started; the server counts the attempt lost once the lease runs out, and retries it.
      // (The supervisor checks the deadline again right before the job starts, for a stop after this line.)
      if (performance.now() >= askedAt + lease.ttlMs - lease.marginMs) {
        this.opts.log?.(`not starting ${key}: the confirmation of its singleton lease (fence ${lease.fence}) came after its deadline`);
        return;
      }
      this.leases.renewed(key, lease, askedAt);
      this.launch(key, { ...req, env: { ...req.env, ...this.leases.env(key, lease, this.opts.name) } }, lease);
    } catch (err) {
      this.opts.log?.(`not starting ${key}: cannot confirm its singleton lease (${String(err)})`);
    } finally {
      this.starting.delete(key);
    }
  }

  /** Renews the leases of the running singleton attempts (and says the agent is alive); a refused one is stopped. */
  private async renew(): Promise<void> {
    if (!this.link.connected) return;
    const held = this.leases.list().filter((l) => this.live.has(l.key));
    const askedAt = performance.now();
    const timeout = Math.min(...held.map((l) => l.grant.marginMs), 5000);
    try {
      const answer = await this.link.requestNow<{ renewed: string[]; lost: string[] }>('agent.renew', { leases: held.map((l) => ({ key: l.key, fence: l.fence })) }, timeout);
      for (const l of held) {
        if (answer.renewed.includes(l.key)) this.leases.renewed(l.key, l.grant, askedAt);
        else if (answer.lost.includes(l.key)) this.leases.lost(l.key);
      }
    } catch {
      // Not answered: the deadlines stand, and the jobs stop at them unless a later renewal gets through.
    }
  }

  private watch(entry: BookEntry, handle: AttemptHandle): void {
    this.live.set(entry.key, { handle, entry, offsets: { stdout: 0, stderr: 0 } });
    void handle.done.then((outcome) => this.ended(entry, outcome));
  }

  private ended(entry: BookEntry, ended: AttemptOutcome): void {
    if (this.stopped) return;
    // Stopped (or never started) by its lease: lost, retried on the server's side, not aborted or failed.
    const outcome = entry.lease && this.leases.isOver(entry.key) ? stoppedByLease(ended, entry.lease) : ended;
    // All of the output before the outcome (bounded: the files are capped and no longer grow).
    for (let i = 0; i < 64 && this.sendOutputOf(entry.key); i++);
    this.live.delete(entry.key);
    this.leases.drop(entry.key);
    const done = this.book.finish(entry.key, outcome);
    this.opts.log?.(`end ${entry.key}: ${outcome.status}`);
    if (done) void this.report(done);
  }

  private reportEnded(): void {
    for (const entry of this.book.list()) if (entry.outcome) void this.report(entry);
  }

  /**
   * Reports an outcome. The book entry goes once the server took it, or refused it for good (a stale token:
   * the attempt was given up); while the server does not know the attempt yet (its engine has not
   * re-attached after a restart) it is offered again, for up to an hour after the job ended.
   */
  private async report(entry: BookEntry): Promise<void> {
    if (!entry.outcome || this.reporting.has(entry.key) || !this.link.connected) return;
    this.reporting.add(entry.key);
    try {
      const answer = await this.link.requestNow<{ accepted: boolean; reason?: string }>('agent.done', {
        key: entry.key, token: entry.req.token, outcome: entry.outcome, ...(entry.lease && { fence: entry.lease.fence }),
      });
      // A singleton result the server did not take within a lease of the job's end never will: the lease
      // ran out unrenewed, and the server counted the attempt lost.
      const leaseOver = entry.lease !== undefined && Date.now() - entry.outcome.endedAt > entry.lease.ttlMs;
      const given = answer.accepted || answer.reason === 'stale token' || answer.reason === 'stale fence' || leaseOver || Date.now() - entry.outcome.endedAt > REPORT_FOR_MS;
      if (!answer.accepted && given) this.opts.log?.(`the server refused the result of ${entry.key}: ${answer.reason ?? '?'}`);
      if (given) this.book.remove(entry.key);
    } catch {
      // Not connected any more: reported again after the next hello.
    } finally {
      this.reporting.delete(entry.key);
    }
  }

  private sendOutput(): void {
    if (!this.link.connected) return;
    for (const key of this.live.keys()) this.sendOutputOf(key);
  }

  /**
   * Sends what the attempt's log files gained since the last time (at most 1 MiB per stream per call);
   * true when it sent something.
   */
  private sendOutputOf(key: string): boolean {
    const live = this.live.get(key);
    if (!live || !this.link.connected) return false;
    const { req } = live.entry;
    let sent = false;
    for (const stream of ['stdout', 'stderr'] as const) {
      const path = outputFile(this.opts.stateDir, req.runId, req.job.name, req.attempt, stream);
      const chunk = readFrom(path, live.offsets[stream], 1 << 20);
      if (!chunk) continue;
      live.offsets[stream] += chunk.length;
      sent = true;
      void this.link.requestNow('agent.output', { key, stream, data: chunk.toString('base64') }).catch(() => {});
    }
    return sent;
  }
}

function readFrom(path: string, offset: number, max: number): Buffer | undefined {
  let fd: number;
  try {
    if (statSync(path).size <= offset) return undefined;
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, offset);
    return n > 0 ? buf.subarray(0, n) : undefined;
  } finally {
    closeSync(fd);
  }
}
