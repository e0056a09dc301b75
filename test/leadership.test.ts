/**
 * Leadership among servers on one store (docs/servers.md), on SQLite and PostgreSQL: one server leads; the
 * lease passes on when the leader stops, runs out (a frozen leader) or belongs to a dead process on this host;
 * the fence refuses the writes of a leader that lost the lease; `servers.list`'s view says who leads and what
 * each server owns. Members here turn only when the test says so (their loop's tick is an hour).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { flowFingerprint } from '../src/defs/version.js';
import { OrdoError } from '../src/errors.js';
import { LEADER_LEASE, Leadership } from '../src/server/leadership.js';
import { serversView } from '../src/server/servers-view.js';
import { FireStore } from '../src/store/fires.js';
import { LeaseStore } from '../src/store/leases.js';
import type { OrdoStore } from '../src/store/ordo-store.js';
import { compileFlows } from '../src/testkit/index.js';
import { Launcher } from '../src/triggers/launcher.js';
import { BACKENDS } from './support/backends.js';
import { poll } from './support/wait.js';

const LEASE_MS = 1000;

interface Member {
  id: string;
  clock: { t: number };
  log: string[];
  leadership: Leadership;
}

function member(store: OrdoStore, id: string, log: string[] = []): Member {
  const clock = { t: Date.now() };
  const leadership = new Leadership({
    db: store.sql, server: { id, version: 'test', apiUrl: null }, timing: { leaseMs: LEASE_MS, everyMs: 3_600_000 }, now: () => clock.t,
    onElected: async (term) => void log.push(`${id} elected ${term.fence}`),
    onDeposed: async (term) => void log.push(`${id} deposed ${term.fence}`),
  });
  return { id, clock, log, leadership };
}

/** Read through a call: the checks between turns must not narrow it. */
const termOf = (m: Member) => m.leadership.term;

const refused = (err: unknown) => err instanceof OrdoError && err.code === 'ORDO_NOT_LEADER';

