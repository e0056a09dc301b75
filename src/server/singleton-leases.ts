/**
 * The server's side of singleton leases (docs/hosts.md, "Singleton flows"): a singleton job's attempt waits
 * here until its lease is free, is then granted the lease (a new fencing number) on one live allowed host
 * and sent to that host's agent; the agent renews the lease over its WebSocket, and an attempt whose lease
 * runs out without a renewal ends `lost` (its agent has stopped the job before then: it stops it `margin`
 * before the end of what it was granted, counted from before it asked). Only then is the lease free for the
 * next fire, or the retry, on another host. The lease row in the store is the truth (src/store/leases.ts);
 * this class only drives it for the attempts of this server.
 */
import type { Logger } from 'pino';
import type { AttemptRequest, AttemptStatus } from '../engine/ports.js';
import type { LeaseStore } from '../store/leases.js';

/** The lease an attempt holds, as this server last granted or renewed it. */
export interface HeldLease {
  name: string;
  fence: number;
  expiresAt: number;
  timer?: NodeJS.Timeout;
}

/** What the keeper needs of an attempt the hub tracks. */
export interface LeasedAttempt {
  key: string;
  host: string;
  req: AttemptRequest;
  lease?: HeldLease;
}

/** What the keeper needs of the hub: which hosts are live, and how to send or end an attempt. */
export interface LeaseHub<T extends LeasedAttempt> {
  /** Of these hosts, the ones that can take a job now (agent connected and heard lately, not draining, a free slot), least busy first. */
  liveHosts(allowed: readonly string[]): string[];
  send(t: T): void;
  end(t: T, status: AttemptStatus, error: string): void;
}

export interface LeaseTiming {
  /** How long a grant or a renewal lasts. */
  ttlMs: number;
  /** How long before the end of its lease an agent that could not renew stops the job. */
  marginMs: number;
}

/** Lease length from ORDO_SINGLETON_LEASE_MS (default 10 s); agents stop a job a quarter of it before its end. */
export function leaseTimingFrom(env: NodeJS.ProcessEnv): LeaseTiming {
  const n = Number(env.ORDO_SINGLETON_LEASE_MS);
  const ttlMs = Number.isInteger(n) && n >= 400 ? n : 10_000;
  return { ttlMs, marginMs: Math.floor(ttlMs / 4) };
}

const RETRY_MS = 200;

