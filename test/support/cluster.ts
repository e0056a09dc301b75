/**
 * Several real `ordo server` processes on one PostgreSQL (docs/servers.md), for the fail-over test and
 * bench: a project whose flow `tick` fires every second (catch-up `all`, so that no instant may be missing),
 * the servers on port 0 of the loopback, and what a test needs to see: who leads, the fires, a fail-over
 * (SIGKILL or SIGSTOP of the leader) measured from the signal to the first fire the next leader records.
 */
import pg from 'pg';
import { sandbox, type CliProcess, type Sandbox } from './cli.js';
import { usePostgres, type TestDatabase } from './postgres.js';
import { poll } from './wait.js';

export const TICK_FLOW = `flow: tick
runsPerBusinessDate: many
overlap: allow
catchup: { policy: all, window: 10m, max: 1000 }
triggers:
  - cron: "* * * * * *"
jobs:
  a: { shell: "sleep 0.5" }
`;

export interface Fire { id: number; at: number; state: string; runId: number | null; createdAt: number; reason: string | null }

export interface Leader { holder: string; fence: number; pid: number; grantedAt: number }

export interface Cluster {
  box: Sandbox;
  db: TestDatabase;
  pool: pg.Pool;
  servers: CliProcess[];
  /** Starts one more server. */
  add(): CliProcess;
  /** The lease's holder while it holds (not released, not run out). */
  leader(): Promise<Leader | undefined>;
  /** Waits for a leader, other than `not` when given, that has recorded a fire. */
  waitLeader(not?: string, timeoutMs?: number): Promise<Leader>;
  fires(): Promise<Fire[]>;
  /** Waits until `count` more fires were recorded than now. */
  waitFires(count: number, timeoutMs?: number): Promise<void>;
  /** Stops every server (SIGTERM) and drops the database. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  servers: number;
  /** More environment for the servers (ORDO_LEADER_LEASE_MS, ORDO_LEASE_MS, ...). */
  env?: Record<string, string>;
  /** How long each server may live (it is killed after that); default 10 minutes. */
  lifetimeMs?: number;
}

const holderPid = (holder: string): number => Number(holder.split('/')[1]);

/** A query that answers `empty` until the servers have created the tables (migrations). */
async function rowsOf(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  try {
    return (await pool.query(sql, params)).rows as Array<Record<string, unknown>>;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const db = await usePostgres();
  const box = sandbox({ 'ordo.yaml': '', 'tick.yaml': TICK_FLOW }, { DATABASE_URL: db.url, ...opts.env });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const servers: CliProcess[] = [];
  const add = () => {
    const p = box.start(['server', '--listen', '127.0.0.1:0', '--log-format', 'json', '--anonymous', 'user'], { timeoutMs: opts.lifetimeMs ?? 600_000 });
    servers.push(p);
    return p;
  };
  const fires = async (): Promise<Fire[]> => (await rowsOf(pool,
    "SELECT id, at, state, run_id, created_at, reason FROM fires WHERE flow = 'tick' ORDER BY at")).map((r) => ({
    id: Number(r.id), at: Number(r.at), state: String(r.state), runId: r.run_id === null ? null : Number(r.run_id),
    createdAt: Number(r.created_at), reason: r.reason === null ? null : String(r.reason),
  }));
  const leader = async (): Promise<Leader | undefined> => {
    const rows = await rowsOf(pool,
      "SELECT holder, fence, granted_at FROM leases WHERE name = 'ordo:scheduler' AND released_at IS NULL AND expires_at > $1", [Date.now()]);
    const row = rows[0] as { holder: string; fence: string; granted_at: string } | undefined;
    return row ? { holder: row.holder, fence: Number(row.fence), pid: holderPid(row.holder), grantedAt: Number(row.granted_at) } : undefined;
  };
  const count = async () => Number((await rowsOf(pool, "SELECT COUNT(*) AS n FROM fires WHERE flow = 'tick'"))[0]?.n ?? 0);
  const cluster: Cluster = {
    box, db, pool, servers, add, leader, fires,
    waitLeader: (not, timeoutMs = 60_000) => poll('a leader', async () => {
      const l = await leader();
      return l && l.holder !== not ? l : undefined;
    }, { timeoutMs, intervalMs: 50 }),
    async waitFires(n, timeoutMs = 60_000) {
      const target = (await count()) + n;
      await poll(`${n} more fires`, async () => ((await count()) >= target ? true : undefined), { timeoutMs, intervalMs: 100 });
    },
    async close() {
      await Promise.all(servers.map((s) => {
        if (s.child.signalCode === null && s.child.exitCode === null) s.child.kill('SIGCONT');
        return s.stop(5_000);
      }));
      await pool.end();
      await db.release();
      box.cleanup();
    },
  };
  for (let i = 0; i < opts.servers; i++) add();
  try {
    await poll(`${opts.servers} servers registered`, async () => {
      const [row] = await rowsOf(pool, 'SELECT COUNT(*) AS n FROM servers WHERE stopped_at IS NULL');
      return Number(row?.n ?? 0) >= opts.servers ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100, seen: () => servers.map((s) => s.stderr().slice(-1500)).join('\n---\n') });
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

export interface Failover {
  how: 'SIGKILL' | 'SIGSTOP';
  old: Leader;
  next: Leader;
  /** From the signal to the first fire the next leader recorded. */
  gapMs: number;
  /** From the signal to the next leader's election (its lease row). */
  electedMs: number;
  /** The server signalled. */
  process: CliProcess;
}

/**
 * Signals the leader (SIGKILL: it dies, and a server on this host sees its pid gone at once; SIGSTOP: it
 * freezes, as a leader cut off from the database would, and the lease must run out) and waits for the next
 * leader's first fire. A stopped leader is left stopped: the caller continues or kills it.
 */
export async function failover(c: Cluster, how: Failover['how'], timeoutMs = 60_000): Promise<Failover> {
  const old = await c.waitLeader(undefined, timeoutMs);
  const victim = c.servers.find((s) => s.child.pid === old.pid);
  if (!victim) throw new Error(`the leader ${old.holder} is not one of the cluster's servers`);
  const signalled = Date.now();
  victim.child.kill(how);
  const next = await c.waitLeader(old.holder, timeoutMs);
  const electedMs = next.grantedAt - signalled;
  const first = await poll('the next leader\'s first fire', async () => {
    const { rows } = await c.pool.query("SELECT MIN(created_at) AS t FROM fires WHERE flow = 'tick' AND created_at >= $1", [next.grantedAt]);
    const t = (rows[0] as { t: string | null }).t;
    return t === null ? undefined : Number(t);
  }, { timeoutMs, intervalMs: 50 });
  return { how, old, next, gapMs: first - signalled, electedMs, process: victim };
}
