/**
 * Dispatch rules on a fake clock, on SQLite in memory (test/resources.test.ts runs the same scenarios on
 * PostgreSQL), and the ranking rules on their own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceScenarios } from '../../test/support/resource-scenarios.js';
import { candidatesOf } from './dispatch.js';
import { createTestKit } from '../testkit/index.js';
import { emptyCatalog } from './resources.js';

for (const [name, fn] of resourceScenarios()) test(name, fn);

test('aging: a task that waited long enough outranks a fresher one of higher priority', async () => {
  const kit = await createTestKit();
  try {
    const def = await kit.flow('flow: f\njobs:\n  old: { shell: x }\n  fresh: { shell: x, priority: 3 }\n');
    const { runId } = await kit.start(def);
    await kit.clock.advance(0);
    const run = (kit.engine as unknown as { runs: Map<number, Parameters<typeof candidatesOf>[0]['runs'][number]> }).runs.get(runId)!;
    const now = kit.clock.now();
    run.ready.add('old').add('fresh');
    run.readySince.set('old', now - 4 * 60_000).set('fresh', now);
    const ranked = candidatesOf({ runs: [run], now, agingMs: 60_000 });
    assert.deepEqual(ranked.map((c) => c.task.job), ['old', 'fresh']);
    const sooner = candidatesOf({ runs: [run], now, agingMs: 600_000 });
    assert.deepEqual(sooner.map((c) => c.task.job), ['fresh', 'old']);
  } finally {
    await kit.close();
  }
});

test('jobs that hold resources still count against the slot limits (maxParallel), host selectors included', async () => {
  const catalog = { ...emptyCatalog(), hosts: new Map([['h1', { name: 'h1', transport: 'agent' as const, labels: { role: 'w' }, slots: 8 }]]), hostsUp: true };
  const kit = await createTestKit({ maxParallel: 2, defaultMs: 1000, catalog });
  try {
    const jobs = Array.from({ length: 6 }, (_, i) => `  j${i}: { shell: x, ${i % 2 ? 'locks: [{ name: l, mode: shared }]' : 'hosts: { labels: { role: w } }'} }`);
    const def = await kit.flow(`flow: f\njobs:\n${jobs.join('\n')}\n`, { 'ordo.yaml': 'hosts:\n  h1: { labels: { role: w }, slots: 8 }\n' });
    const { done } = await kit.start(def);
    let peak = 0;
    for (let i = 0; i < 50 && kit.executor.running.length + peak >= 0; i++) {
      await kit.clock.advance(100);
      peak = Math.max(peak, kit.executor.running.length);
    }
    const summary = await kit.finish(done);
    assert.equal(summary.run.state, 'succeeded');
    assert.equal(peak, 2);
  } finally {
    await kit.close();
  }
});
