/**
 * Dispatch rules on a fake clock, on SQLite in memory (test/resources.test.ts runs the same scenarios on
 * PostgreSQL), and the ranking rules on their own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceScenarios } from '../../test/support/resource-scenarios.js';
import { candidatesOf } from './dispatch.js';
import { createTestKit } from '../testkit/index.js';

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
