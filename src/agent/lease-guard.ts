/**
 * The agent's side of singleton leases (docs/hosts.md, "Singleton flows"). A singleton attempt runs only
 * while its host holds the lease the server granted for it. The agent renews it every `renewEveryMs`; each
 * renewal asked at monotonic time t0 and accepted lets the job run until t0 + ttl - margin: the server
 * counts the lease from when it got the request, later than t0, so the job is stopped before the lease can
 * end, whatever the network did meanwhile. A refused renewal (the server gave the lease up, or granted it
 * to someone else: a newer fence) stops the job at once.
 *
 * The deadline is also written to a file that the attempt's supervisor (bin/ordo-supervise) watches, in
 * seconds of /proc/uptime: an agent that is stopped (SIGSTOP), hung or killed cannot keep its job alive
 * past its lease, since the supervisor stops the job's process group itself (SIGTERM, SIGKILL after half
 * the margin).
 */
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AttemptOutcome } from '../engine/ports.js';

/** The lease an `agent.start` carries. */
export interface LeaseGrant {
  name: string;
  fence: number;
  ttlMs: number;
  marginMs: number;
}

/** Seconds since boot (CLOCK_BOOTTIME: it goes on while a process is stopped), as the supervisor reads them. */
function uptime(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

export class LeaseGuard {
  private readonly dir: string;
  /** Per attempt key: its lease and when (performance.now()) its job must be stopped. */
  private readonly held = new Map<string, { grant: LeaseGrant; deadline: number; timer?: NodeJS.Timeout }>();

  constructor(stateDir: string, private readonly onExpired: (key: string, why: string) => void) {
    this.dir = join(stateDir, 'agent', 'leases');
    mkdirSync(this.dir, { recursive: true });
  }

  /** The file the supervisor watches, and what the job's environment says about its lease. */
  env(key: string, grant: LeaseGrant, host: string): Record<string, string> {
    return {
      ORDO_HOST: host, ORDO_LEASE: grant.name, ORDO_LEASE_FENCE: String(grant.fence), ORDO_LEASE_DEADLINE_FILE: this.file(key),
      ORDO_LEASE_KILL_GRACE_MS: String(Math.floor(grant.marginMs / 2)),
    };
  }

  /** A renewal asked at `askedAt` (performance.now()) was accepted: the job may run until askedAt + ttl - margin. */
  renewed(key: string, grant: LeaseGrant, askedAt: number): void {
    const deadline = askedAt + grant.ttlMs - grant.marginMs;
    const h = this.held.get(key) ?? { grant, deadline };
    h.deadline = Math.max(h.deadline, deadline);
    this.held.set(key, h);
    this.writeDeadline(key, h.deadline);
    clearTimeout(h.timer);
    h.timer = setTimeout(() => this.expire(key, `its singleton lease (${grant.name}, fence ${grant.fence}) was not renewed in time`),
      Math.max(0, h.deadline - performance.now())).unref();
  }

  /** After an agent restart: the lease of a book entry, with the deadline its supervisor still enforces. */
  adopt(key: string, grant: LeaseGrant): void {
    let deadline = performance.now();
    try {
      deadline += (Number(readFileSync(this.file(key), 'utf8')) - uptime()) * 1000;
    } catch {
      // No file: the job was never let go, or is past its deadline anyway.
    }
    if (deadline <= performance.now()) return this.expire(key, 'its singleton lease ran out while the agent was down');
    this.held.set(key, { grant, deadline });
    this.renewed(key, grant, deadline - grant.ttlMs + grant.marginMs);
  }

  /** The leases to renew now. */
  list(): Array<{ key: string; fence: number; grant: LeaseGrant }> {
    return [...this.held.entries()].map(([key, h]) => ({ key, fence: h.grant.fence, grant: h.grant }));
  }

  /** The server says the lease is not this attempt's any more: stop the job now. */
  lost(key: string): void {
    const h = this.held.get(key);
    if (h) this.expire(key, `the server refused to renew its singleton lease (${h.grant.name}, fence ${h.grant.fence}): it is not this host's any more`);
  }

  /** Whether the attempt's lease deadline has passed (its job is, or was, stopped by it). */
  isOver(key: string): boolean {
    const h = this.held.get(key);
    return h !== undefined && performance.now() >= h.deadline;
  }

  fenceOf(key: string): number | undefined {
    return this.held.get(key)?.grant.fence;
  }

  /** The attempt ended: its lease is the server's to release with the result. */
  drop(key: string): void {
    clearTimeout(this.held.get(key)?.timer);
    this.held.delete(key);
    try {
      unlinkSync(this.file(key));
    } catch {
      // never written
    }
  }

  close(): void {
    for (const h of this.held.values()) clearTimeout(h.timer);
  }

  private expire(key: string, why: string): void {
    const h = this.held.get(key);
    if (h) {
      clearTimeout(h.timer);
      h.deadline = 0;
    }
    this.writeDeadline(key, 0);
    this.onExpired(key, why);
  }

  private writeDeadline(key: string, deadline: number): void {
    const at = deadline <= 0 ? 0 : uptime() + (deadline - performance.now()) / 1000;
    const path = this.file(key);
    writeFileSync(`${path}.tmp`, `${at.toFixed(3)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  private file(key: string): string {
    return join(this.dir, key.replace(/[^A-Za-z0-9_-]/g, '_'));
  }
}

/**
 * The outcome of an attempt whose lease deadline passed: the agent or the supervisor stopped its job (or did
 * not start it), so it did not fail on its own: it is `lost`, retried per the job's policy like an attempt
 * whose host vanished, once the lease has ended on the server. A job that succeeded before the stop counts.
 */
export function stoppedByLease(outcome: AttemptOutcome, grant: LeaseGrant): AttemptOutcome {
  if (outcome.status === 'succeeded') return outcome;
  const why = `lost: its singleton lease (${grant.name}, fence ${grant.fence}) ran out before the job ended, so the job was stopped` +
    `${outcome.error ? ` (${outcome.error})` : ''}`;
  return { ...outcome, status: 'lost', error: why };
}
