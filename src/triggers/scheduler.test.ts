import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FlowDef } from '../defs/model.js';
import { lockResource } from '../engine/resources.js';
import { FireStore } from '../store/fires.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { compileProject, FakeClock, memoryStore } from '../testkit/index.js';
import { Launcher } from './launcher.js';
import { TriggerScheduler, type PlanSource } from './scheduler.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
const day = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Fires at every full hour; the business date is the UTC day (enough to test the scheduler's rules). */
const hourly: PlanSource = {
  next: (after) => {
    const at = Math.floor(after / HOUR) * HOUR + HOUR;
    return { at, businessDate: day(at) };
  },
  between: (from, to, limit) => {
    const out = [];
    for (let at = Math.ceil(from / HOUR) * HOUR; at <= to && out.length < limit; at += HOUR) out.push({ at, businessDate: day(at) });
    return out;
  },
};

interface World {
  store: OrdoStore;
  fires: FireStore;
  clock: FakeClock;
  flows: Map<string, FlowDef>;
  scheduler(): TriggerScheduler;
  runs(flow?: string): Promise<Array<{ id: number; state: string; businessDate: string | null }>>;
}

async function world(flowYaml: string, extra = '', projectDir = tmpdir()): Promise<World> {
  const project = await compileProject({ 'ordo.yaml': 'gates: [released]\n', 'f.yaml': flowYaml, ...(extra ? { 'g.yaml': extra } : {}) });
  const store = await memoryStore();
  const fires = new FireStore(store.sql);
  const clock = new FakeClock(T0);
  const launcher = new Launcher({ store, fires, now: () => clock.now(), ownerAlive: () => false });
  return {
    store, fires, clock, flows: project.flows,
    scheduler: () => {
      const s = new TriggerScheduler({
        store, fires, launcher, clock, flows: project.flows, planOf: () => hourly, projectDir, pollMs: 1000, random: () => 0.5,
      });
      clock.onIdle(() => s.idle());
      return s;
    },
    runs: async (flow) => (await store.listRuns({ flow, limit: 100 })).reverse().map((r) => ({ id: r.id, state: r.state, businessDate: r.businessDate })),
  };
}

const FLOW = (extra = '') => `flow: nightly
params:
  business_date: { type: string, default: "2000-01-01" }
triggers:
  - cron: "0 * * * *"
${extra}jobs:
  a: { kind: noop }
`;

test('a plan fires at its instants; each run carries its business date and fire', async () => {
  const w = await world(FLOW('runsPerBusinessDate: many\noverlap: allow\n'));
  const s = w.scheduler();
  await s.start();
  await w.clock.advance(3 * HOUR);
  await s.stop();
  const runs = await w.runs();
  assert.equal(runs.length, 3);
  assert.deepEqual(runs.map((r) => r.businessDate), ['2026-01-05', '2026-01-05', '2026-01-05']);
  const run = await w.store.getRun(runs[0]!.id);
  assert.equal(run!.params.business_date, '2026-01-05');
  const fires = await w.fires.list('nightly', 10);
  assert.deepEqual(fires.map((f) => f.state), ['started', 'started', 'started']);
  assert.deepEqual(fires.map((f) => f.at).reverse(), [T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]);
});

test('one run per business date unless runsPerBusinessDate: many; overlap skip', async () => {
  const w = await world(FLOW('overlap: allow\n'));
  const s = w.scheduler();
  await s.start();
  await w.clock.advance(2 * HOUR);
  await s.stop();
  assert.equal((await w.runs()).length, 1);
  const [second] = await w.fires.list('nightly', 1);
  assert.equal(second!.state, 'skipped');
  assert.match(second!.reason!, /already has run 1/);

  const v = await world(FLOW('runsPerBusinessDate: many\n'));
  const s2 = v.scheduler();
  await s2.start();
  await v.clock.advance(2 * HOUR);
  await s2.stop();
  assert.equal((await v.runs()).length, 1, 'overlap: skip while the first run is unfinished');
  assert.match((await v.fires.list('nightly', 1))[0]!.reason!, /still going/);
});

test('overlap: queue-one keeps the newest fire, queue-all all of them, cancel-previous aborts', async () => {
  const q1 = await world(FLOW('runsPerBusinessDate: many\noverlap: queue-one\n'));
  let s = q1.scheduler();
  await s.start();
  await q1.clock.advance(3 * HOUR);
  await s.stop();
  assert.deepEqual((await q1.fires.list('nightly', 10)).map((f) => f.state), ['queued', 'superseded', 'started']);

  const qa = await world(FLOW('runsPerBusinessDate: many\noverlap: queue-all\n'));
  s = qa.scheduler();
  await s.start();
  await qa.clock.advance(3 * HOUR);
  assert.deepEqual((await qa.fires.list('nightly', 10)).map((f) => f.state), ['queued', 'queued', 'started']);
  // When the running one ends, the oldest queued fire starts.
  await qa.store.sql.run("UPDATE runs SET state = 'succeeded' WHERE id = 1");
  await qa.clock.advance(1000);
  await s.stop();
  assert.deepEqual((await qa.fires.list('nightly', 10)).map((f) => f.state), ['queued', 'started', 'started']);

  const cp = await world(FLOW('runsPerBusinessDate: many\noverlap: cancel-previous\n'));
  s = cp.scheduler();
  await s.start();
  await cp.clock.advance(2 * HOUR);
  await s.stop();
  assert.deepEqual((await cp.runs()).map((r) => r.state), ['aborted', 'pending']);
});

test('catch-up after downtime: none, latest, or all within the window (capped)', async () => {
  for (const [policy, expected] of [['none', 0], ['latest', 1], ['all', 3]] as const) {
    const w = await world(FLOW(`runsPerBusinessDate: many\noverlap: allow\ncatchup: { policy: ${policy}, window: 1d, max: 3 }\n`));
    await w.fires.record({ flow: 'nightly', triggerKey: 'cron:0 * * * *@UTC', at: T0 - 10 * HOUR, businessDate: '2026-01-04', state: 'started' }, T0);
    w.clock.set(T0 + 5 * HOUR + 1);
    const s = w.scheduler();
    await s.start();
    await s.stop();
    assert.equal((await w.runs()).length, expected, policy);
  }
});

test('a restart during a due fire neither loses nor doubles it', async () => {
  const w = await world(FLOW());
  // A scheduler recorded the fire and died before creating its run.
  await w.fires.record({ flow: 'nightly', triggerKey: 'cron:0 * * * *@UTC', at: T0, businessDate: '2026-01-05', state: 'firing' }, T0);
  for (let i = 0; i < 2; i++) {
    const s = w.scheduler();
    await s.start();
    await s.stop();
  }
  const runs = await w.runs();
  assert.equal(runs.length, 1);
  const [fire] = await w.fires.list('nightly', 10);
  assert.equal(fire!.state, 'started');
  assert.equal(fire!.runId, runs[0]!.id);
  // Two schedulers racing for the same instant: one fire.
  const launcherB = new Launcher({ store: w.store, fires: w.fires, now: () => w.clock.now(), ownerAlive: () => false });
  const [x, y] = await Promise.all([
    launcherB.fire(w.flows.get('nightly')!, 'cron:0 * * * *@UTC', { at: T0 + HOUR, businessDate: '2026-01-06' }),
    launcherB.fire(w.flows.get('nightly')!, 'cron:0 * * * *@UTC', { at: T0 + HOUR, businessDate: '2026-01-06' }),
  ]);
  assert.equal([x, y].filter(Boolean).length, 1);
});

test('pause records fires as skipped; resume lets them start again', async () => {
  const w = await world(FLOW('runsPerBusinessDate: many\noverlap: allow\n'));
  await w.fires.setPaused('nightly', true, 'test', T0);
  const s = w.scheduler();
  await s.start();
  await w.clock.advance(HOUR);
  await w.fires.setPaused('nightly', false, 'test', w.clock.now());
  await w.clock.advance(HOUR);
  await s.stop();
  assert.deepEqual((await w.fires.list('nightly', 10)).map((f) => [f.state, f.reason]),
    [['started', null], ['skipped', 'the schedule is paused']]);
});

test('a gate opening, another flow\'s run ending and a settled file trigger runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-trig-'));
  try {
    const w = await world(`flow: downstream
triggers:
  - gate: released
  - after: { flow: upstream, state: succeeded }
  - file: { path: "in/*.csv", settle: 2s }
runsPerBusinessDate: many
overlap: allow
jobs:
  a: { kind: noop }
`, 'flow: upstream\njobs:\n  u: { kind: noop }\n', dir);
    const s = w.scheduler();
    await s.start();
    await w.store.setResourceClosed(lockResource('released'), false, null, 'test', w.clock.now());
    await w.clock.advance(1000);
    assert.equal((await w.runs('downstream')).length, 1, 'the gate opened');
    await w.clock.advance(3000);
    assert.equal((await w.runs('downstream')).length, 1, 'one fire per opening');

    await w.store.appendEvents([{ at: w.clock.now(), runId: 99, kind: 'run_failed' }]);
    const up = await w.store.createRun({ flowVersionId: (await w.store.saveFlowVersion(w.flows.get('upstream')!, 'x', T0)).id,
      flow: 'upstream', params: {}, jobs: ['u'], at: T0, businessDate: '2026-01-02' });
    await w.store.appendEvents([{ at: w.clock.now(), runId: up.id, kind: 'run_succeeded' }]);
    await w.clock.advance(1000);
    const after = (await w.runs('downstream')).at(-1)!;
    assert.equal(after.businessDate, '2026-01-02', 'same business date as the upstream run');

    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'a.csv'), 'x');
    writeFileSync(join(dir, 'in', 'skip.txt'), 'x');
    await w.clock.advance(1000);
    assert.equal((await w.runs('downstream')).length, 2, 'not settled yet');
    await w.clock.advance(3000);
    assert.equal((await w.runs('downstream')).length, 3, 'settled: one run');
    await w.clock.advance(3000);
    assert.equal((await w.runs('downstream')).length, 3, 'the same file version fires once');
    const fileFire = (await w.fires.list('downstream', 10)).find((f) => f.triggerKey.startsWith('file:'));
    assert.equal(fileFire?.triggerKey, 'file:in/*.csv#in/a.csv', 'the fire names the file relative to the project');
    await s.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('backfill fires queue and start one at a time, below normal priority', async () => {
  const w = await world(FLOW('runsPerBusinessDate: one\n'));
  const launcher = new Launcher({ store: w.store, fires: w.fires, now: () => w.clock.now(), ownerAlive: () => false });
  const flow = w.flows.get('nightly')!;
  for (const d of ['2025-12-01', '2025-12-02', '2025-12-03']) await launcher.queue(flow, 'backfill:cron', { at: Date.parse(`${d}T18:00:00Z`), businessDate: d });
  await launcher.drain(w.flows);
  await launcher.drain(w.flows);
  let runs = await w.runs();
  assert.deepEqual(runs.map((r) => r.businessDate), ['2025-12-01']);
  assert.equal((await w.store.getRun(runs[0]!.id))!.priority, -10);
  await w.store.sql.run("UPDATE runs SET state = 'succeeded'");
  await launcher.drain(w.flows);
  runs = await w.runs();
  assert.deepEqual(runs.map((r) => r.businessDate), ['2025-12-01', '2025-12-02']);
});
