/**
 * Fail-over among 3 real `ordo server` processes on one PostgreSQL (docs/servers.md), with a schedule that
 * fires every second: the leader is killed (SIGKILL) twice and frozen (SIGSTOP) once. Each time the next
 * leader fires within 5 s; at the end every instant from the first fire to the pause has exactly one fire
 * and that fire exactly one run (none doubled, none lost: the flow's catch-up is `all`), every run
 * succeeded, and the runs the killed leaders owned were adopted by the others. The frozen leader, woken,
 * steps down without writing. `ordo servers` lists the servers and the leader, locally and over the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describeResult } from './support/cli.js';
import { failover, startCluster, type Cluster, type Failover } from './support/cluster.js';
import { poll } from './support/wait.js';
import type { ServersView } from '../src/server/servers-view.js';

const FAILOVER_BOUND_MS = 5_000;

describe('three servers on one PostgreSQL', () => {
  let c: Cluster;
  const failovers: Failover[] = [];
  before(async () => {
    // Run owners' lease short too, so that the frozen leader's runs are adopted soon.
    c = await startCluster({ servers: 3, env: { ORDO_LEASE_MS: '3000' } });
  });
  after(async () => c.close());

  test('all three register; one leads; ordo servers shows them, from the store and from a server', async () => {
    await c.waitLeader();
    await c.waitFires(2);
    const view = await poll('three servers up', async () => {
      const r = await c.box.ordo(['servers', '--json']);
      assert.equal(r.code, 0, describeResult(['servers', '--json'], r));
      const v = JSON.parse(r.stdout) as ServersView;
      return v.servers.filter((s) => s.state === 'up').length === 3 ? v : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    assert.equal(view.servers.filter((s) => s.leader).length, 1);
    assert.equal(view.lease?.held, true);
    const pids = c.servers.map((s) => s.child.pid);
    assert.deepEqual(view.servers.map((s) => s.pid).sort(), [...pids].sort());

    const url = view.servers[0]!.apiUrl!;
    const remote = await c.box.ordo(['servers', '--server', url]);
    assert.equal(remote.code, 0, describeResult(['servers', '--server', url], remote));
    assert.match(remote.stdout, new RegExp(`^leader: ${view.lease!.server.replace(/[/.]/g, '\\$&')} \\(fence \\d+\\), leading for`));
    assert.equal(remote.stdout.split('\n').filter((l) => / up +leader /.test(l)).length, 1, remote.stdout);
  });

  test('the leader killed twice: the next leader fires within 5 s, and the killed leader\'s runs are adopted', async () => {
    for (let round = 0; round < 2; round++) {
      const f = await failover(c, 'SIGKILL');
      failovers.push(f);
      assert.ok(f.next.fence > f.old.fence);
      assert.ok(f.gapMs <= FAILOVER_BOUND_MS, `the next leader fired ${f.gapMs} ms after the kill`);
      await f.process.exited;
      c.add();
      await c.waitFires(3);
    }
    // Every run a killed leader owned when it died was taken over by another server.
    for (const f of failovers) {
      await poll(`the runs of ${f.old.holder} adopted`, async () => {
        const r = await c.pool.query("SELECT COUNT(*) AS n FROM runs WHERE owner = $1 AND state IN ('pending', 'running')", [f.old.holder]);
        return Number(r.rows[0].n) === 0 ? true : undefined;
      }, { timeoutMs: 30_000, intervalMs: 200 });
    }
    const { rows } = await c.pool.query("SELECT COUNT(*) AS n FROM events WHERE kind = 'run_adopted'");
    process.stderr.write(`runs adopted so far: ${rows[0].n}\n`);
  });

  test('the leader frozen: the next leader fires within 5 s; woken, the old one steps down without writing', async () => {
    const f = await failover(c, 'SIGSTOP');
    failovers.push(f);
    assert.ok(f.gapMs <= FAILOVER_BOUND_MS, `the next leader fired ${f.gapMs} ms after the freeze`);
    await c.waitFires(2);
    const before = f.process.stderr().length;
    f.process.child.kill('SIGCONT');
    await poll('the woken leader to step down', async () =>
      f.process.stderr().includes('"msg":"leadership: this server no longer leads"') ? true : undefined,
    { timeoutMs: 30_000, intervalMs: 100, seen: () => f.process.stderr().slice(-2000) });
    await c.waitFires(2);
    assert.doesNotMatch(f.process.stderr().slice(before), /"msg":"trigger fired"/, 'the woken server created no run');
    assert.equal((await c.leader())?.holder, f.next.holder, 'the woken server did not take the lead back');
  });

  test('no fire doubled, none lost, every run succeeded', async () => {
    const pause = await c.box.ordo(['pause', 'tick']);
    assert.equal(pause.code, 0, describeResult(['pause', 'tick'], pause));
    const pausedAt = Date.now();
    await poll('every run ended', async () => {
      const { rows } = await c.pool.query("SELECT COUNT(*) AS n FROM runs WHERE state IN ('pending', 'running')");
      return Number(rows[0].n) === 0 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const fires = (await c.fires()).filter((f) => !(f.state === 'skipped' && f.createdAt >= pausedAt));
    assert.ok(fires.length >= 10, `only ${fires.length} fires`);
    for (let i = 1; i < fires.length; i++) {
      assert.equal(fires[i]!.at - fires[i - 1]!.at, 1000, `instants ${fires[i - 1]!.at} and ${fires[i]!.at}: one lost or doubled`);
    }
    assert.deepEqual(fires.filter((f) => f.state !== 'started'), [], 'every fire started a run');
    const { rows: runs } = await c.pool.query('SELECT fire_id, state FROM runs');
    const perFire = new Map<number, number>();
    for (const r of runs as Array<{ fire_id: string; state: string }>) perFire.set(Number(r.fire_id), (perFire.get(Number(r.fire_id)) ?? 0) + 1);
    assert.equal(runs.length, fires.length, 'one run per fire');
    for (const f of fires) assert.equal(perFire.get(f.id), 1, `fire ${f.id} at ${f.at}`);
    assert.deepEqual((runs as Array<{ state: string }>).filter((r) => r.state !== 'succeeded'), []);
    const gaps = failovers.map((f) => `${f.how} ${f.gapMs} ms (elected after ${f.electedMs} ms)`);
    process.stderr.write(`fail-overs: ${gaps.join(', ')}\n`);
  });
});
