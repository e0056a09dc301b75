/**
 * Dispatch scenarios on a fake clock (locks, gates, connectors, priorities, critical path, deadlines, load),
 * shared by the unit tests (SQLite in memory) and the integration tests (PostgreSQL).
 */
import assert from 'node:assert/strict';
import type { FlowDef } from '../../src/defs/model.js';
import { catalogOf, lockResource, connectorResource } from '../../src/engine/resources.js';
import type { EngineStore } from '../../src/engine/store.js';
import { compileProject, createTestKit, type TestKit, type TestKitOptions } from '../../src/testkit/index.js';

export interface Interval {
  job: string;
  start: number;
  end: number;
}

/** Attempt intervals of a run from the store (fake-clock times), ordered by start. */
export async function intervals(store: EngineStore, runId: number): Promise<Interval[]> {
  const out: Interval[] = [];
  for (const t of await store.getTasks(runId)) {
    for (const a of await store.getAttempts(t.id)) out.push({ job: t.job, start: a.startedAt, end: a.endedAt ?? Infinity });
  }
  return out.sort((a, b) => a.start - b.start || a.job.localeCompare(b.job));
}

/** Most intervals overlapping at any instant, among those of `jobs`. */
export function maxOverlap(list: Interval[], jobs?: string[]): number {
  const chosen = jobs ? list.filter((i) => jobs.includes(i.job)) : list;
  const points = chosen.flatMap((i) => [[i.start, 1], [i.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (now += d));
  return max;
}

export async function setup(settingsYaml: string, flowYaml: string, opts: TestKitOptions = {}): Promise<{ kit: TestKit; def: FlowDef }> {
  const project = await compileProject({ 'ordo.yaml': settingsYaml, 'flow.yaml': flowYaml });
  const kit = await createTestKit({ pollMs: 100, ...opts, catalog: catalogOf(project.settings) });
  return { kit, def: [...project.flows.values()][0]! };
}

const order = (list: Interval[]) => list.map((i) => i.job);

export function resourceScenarios(storeFactory?: () => Promise<EngineStore>): Array<[string, () => Promise<void>]> {
  const withStore = async (o: TestKitOptions = {}): Promise<TestKitOptions> => (storeFactory ? { ...o, store: await storeFactory() } : o);
  return [
    ['exclusive locks serialise; shared locks run together; an exclusive waiter is not overtaken by later shared users', async () => {
      const { kit, def } = await setup('', `flow: f
jobs:
  r1: { shell: x, locks: [{ name: db, mode: shared }], estimate: 1s }
  w:  { shell: x, locks: [db], estimate: 1s }
  r2: { shell: x, locks: [{ name: db, mode: shared }], estimate: 1s, priority: 1 }
  r3: { shell: x, locks: [{ name: db, mode: shared }], after: [r1], estimate: 1s }
`, await withStore({ script: { r1: [{ durationMs: 1000 }], r2: [{ durationMs: 3000 }], w: [{ durationMs: 1000 }], r3: [{ durationMs: 1000 }] } }));
      try {
        const { runId, done } = await kit.start(def);
        await kit.finish(done, 100);
        const list = await intervals(kit.store, runId);
        // r1 and r2 share; w waits for both; r3 (ready after r1) must not overtake the waiting writer.
        const byJob = Object.fromEntries(list.map((i) => [i.job, i]));
        assert.equal(byJob.r1!.start, byJob.r2!.start);
        assert.ok(byJob.w!.start >= byJob.r2!.end, 'the writer waits for every reader');
        assert.ok(byJob.r3!.start >= byJob.w!.end, 'a later reader waits behind the writer');
        assert.equal((await kit.store.resourceView()).holds.length, 0, 'every hold is released');
      } finally {
        await kit.close();
      }
    }],
    ['a closed gate holds jobs until it is opened', async () => {
      const { kit, def } = await setup('gates: [eod]\n', 'flow: f\njobs:\n  a: { shell: x, locks: [{ name: eod, mode: shared }] }\n  b: { shell: x }\n',
        await withStore());
      try {
        const { runId, done } = await kit.start(def);
        await kit.clock.advance(5000);
        assert.deepEqual(kit.executor.requests.map((r) => r.job.name), ['b']);
        await kit.store.setResourceClosed(lockResource('eod'), false, null, 'test', kit.clock.now());
        const { run } = await kit.finish(done, 100);
        assert.equal(run.state, 'succeeded');
        const events = (await kit.store.events(runId)).map((e) => e.kind);
        assert.ok(events.includes('task_succeeded'));
      } finally {
        await kit.close();
      }
    }],
    ['a connector bounds parallel uses, an exclusive use runs alone, a blocked connector holds its jobs', async () => {
      const settings = 'connectors:\n  dwh: { maxParallel: 2, environments: { default: { host: dwh.test } } }\n';
      const jobs = ['a', 'b', 'c', 'd'].map((j) => `  ${j}: { shell: x, connector: dwh }`).join('\n');
      const { kit, def } = await setup(settings, `flow: f\njobs:\n${jobs}\n  x: { shell: x, connector: { name: dwh, exclusive: true }, after: [a] }\n`,
        await withStore({ defaultMs: 1000 }));
      try {
        await kit.store.setResourceClosed(connectorResource('dwh'), true, 'maintenance', 'test', kit.clock.now());
        const { runId, done } = await kit.start(def);
        await kit.clock.advance(3000);
        assert.equal(kit.executor.requests.length, 0, 'nothing runs while the connector is blocked');
        await kit.store.setResourceClosed(connectorResource('dwh'), false, null, 'test', kit.clock.now());
        await kit.finish(done, 100);
        const list = await intervals(kit.store, runId);
        assert.equal(maxOverlap(list, ['a', 'b', 'c', 'd', 'x']), 2);
        const x = list.find((i) => i.job === 'x')!;
        assert.ok(list.filter((i) => i.job !== 'x').every((i) => i.end <= x.start || i.start >= x.end), 'x ran alone');
        assert.equal(kit.executor.requests[0]!.env.ORDO_CONNECTOR_DWH_HOST, 'dwh.test');
      } finally {
        await kit.close();
      }
    }],
    ['immediate starts past the slot limit, never past a lock; priority orders the rest', async () => {
      const { kit, def } = await setup('', `flow: f
jobs:
  busy: { shell: x, locks: [db], priority: 10 }
  low:  { shell: x, priority: -5 }
  high: { shell: x, priority: 5 }
  now:  { shell: x, priority: immediate }
  now_locked: { shell: x, priority: immediate, locks: [db], after: [now] }
`, await withStore({ maxParallel: 1, script: { busy: [{ durationMs: 5000 }] }, defaultMs: 1000 }));
      try {
        const { runId, done } = await kit.start(def);
        await kit.finish(done, 100);
        const list = await intervals(kit.store, runId);
        const byJob = Object.fromEntries(list.map((i) => [i.job, i]));
        const t0 = Math.min(...list.map((i) => i.start));
        assert.equal(byJob.now!.start, t0, 'immediate starts at once although the only slot is busy');
        assert.ok(byJob.now_locked!.start >= byJob.busy!.end, `immediate still waits for its lock: ${JSON.stringify(list.map((i) => [i.job, i.start - t0, i.end - t0]))}`);
        assert.ok(byJob.high!.start < byJob.low!.start, 'higher priority first');
      } finally {
        await kit.close();
      }
    }],
    ['the critical path goes first; deadlines break ties and a missed deadline is an event', async () => {
      const { kit, def } = await setup('', `flow: f
jobs:
  short: { shell: x, estimate: 1s }
  head:  { shell: x, estimate: 1s }
  tail:  { shell: x, estimate: 10s, after: [head] }
  late:  { shell: x, estimate: 1s, deadline: "2000-01-01T00:00:01Z" }
`, await withStore({ maxParallel: 1, defaultMs: 1000 }));
      try {
        const { runId, done } = await kit.start(def);
        await kit.finish(done, 100);
        const list = order(await intervals(kit.store, runId));
        assert.equal(list[0], 'head', 'head leads the longest path (11 s)');
        assert.ok(list.indexOf('late') < list.indexOf('short'), 'equal levels: the nearer deadline first');
        const events = await kit.store.events(runId);
        assert.ok(events.some((e) => e.kind === 'deadline_expired' && e.job === 'late'));
      } finally {
        await kit.close();
      }
    }],
    ['a job with maxLoad waits while the host is busier', async () => {
      let load = 3;
      const { kit, def } = await setup('', 'flow: f\njobs:\n  a: { shell: x, maxLoad: 1.5 }\n  b: { shell: x }\n',
        await withStore({ load: () => load }));
      try {
        const { done } = await kit.start(def);
        await kit.clock.advance(2000);
        assert.deepEqual(kit.executor.requests.map((r) => r.job.name), ['b']);
        load = 0.5;
        const { run } = await kit.finish(done, 100);
        assert.equal(run.state, 'succeeded');
      } finally {
        await kit.close();
      }
    }],
  ];
}