/** A pid that belonged to a process of this host and is now free (the process exited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

for (const backend of BACKENDS) {
  describe(`leadership on ${backend.name}`, () => {
    let store: OrdoStore;
    let release: () => Promise<void>;
    before(async () => {
      ({ store, release } = await backend.open());
    });
    after(async () => release());

    test('one server leads; when it stops, the next one to turn leads with a higher fence', async () => {
      const a = member(store, 'h/1/a');
      const b = member(store, 'h/2/b');
      await a.leadership.start();
      await b.leadership.start();
      const first = a.leadership.term?.fence;
      assert.ok(first !== undefined, 'the first server leads at once');
      assert.equal(termOf(b), null);
      const view = await serversView(store.sql, Date.now(), { silentAfterMs: LEASE_MS });
      assert.deepEqual(view.servers.map((s) => [s.id, s.state, s.leader]), [['h/1/a', 'up', true], ['h/2/b', 'up', false]]);
      assert.equal(view.lease?.server, 'h/1/a');
      assert.equal(view.lease?.held, true);

      await a.leadership.stop();
      await b.leadership.turn();
      assert.equal(termOf(b)?.fence, first + 1);
      assert.deepEqual(a.log, [`h/1/a elected ${first}`, `h/1/a deposed ${first}`]);
      const later = await serversView(store.sql, Date.now(), { silentAfterMs: LEASE_MS });
      assert.deepEqual(later.servers.map((s) => [s.id, s.leader]), [['h/2/b', true]], 'a stopped server is not listed');
      const all = await serversView(store.sql, Date.now(), { silentAfterMs: LEASE_MS, all: true });
      assert.deepEqual(all.servers.map((s) => [s.id, s.state]), [['h/1/a', 'stopped'], ['h/2/b', 'up']]);
      await b.leadership.stop();
    });

    test('a leader frozen past its lease is replaced; its scheduler writes are refused, then it steps down', async () => {
      const flows = await compileFlows({ 'ordo.yaml': '', 'f.yaml': 'flow: tick\njobs:\n  a: { kind: noop }\n' });
      const flow = flows.get('tick')!;
      const fires = new FireStore(store.sql);
      const a = member(store, 'h/1/frozen');
      const b = member(store, 'h/2/next');
      await a.leadership.start();
      await b.leadership.start();
      const old = a.leadership.term!;
      // a stops turning (frozen); b's clock passes the end of a's lease.
      b.clock.t += LEASE_MS + 1;
      await b.leadership.turn();
      const next = b.leadership.term!;
      assert.equal(next.fence, old.fence + 1);

      const launcherOf = (guard: typeof old.guard, now: () => number) =>
        new Launcher({ store, fires, now, ownerAlive: () => false, guard });
      const stale = launcherOf(old.guard, () => a.clock.t);
      await assert.rejects(stale.fire(flow, 'cron:x', { at: 1000, businessDate: '2026-01-05' }), refused);
      assert.deepEqual(await fires.list('tick', 10), [], 'the frozen leader recorded no fire');

      const fresh = launcherOf(next.guard, () => b.clock.t);
      const fired = await fresh.fire(flow, 'cron:x', { at: 1000, businessDate: '2026-01-05' });
      assert.equal(fired?.state, 'started');
      assert.equal((await store.listRuns({ flow: 'tick' })).length, 1);

      // Woken, a finds at its next turn that the lease moved on, and stops its duties.
      await a.leadership.turn();
      assert.equal(termOf(a), null);
      assert.deepEqual(a.log.slice(-1), [`h/1/frozen deposed ${old.fence}`]);
      await a.leadership.stop();
      await b.leadership.stop();
    });

    test('a run is created under the fence in the same transaction: a lost lease refuses the run, and the fire stays to be completed', async () => {
      const flows = await compileFlows({ 'ordo.yaml': '', 'f.yaml': 'flow: late\njobs:\n  a: { kind: noop }\n' });
      const fires = new FireStore(store.sql);
      const a = member(store, 'h/1/slow');
      await a.leadership.start();
      const term = a.leadership.term!;
      // The fire is recorded under the fence; the lease is lost before its run is created.
      const recorded = await fires.record({ flow: 'late', triggerKey: 'cron:y', at: 2000, businessDate: null, state: 'firing' }, a.clock.t);
      a.clock.t += LEASE_MS + 1;
      const launcher = new Launcher({ store, fires, now: () => a.clock.t, ownerAlive: () => false, guard: term.guard });
      await assert.rejects(launcher.recover(flows), refused);
      assert.equal((await store.listRuns({ flow: 'late' })).length, 0, 'no run without the lease');
      assert.equal((await fires.inState('firing', 'late'))[0]?.id, recorded!.id, 'the fire waits for the next leader');
      // The next leader completes it at its start.
      await a.leadership.turn();
      const renewed = a.leadership.term!;
      assert.equal(renewed.fence, term.fence + 1, 'a lease that ran out on its holder\'s clock is over: it is taken again with a new fence');
      const next = new Launcher({ store, fires, now: () => a.clock.t, ownerAlive: () => false, guard: renewed.guard });
      await next.recover(flows);
      const runs = await store.listRuns({ flow: 'late' });
      assert.equal(runs.length, 1);
      assert.equal((await fires.list('late', 10))[0]?.runId, runs[0]!.id);
      await a.leadership.stop();
    });

    test('a leader frozen inside a fenced write holds the next one up only until its session is cut off', async (t) => {
      if (!store.sql.caps.idleTxTimeout) return t.skip('the backend runs one write transaction at a time: nothing to overtake');
      const a = member(store, 'h/1/stuck');
      const b = member(store, 'h/2/waits');
      await a.leadership.start();
      await b.leadership.start();
      const term = a.leadership.term!;
      let guarded = false;
      let wake!: () => void;
      const frozen = store.sql.transaction(async (tx) => {
        await term.guard(tx);
        guarded = true;
        await new Promise<void>((resolve) => (wake = resolve));
        await tx.query('SELECT 1 AS one');
      });
      await poll('the fenced write to hold the lease row', () => (guarded ? true : undefined), { timeoutMs: 10_000, intervalMs: 10 });
      b.clock.t += LEASE_MS + 1;
      // b's grant waits for the row lock; the server ends a's session after LEASE_MS of silence.
      await b.leadership.turn();
      assert.equal(termOf(b)?.fence, term.fence + 1);
      wake();
      await assert.rejects(frozen, 'the frozen write cannot commit');
      await a.leadership.stop();
      await b.leadership.stop();
    });

    test('the lease of a dead process on this host is taken at once', async () => {
      const leases = new LeaseStore(store.sql);
      const gone = `${hostname()}/${await deadPid()}/dead`;
      const now = Date.now();
      const held = await leases.get(LEADER_LEASE);
      // The lease as a server that died holding it would have left it: held for another hour.
      await store.sql.run('UPDATE leases SET holder = ?, released_at = NULL, expires_at = ?, fence = fence + 1 WHERE name = ?',
        [gone, now + 3_600_000, LEADER_LEASE]);
      const b = member(store, 'h/2/heir');
      await b.leadership.start();
      assert.equal(b.leadership.term?.fence, held!.fence + 2);
      await b.leadership.stop();
    });

    test('servers.list counts the open runs each server owns', async () => {
      const flows = await compileFlows({ 'ordo.yaml': '', 'f.yaml': 'flow: owned\njobs:\n  a: { kind: noop }\n' });
      const def = flows.get('owned')!;
      const v = await store.saveFlowVersion(def, flowFingerprint(def), 1);
      const a = member(store, 'h/1/owner');
      await a.leadership.start();
      for (let i = 0; i < 2; i++) {
        const run = await store.createRun({ flowVersionId: v.id, flow: 'owned', params: {}, jobs: ['a'], at: 1 });
        assert.equal(await store.adoptRun(run.id, 'h/1/owner', Date.now(), 0, []), true);
      }
      const view = await serversView(store.sql, Date.now(), { silentAfterMs: LEASE_MS });
      assert.deepEqual(view.servers.map((s) => [s.id, s.runs, s.leader]), [['h/1/owner', 2, true]]);
      // Silent: no heartbeat for longer than the lease.
      const silent = await serversView(store.sql, Date.now() + 2 * LEASE_MS, { silentAfterMs: LEASE_MS });
      assert.deepEqual(silent.servers.map((s) => [s.state, s.leader]), [['silent', false]]);
      await a.leadership.stop();
    });
  });
}
