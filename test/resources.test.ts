/**
 * Resources on real databases: the fake-clock dispatch scenarios on PostgreSQL, and several dispatchers
 * (engines with their own connections) sharing one PostgreSQL and one SQLite file without overbooking a
 * lock or a connector.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogOf } from '../src/engine/resources.js';
import { resourceScenarios, maxOverlap, type Interval } from './support/resource-scenarios.js';
import { SystemClock } from '../src/engine/clock.js';
import { Engine } from '../src/engine/engine.js';
import type { AttemptHandle, AttemptRequest, Executor } from '../src/engine/ports.js';
import { flowFingerprint } from '../src/defs/version.js';
import { openStore } from '../src/store/open.js';
import type { OrdoStore } from '../src/store/ordo-store.js';
import { compileProject } from '../src/testkit/index.js';
import { usePostgres } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

for (const [name] of resourceScenarios(undefined)) {
  test(`PostgreSQL: ${name}`, async () => {
    const pg = await usePostgres();
    const stores: OrdoStore[] = [];
    try {
      const scenarios = resourceScenarios(async () => {
        const store = await openStore({ stateDir: '/nonexistent', databaseUrl: pg.url });
        stores.push(store);
        return store;
      });
      await scenarios.find(([n]) => n === name)![1]();
    } finally {
      for (const s of stores) await s.close();
      await pg.release();
    }
  });
}

/** Sleeps for real and records when each attempt held the CPU, across all engines of the test. */
class SleepExecutor implements Executor {
  readonly kinds = ['command', 'noop'] as const;
  constructor(private readonly log: Interval[], private readonly ms: number) {}
  start(req: AttemptRequest): AttemptHandle {
    const start = performance.now();
    const finished = new Promise<Awaited<AttemptHandle['done']>>((resolve) => {
      setTimeout(() => {
        const end = performance.now();
        this.log.push({ job: req.job.name, start, end });
        resolve({ status: 'succeeded', exitCode: 0, signal: null, startedAt: Date.now(), endedAt: Date.now() });
      }, this.ms);
    });
    return { done: finished, abort: () => {} };
  }
}

const SETTINGS = 'connectors:\n  dwh: { maxParallel: 2 }\n';
function flowYaml(n: number): string {
  const lines = ['flow: contend', 'jobs:'];
  for (let i = 0; i < n; i++) {
    lines.push(i % 2 === 0 ? `  l${i}: { kind: noop, locks: [customers] }` : `  c${i}: { kind: noop, connector: dwh }`);
  }
  return `${lines.join('\n')}\n`;
}

async function contend(open: () => Promise<OrdoStore>): Promise<Interval[]> {
  const project = await compileProject({ 'ordo.yaml': SETTINGS, 'flow.yaml': flowYaml(24) });
  const def = project.flows.get('contend')!;
  const log: Interval[] = [];
  const stores: OrdoStore[] = [];
  const engines: Engine[] = [];
  try {
    const runs: Promise<unknown>[] = [];
    for (let e = 0; e < 3; e++) {
      const store = await open();
      stores.push(store);
      const engine = new Engine({
        store, clock: new SystemClock(), executors: [new SleepExecutor(log, 15)], owner: `test/${process.pid}/${e}`,
        maxParallel: 8, pollMs: 10, catalog: catalogOf(project.settings),
      });
      engines.push(engine);
      const run = await engine.createRun(def, flowFingerprint(def), {});
      runs.push(engine.drive(run.id));
    }
    const summaries = (await Promise.all(runs)) as Array<{ run: { state: string } }>;
    assert.ok(summaries.every((s) => s.run.state === 'succeeded'));
    assert.equal((await stores[0]!.resourceView()).holds.length, 0);
    return log;
  } finally {
    for (const e of engines) await e.close();
    for (const s of stores) await s.close();
  }
}

test('three dispatchers on one PostgreSQL never overbook a lock or a connector', { timeout: 120_000 }, async () => {
  const pg = await usePostgres();
  try {
    const log = await contend(() => openStore({ stateDir: '/nonexistent', databaseUrl: pg.url }));
    assert.equal(log.length, 72);
    assert.equal(maxOverlap(log.filter((i) => i.job.startsWith('l'))), 1, 'exclusive lock held by one task at a time');
    assert.ok(maxOverlap(log.filter((i) => i.job.startsWith('c'))) <= 2, 'connector used at most twice at a time');
  } finally {
    await pg.release();
  }
});

test('three dispatchers on one SQLite file never overbook a lock or a connector', { timeout: 120_000 }, async () => {
  const dir = tempDir('ordo-contend-');
  try {
    const log = await contend(() => openStore({ stateDir: dir.path }));
    assert.equal(log.length, 72);
    assert.equal(maxOverlap(log.filter((i) => i.job.startsWith('l'))), 1);
    assert.ok(maxOverlap(log.filter((i) => i.job.startsWith('c'))) <= 2);
  } finally {
    dir.cleanup();
  }
});
