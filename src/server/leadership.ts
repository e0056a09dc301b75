/**
 * Leadership among the servers of one store (docs/servers.md). Every server registers in `servers` and
 * heartbeats there; one of them holds the lease `ordo:scheduler` (a row of `leases`, with a fencing number
 * raised at every grant) and runs the leader's duties (the trigger scheduler, retention). The leader renews
 * the lease every tick; the others try to take it every tick, and get it once it was released (the leader
 * stopped) or ran out (the leader died, froze, or lost the database), or at once when its holder is a dead
 * process on this host. Each duty's write names the fence it was elected under (`Term.guard`, checked in
 * the write's own transaction), so a leader that lost the lease without knowing it cannot write.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { OrdoError } from '../errors.js';
import { LeaseStore } from '../store/leases.js';
import type { Queryable, SqlPort } from '../store/port.js';
import { ServerStore } from '../store/servers.js';
import { isOwnerDead } from './owner.js';
import { startPeriodic, type Periodic } from './periodic.js';

/** The lease whose holder leads. */
export const LEADER_LEASE = 'ordo:scheduler';

export interface LeaderTiming {
  /** How long a grant or a renewal lasts: a leader not heard from for this long is replaced. */
  leaseMs: number;
  /** How often a server heartbeats, and renews (the leader) or tries to take (the others) the lease. */
  everyMs: number;
}

export const DEFAULT_LEADER_LEASE_MS = 3_000;

/** ORDO_LEADER_LEASE_MS (milliseconds, at least 300) when set, else 3 s; a tick is a sixth of it. */
export function leaderTimingFrom(env: NodeJS.ProcessEnv = process.env): LeaderTiming {
  const n = Number(env.ORDO_LEADER_LEASE_MS);
  const leaseMs = Number.isInteger(n) && n >= 300 ? n : DEFAULT_LEADER_LEASE_MS;
  return { leaseMs, everyMs: Math.max(50, Math.floor(leaseMs / 6)) };
}

/** One server's time as leader: its fence, and the check its duties' writes make. */
export interface Term {
  fence: number;
  since: number;
  /** Throws ORDO_NOT_LEADER inside `tx` unless this fence still holds the lease (see LeaseStore.holds). */
  guard(tx: Queryable): Promise<void>;
}

export interface LeadershipOptions {
  db: SqlPort;
  server: { id: string; version: string; apiUrl: string | null };
  timing: LeaderTiming;
  now: () => number;
  logger?: Logger;
  /** Starts the leader's duties under this term (their writes use `term.guard`). */
  onElected(term: Term): Promise<void>;
  /** Stops them (their writes are refused already). */
  onDeposed(term: Term): Promise<void>;
}

/** Rows of servers silent for this long are deleted by the leader. */
const FORGET_MS = 7 * 24 * 60 * 60 * 1000;

export class Leadership {
  private readonly leases: LeaseStore;
  private readonly servers: ServerStore;
  private loop: Periodic | null = null;
  private current: (Term & { expiresAt: number }) | null = null;

  constructor(private readonly opts: LeadershipOptions) {
    this.leases = new LeaseStore(opts.db);
    this.servers = new ServerStore(opts.db);
  }

  /** The term this server leads under, or null. */
  get term(): Term | null {
    return this.current;
  }

  /** Registers the server and takes the first turn (a server alone leads at once), then one every tick. */
  async start(): Promise<void> {
    const { server, now } = this.opts;
    await this.servers.register({ ...server, host: hostname(), pid: process.pid }, now());
    await this.turn();
    this.loop = startPeriodic(() => this.turn(), this.opts.timing.everyMs, {
      delayed: true,
      onError: (err) => this.opts.logger?.warn({ err }, 'leadership: cannot reach the store; trying again'),
    });
  }

  /** One turn: heartbeat, then renew the lease (leader) or try to take it (the others). The loop's tick; tests call it. */
  async turn(): Promise<void> {
    const { server, timing } = this.opts;
    const now = this.opts.now();
    const term = this.current;
    // A lease this server could not renew in time is over, whether or not another server took it yet.
    if (term && now >= term.expiresAt) await this.depose(term, 'its lease ran out before it could renew it');
    if (!(await this.servers.heartbeat(server.id, now))) {
      await this.servers.register({ ...server, host: hostname(), pid: process.pid }, now);
    }
    if (this.current) {
      if (await this.leases.renew(LEADER_LEASE, this.current.fence, now, timing.leaseMs)) {
        this.current.expiresAt = now + timing.leaseMs;
        return;
      }
      await this.depose(this.current, 'another server took the lease');
    }
    const fence = await this.take(now);
    if (fence !== undefined) await this.elect(fence, now);
  }

  /** The lease when it is free, or when its holder is a dead process on this host. */
  private async take(now: number): Promise<number | undefined> {
    const { server, timing } = this.opts;
    const fence = await this.leases.grant(LEADER_LEASE, server.id, 'scheduler', now, timing.leaseMs);
    if (fence !== undefined) return fence;
    const held = await this.leases.get(LEADER_LEASE);
    if (!held || held.holder === server.id || !isOwnerDead(held.holder)) return undefined;
    return this.leases.seize(LEADER_LEASE, held.fence, server.id, 'scheduler', now, timing.leaseMs);
  }

  private async elect(fence: number, now: number): Promise<void> {
    const { logger } = this.opts;
    const term = {
      fence, since: now, expiresAt: now + this.opts.timing.leaseMs,
      guard: async (tx: Queryable) => {
        if (!(await this.leases.holds(tx, LEADER_LEASE, fence, this.opts.now(), this.opts.timing.leaseMs))) {
          throw new OrdoError('ORDO_NOT_LEADER', `this server no longer holds the scheduler lease with fence ${fence}`);
        }
      },
    };
    this.current = term;
    logger?.info({ fence }, 'leadership: this server leads (runs the trigger scheduler)');
    try {
      await this.servers.prune(now - FORGET_MS);
      await this.opts.onElected(term);
    } catch (err) {
      logger?.error({ err, fence }, 'leadership: the leader\'s duties did not start; letting the lease go');
      await this.depose(term, 'its duties did not start');
      await this.leases.release(LEADER_LEASE, fence, this.opts.now());
    }
  }

  private async depose(term: Term, why: string, stopping = false): Promise<void> {
    if (this.current !== term) return;
    this.current = null;
    const log = this.opts.logger;
    if (stopping) log?.info({ fence: term.fence, why }, 'leadership: this server no longer leads');
    else log?.warn({ fence: term.fence, why }, 'leadership: this server no longer leads');
    await this.opts.onDeposed(term);
  }

  /** Stops the duties, lets the lease go (another server leads at its next tick) and marks the server stopped. */
  async stop(): Promise<void> {
    await this.loop?.stop();
    const term = this.current;
    if (term) await this.depose(term, 'the server stops', true);
    try {
      if (term) await this.leases.release(LEADER_LEASE, term.fence, this.opts.now());
      await this.servers.stop(this.opts.server.id, this.opts.now());
    } catch (err) {
      // The lease then runs out by itself, and the row shows the server silent.
      this.opts.logger?.warn({ err }, 'leadership: cannot record that this server stops');
    }
  }
}
