/**
 * Fail-over of the scheduler among 3 real `ordo server` processes on one PostgreSQL (docs/servers.md), with a
 * schedule that fires every second. Each round signals the leader and measures, from the signal, when the
 * next leader was elected (its lease's grant) and when it recorded its first fire:
 *   - SIGKILL: the leader dies; the others, on the same host, see its pid gone and take the lease at once;
 *   - SIGSTOP: the leader freezes (as one cut off from the database, or on another host, would look): the
 *     lease must run out (ORDO_LEADER_LEASE_MS, 3 s by default). It is then woken (it steps down) and stays.
 * A killed server is replaced, so that 3 run at every round. At the end the fires are checked: one per
 * second from the first to the last, each with one run. Writes bench/failover-results.json.
 *   node dist/bench/failover.js [--rounds 20] [--kinds SIGKILL,SIGSTOP]
 */
import { writeFileSync } from 'node:fs';
import { repoPath } from '../src/paths.js';
import { failover, startCluster, type Cluster, type Failover } from '../test/support/cluster.js';
import { poll } from '../test/support/wait.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const rounds = Number(arg('--rounds', '20'));
const kinds = arg('--kinds', 'SIGKILL,SIGSTOP').split(',') as Array<Failover['how']>;

interface Summary { min: number; median: number; max: number }

function summary(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median: Math.round(median), max: s[s.length - 1]! };
}

/** After a round: a killed leader is replaced; a frozen one is woken and must step down. */
async function settle(c: Cluster, f: Failover): Promise<void> {
  if (f.how === 'SIGKILL') {
    await f.process.exited;
    c.add();
  } else {
    f.process.child.kill('SIGCONT');
    await poll('the woken leader to step down', async () =>
      (f.process.stderr().includes('"msg":"leadership: this server no longer leads"') ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
  }
  await poll('3 servers up', async () => {
    const { rows } = await c.pool.query('SELECT COUNT(*) AS n FROM servers WHERE stopped_at IS NULL AND heartbeat_at > $1', [Date.now() - 1000]);
    return Number(rows[0].n) >= 3 ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  await c.waitFires(2);
}

async function checkFires(c: Cluster): Promise<{ fires: number; gaps: number; doubled: number; withoutRun: number }> {
  const fires = await c.fires();
  let gaps = 0;
  for (let i = 1; i < fires.length; i++) if (fires[i]!.at - fires[i - 1]!.at !== 1000) gaps++;
  const { rows } = await c.pool.query('SELECT fire_id, COUNT(*) AS n FROM runs GROUP BY fire_id');
  const perFire = new Map((rows as Array<{ fire_id: string; n: string }>).map((r) => [Number(r.fire_id), Number(r.n)]));
  return {
    fires: fires.length, gaps,
    doubled: [...perFire.values()].filter((n) => n > 1).length,
    withoutRun: fires.filter((f) => f.state === 'started' && perFire.get(f.id) !== 1).length,
  };
}

const c = await startCluster({ servers: 3, lifetimeMs: 60 * 60 * 1000 });
const results: Record<string, { rounds: number; firstFireMs: Summary; electedMs: Summary; each: Array<{ firstFireMs: number; electedMs: number }> }> = {};
try {
  await c.waitLeader();
  await c.waitFires(3);
  for (const how of kinds) {
    const each: Array<{ firstFireMs: number; electedMs: number }> = [];
    for (let i = 0; i < rounds; i++) {
      const f = await failover(c, how);
      each.push({ firstFireMs: f.gapMs, electedMs: f.electedMs });
      process.stderr.write(`${how} ${i + 1}/${rounds}: elected after ${f.electedMs} ms, first fire after ${f.gapMs} ms\n`);
      await settle(c, f);
    }
    results[how] = { rounds, firstFireMs: summary(each.map((e) => e.firstFireMs)), electedMs: summary(each.map((e) => e.electedMs)), each };
  }
  await c.waitFires(2);
  const check = await checkFires(c);
  const out = {
    date: new Date().toISOString(), node: process.version, servers: 3, schedule: 'every second, catch-up all',
    leaderLeaseMs: Number(process.env.ORDO_LEADER_LEASE_MS) || 3000, command: `node dist/bench/failover.js ${args.join(' ')}`.trim(), results, check,
  };
  writeFileSync(repoPath('bench', 'failover-results.json'), JSON.stringify(out, null, 2) + '\n');
  for (const [how, r] of Object.entries(results)) {
    process.stdout.write(`${how.padEnd(8)} ${r.rounds} fail-overs: first fire of the next leader min ${r.firstFireMs.min} / median ${r.firstFireMs.median} / max ${r.firstFireMs.max} ms; ` +
      `elected min ${r.electedMs.min} / median ${r.electedMs.median} / max ${r.electedMs.max} ms\n`);
  }
  process.stdout.write(`fires: ${check.fires}, instants missing ${check.gaps}, fires with two runs ${check.doubled}, started fires without exactly one run ${check.withoutRun}\n`);
} finally {
  await c.close();
}