export class SingletonLeases<T extends LeasedAttempt> {
  /** Attempts waiting for their lease, per lease name, oldest first. */
  private readonly waiting = new Map<string, T[]>();
  private readonly granting = new Set<string>();
  /** The host that last held each lease: the next job of the flow prefers it. */
  private readonly lastHolder = new Map<string, string>();
  private tick: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: LeaseHub<T>, private readonly store: LeaseStore, readonly timing: LeaseTiming,
    private readonly now: () => number, private readonly logger?: Logger,
  ) {}

  /** How often agents renew (and say they are alive): four times per lease margin's worth of lease. */
  get renewEveryMs(): number {
    return Math.max(50, Math.floor(this.timing.marginMs / 2));
  }

  /** A new singleton attempt: it is sent once it holds its lease. */
  wait(t: T): void {
    const name = t.req.job.singleton!.lease;
    const queue = this.waiting.get(name) ?? [];
    queue.push(t);
    this.waiting.set(name, queue);
    this.tick ??= setInterval(() => this.pump(), RETRY_MS).unref();
    this.pump();
  }

  /** An attempt that stopped waiting (aborted before it was placed). */
  cancel(t: T): void {
    const name = t.req.job.singleton?.lease;
    const queue = name === undefined ? undefined : this.waiting.get(name);
    if (queue?.includes(t)) queue.splice(queue.indexOf(t), 1);
  }

  /** Tries to place the first waiting attempt of every lease (again every RETRY_MS while any waits). */
  pump(): void {
    for (const [name, queue] of this.waiting) {
      if (queue.length === 0) this.waiting.delete(name);
      else if (!this.granting.has(name)) void this.grantHead(name, queue[0]!);
    }
    if (this.waiting.size === 0 && this.tick) {
      clearInterval(this.tick);
      this.tick = null;
    }
  }

  private async grantHead(name: string, t: T): Promise<void> {
    const allowed = t.req.job.singleton!.hosts;
    const live = this.hub.liveHosts(allowed);
    const last = this.lastHolder.get(name);
    const host = last !== undefined && live.includes(last) ? last : live[0];
    if (host === undefined) return;
    this.granting.add(name);
    try {
      const at = this.now();
      const fence = await this.store.grant(name, host, t.key, at, this.timing.ttlMs);
      if (fence === undefined) return; // held (maybe by a holder that vanished): free once its lease ends
      const queue = this.waiting.get(name);
      if (!queue?.includes(t)) {
        await this.store.release(name, fence, this.now()); // aborted meanwhile
        return;
      }
      queue.splice(queue.indexOf(t), 1);
      this.lastHolder.set(name, host);
      t.host = host;
      t.lease = { name, fence, expiresAt: at + this.timing.ttlMs };
      this.logger?.info({ lease: name, fence, host, attempt: t.key }, 'singleton lease granted');
      this.arm(t);
      this.hub.send(t);
    } catch (err) {
      this.logger?.warn({ err, lease: name }, 'cannot grant a singleton lease; trying again');
    } finally {
      this.granting.delete(name);
    }
  }

  /** The attempt ends lost when its lease runs out without a renewal. */
  private arm(t: T): void {
    const lease = t.lease!;
    clearTimeout(lease.timer);
    lease.timer = setTimeout(() => {
      if (this.now() < lease.expiresAt) return this.arm(t);
      this.hub.end(t, 'lost', `its singleton lease (${lease.name}, fence ${lease.fence}) on host ${t.host} ran out: the host's agent did not renew it ` +
        `within ${this.timing.ttlMs} ms, and stopped the job ${this.timing.marginMs} ms before the end`);
      this.pump();
    }, Math.max(0, lease.expiresAt - this.now()) + 1).unref();
  }

  /** An agent renews the leases of its attempts; the keys of those it still holds (the others are lost: stop them). */
  async renew(host: string, items: ReadonlyArray<{ key: string; fence: number }>, find: (key: string) => T | undefined): Promise<string[]> {
    const renewed: string[] = [];
    for (const item of items) {
      const t = find(item.key);
      const lease = t?.lease;
      const at = this.now();
      if (!t || !lease || t.host !== host || lease.fence !== item.fence || lease.expiresAt <= at) continue;
      if (!(await this.store.renew(lease.name, lease.fence, at, this.timing.ttlMs))) continue;
      lease.expiresAt = Math.max(lease.expiresAt, at + this.timing.ttlMs);
      renewed.push(item.key);
    }
    return renewed;
  }

  /** The holder reported its result: true when its fence is still the current one (the result counts). */
  async release(t: T, fence: number | undefined): Promise<boolean> {
    const lease = t.lease!;
    if (fence !== undefined && fence !== lease.fence) return false;
    const ok = await this.store.release(lease.name, lease.fence, this.now());
    if (ok) this.forget(t);
    this.pump();
    return ok;
  }

  forget(t: T): void {
    clearTimeout(t.lease?.timer);
  }

  /** After a server restart: where the attempt runs, from its lease; false when that lease has ended (it is lost). */
  async adopt(t: T): Promise<boolean> {
    const row = await this.store.ofAttempt(t.key);
    if (!row || row.releasedAt !== null || row.expiresAt <= this.now()) return false;
    t.host = row.holder;
    t.lease = { name: row.name, fence: row.fence, expiresAt: row.expiresAt };
    this.lastHolder.set(row.name, row.holder);
    this.arm(t);
    return true;
  }

  close(): void {
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
  }
}
