/**
 * A batch compiled to a flow, driven by the test kit's engine (scripted attempts, fake clock): groups run
 * one after another, the threshold stops the later groups, and the record says so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchPlan, FailureThreshold } from '../defs/batch-model.js';
import { createTestKit, type Script } from '../testkit/index.js';
import type { RunSummary } from '../engine/active-run.js';
import { explainTask } from '../engine/explain.js';
import { emptyCatalog } from '../engine/resources.js';
import { batchFlow, thresholdJob } from './flow.js';
import { batchRecord } from './record.js';

const GROUPS = [['h1', 'h2'], ['h3', 'h4'], ['h5', 'h6'], ['h7', 'h8']];

function plan(threshold: FailureThreshold): BatchPlan {
  const commands = Object.fromEntries(GROUPS.flat().map((h) => [h, { command: { kind: 'argv' as const, argv: ['true'] }, env: {}, rule: { kind: 'default' as const } }]));
  return { name: 'b', source: 'b.yaml', groups: GROUPS, commands, threshold };
}

async function run(threshold: FailureThreshold, script: Script): Promise<{ summary: RunSummary; order: string[] }> {
  // The hosts count as up (as in a simulation): no agent connects here; the scripted executor runs the attempts.
  const hosts = new Map(GROUPS.flat().map((name) => [name, { name, transport: 'agent' as const, labels: {}, slots: 1 }]));
  const kit = await createTestKit({ script, defaultMs: 100, catalog: { ...emptyCatalog(), hosts, hostsUp: true } });
  try {
    const { done } = await kit.start(batchFlow(plan(threshold)));
    const summary = await kit.finish(done, 50);
    return { summary, order: kit.executor.requests.filter((r) => r.job.kind === 'command').map((r) => `${r.job.name}@${r.job.host}`) };
  } finally {
    await kit.close();
  }
}

const record = (summary: RunSummary, threshold: FailureThreshold) => batchRecord(
  { id: 1, name: 'b', runId: summary.run.id, parentId: null, source: 'b.yaml', plan: plan(threshold), createdAt: 0, createdBy: 't' },
  summary.run, summary.tasks, { lastAttempt: async () => undefined, tail: async () => '' });

test('groups run in order, each after the one before ended; every host on its own host', async () => {
  const t: FailureThreshold = { kind: 'count', max: 0 };
  const { summary, order } = await run(t, { h2: [{ durationMs: 300 }] });
  assert.equal(summary.run.state, 'succeeded');
  assert.deepEqual(order, GROUPS.flat().map((h) => `${h}@${h}`));
  const byJob = new Map(summary.tasks.map((t) => [t.job, t]));
  // Group 2 starts only after h2, the slow host of group 1, ended.
  assert.ok(byJob.get('h3')!.startedAt! >= byJob.get('h2')!.endedAt!);
  const r = await record(summary, t);
  assert.equal(r.state, 'succeeded');
  assert.deepEqual(r.totals, { hosts: 8, ok: 8, failed: 0, notRun: 0, running: 0, durationMs: r.totals.durationMs });
});

test('a failure past the threshold stops the later groups; the running group finishes', async () => {
  const t: FailureThreshold = { kind: 'count', max: 1 };
  const { summary } = await run(t, { h3: [{ status: 'failed', exitCode: 3, durationMs: 10 }], h4: [{ status: 'failed', exitCode: 4, durationMs: 200 }] });
  assert.equal(summary.run.state, 'failed');
  const r = await record(summary, t);
  assert.equal(r.state, 'stopped');
  assert.equal(r.stoppedAfter, 2);
  assert.deepEqual(r.hosts.map((h) => h.outcome), ['ok', 'ok', 'failed', 'failed', 'not run', 'not run', 'not run', 'not run']);
  assert.deepEqual([r.totals.ok, r.totals.failed, r.totals.notRun], [2, 2, 4]);
  assert.equal(summary.tasks.find((x) => x.job === thresholdJob(2))!.state, 'skipped');
});

test('failures within the threshold (a percentage of the hosts) let every group run', async () => {
  const t: FailureThreshold = { kind: 'percent', percent: 25 };
  const { summary } = await run(t, { h1: [{ status: 'failed', exitCode: 1, durationMs: 10 }], h6: [{ status: 'failed', exitCode: 1, durationMs: 10 }] });
  const r = await record(summary, t);
  assert.equal(r.allowedFailures, 2);
  assert.equal(r.state, 'failed');
  assert.deepEqual([r.totals.ok, r.totals.failed, r.totals.notRun], [6, 2, 0]);
});

test('ordo why counts what a threshold waits for instead of listing every host', async () => {
  const hosts = new Map(GROUPS.flat().map((name) => [name, { name, transport: 'agent' as const, labels: {}, slots: 1 }]));
  const catalog = { ...emptyCatalog(), hosts, hostsUp: true };
  // h2 runs until the test completes it; h1 fails at once.
  const kit = await createTestKit({ script: { h1: [{ status: 'failed', exitCode: 1, durationMs: 10 }], h2: [{}] }, catalog });
  try {
    const { runId, done } = await kit.start(batchFlow(plan({ kind: 'count', max: 1 })));
    await kit.clock.advance(100);
    const why = await explainTask(kit.store, runId, thresholdJob(1), { catalog, maxParallel: 10, now: kit.clock.now(), agingMs: 60_000, defaultEstimateMs: 60_000 });
    assert.equal(why.text, 'it waits for 1 of 2 jobs to end (1 ended failed|aborted|expired; more than 1 stops it)');
    assert.match((await explainTask(kit.store, runId, 'h3', { catalog, maxParallel: 10, now: kit.clock.now(), agingMs: 60_000, defaultEstimateMs: 60_000 })).text,
      /waits for threshold:1 \(waiting, waiting for succeeded\)/);
    kit.executor.complete(runId, 'h2');
    assert.equal((await kit.finish(done, 50)).run.state, 'failed');
  } finally {
    await kit.close();
  }
});
