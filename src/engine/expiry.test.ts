/**
 * `latestStart`: a task not started by then ends `expired` with its event (on the fake clock), its
 * dependents on success are skipped, and a handler on expiry gets a delivery queued with the event.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKit } from '../testkit/index.js';
import { listDeliveries } from '../store/deliveries.js';
import type { OrdoStore } from '../store/ordo-store.js';

test('a job not started by its latest start time ends expired, with its event and its handler queued', async () => {
  // `a` takes an hour; `b` waits for it but must start within 30 minutes of the run's creation.
  const kit = await createTestKit({ script: { a: [{ status: 'succeeded', durationMs: 3_600_000 }] } });
  try {
    const latest = new Date(kit.clock.now() + 30 * 60_000).toISOString();
    const def = await kit.flow([
      'flow: f', 'jobs:', '  a: { shell: x }',
      `  b: { shell: x, after: [a], latestStart: "${latest}", handlers: [{ on: expiry, shell: "echo late" }] }`,
      '  c: { shell: x, after: [b] }', '  d: { shell: x, after: [{ b: expired }] }', '',
    ].join('\n'));
    const started = await kit.start(def);
    const { run, tasks } = await kit.finish(started.done);
    const state = Object.fromEntries(tasks.map((t) => [t.job, [t.state, t.reason]]));
    assert.deepEqual(state, { a: ['succeeded', null], b: ['expired', 'latest_start'], c: ['skipped', 'unsatisfiable'], d: ['succeeded', null] });
    const b = tasks.find((t) => t.job === 'b')!;
    assert.equal(b.endedAt, Date.parse(latest), 'expired at its latest start, not when `a` ended');
    assert.equal(run.state, 'succeeded', 'the expiry is handled by d');
    const events = await kit.store.events(run.id);
    const expired = events.find((e) => e.kind === 'task_expired')!;
    assert.deepEqual(expired.data, { reason: 'latest_start', latestStart: latest });
    const deliveries = await listDeliveries((kit.store as OrdoStore).sql);
    assert.deepEqual(deliveries.map((d) => [d.eventId, d.on, d.name, d.state]), [[expired.id, 'expiry', 'job:b#1', 'pending']]);
  } finally {
    await kit.close();
  }
});
