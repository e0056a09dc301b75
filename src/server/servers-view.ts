/**
 * `ordo servers` and `servers.list`: the servers of a store, which one leads, how old its lease is, and the
 * open runs each owns (docs/servers.md). Read from the store, so every server, and the CLI on the store's
 * machine, see the same answer.
 */
import { LeaseStore } from '../store/leases.js';
import type { SqlPort } from '../store/port.js';
import { ServerStore, type ServerRow } from '../store/servers.js';
import { LEADER_LEASE } from './leadership.js';

export type ServerState = 'up' | 'silent' | 'stopped';

export interface ServerView extends ServerRow {
  /** up: heard from lately; silent: not heard from for longer than `silentAfterMs` (dead, frozen or cut off); stopped. */
  state: ServerState;
  leader: boolean;
}

export interface LeaderLease {
  /** The server that holds, or last held, the lease. */
  server: string;
  fence: number;
  /** When it was granted to that server: it leads since then. */
  since: number;
  expiresAt: number;
  /** When its holder let it go (it stopped); null while held or when it ran out instead. */
  releasedAt: number | null;
  /** Whether it holds now (not released, not run out): otherwise the next server takes it at its next tick. */
  held: boolean;
}

export interface ServersView {
  now: number;
  lease: LeaderLease | null;
  servers: ServerView[];
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * The servers heard from within the last hour that have not stopped (`all`: every one still kept, stopped and
 * silent ones too); a server is silent after `silentAfterMs` without a heartbeat.
 */
export async function serversView(db: SqlPort, now: number, opts: { silentAfterMs: number; all?: boolean }): Promise<ServersView> {
  const [rows, lease] = await Promise.all([new ServerStore(db).list(opts.all ? 0 : now - HOUR_MS), new LeaseStore(db).get(LEADER_LEASE)]);
  const held = lease !== undefined && lease.releasedAt === null && lease.expiresAt > now;
  const servers = rows
    .filter((r) => opts.all || r.stoppedAt === null)
    .map((r): ServerView => ({
      ...r,
      state: r.stoppedAt !== null ? 'stopped' : r.heartbeatAt < now - opts.silentAfterMs ? 'silent' : 'up',
      leader: held && lease.holder === r.id,
    }));
  return {
    now, servers,
    lease: lease ? { server: lease.holder, fence: lease.fence, since: lease.grantedAt, expiresAt: lease.expiresAt, releasedAt: lease.releasedAt, held } : null,
  };
}
