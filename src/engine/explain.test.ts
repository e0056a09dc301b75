import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setup } from '../../test/support/resource-scenarios.js';
import { explainTask } from './explain.js';
import { forecastRun } from './forecast.js';
import { catalogOf } from './resources.js';
import { compileProject } from '../testkit/index.js';

const SETTINGS = 'gates: [eod]\nconnectors:\n  dwh: { maxParallel: 1 }\n';
const FLOW = `flow: f
params:
  business_date: { type: string, default: "2026-01-01" }
jobs:
  a: { shell: x, estimate: 10s }
  b: { shell: x, after: [a], estimate: 20s, deadline: "00:00:25" }
  g: { shell: x, locks: [{ name: eod, mode: shared }], estimate: 1s }
  c1: { shell: x, connector: dwh, estimate: 5s, priority: 1 }
  c2: { shell: x, connector: dwh, estimate: 5s }
`.replace('"00:00:25"', '"2026-01-01T00:00:25Z"');

test('why names the dependency, gate or connector that holds a job, as the dispatcher sees it', async () => {
  const { kit, def } = await setup(SETTINGS, FLOW, { script: { a: [{}], c1: [{}] } });
  try {
    const { runId } = await kit.start(def);
    await kit.clock.advance(100);
    const settings = (await compileProject({ 'ordo.yaml': SETTINGS, 'f.yaml': FLOW })).settings;
    const opts = { catalog: catalogOf(settings), maxParallel: 10, now: kit.clock.now(), agingMs: 60_000, defaultEstimateMs: 60_000 };
    const why = (job: string) => explainTask(kit.store, runId, job, opts);
    assert.match((await why('b')).text, /waits for a \(running, waiting for succeeded\)/);
    assert.match((await why('g')).text, /gate "eod" is closed/);
    assert.match((await why('c2')).text, /connector "dwh" is at its limit, used by run \d+ c1/);
    assert.match((await why('a')).text, /it is running/);
    await assert.rejects(why('zz'), /has no job "zz"/);

    const f = await forecastRun(kit.store, runId, { catalog: opts.catalog, maxParallel: 10, now: kit.clock.now(), defaultEstimateMs: 60_000 });
    const b = f.jobs.find((j) => j.job === 'b')!;
    // a started at t0 and takes 10 s; b follows for 20 s: it ends at t0 + 30 s, past its deadline of t0 + 25 s.
    assert.equal(b.start! - kit.clock.now() + 100, 10_000);
    assert.equal(b.state, 'waiting');
    assert.ok(f.late.some((j) => j.job === 'b'), 'b is expected to miss its deadline');
    assert.ok(f.end >= b.end!);
  } finally {
    await kit.close();
  }
});
