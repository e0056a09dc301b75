/** The deadline watch: a forecast miss is warned of once per task, with its handlers queued. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKit } from '../testkit/index.js';
import { listDeliveries } from '../store/deliveries.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { defaultSettings } from '../defs/model.js';
import { warnForecastMisses } from './deadline-watch.js';

test('a deadline the forecast says will be missed is warned of once, before it passes', async () => {
  const kit = await createTestKit({ script: { a: [{ status: 'succeeded', durationMs: 2 * 3_600_000 }] } });
  try {
    const deadline = new Date(kit.clock.now() + 3_600_000).toISOString();
    const def = await kit.flow([
      'flow: f', 'handlers: [{ on: deadline_miss, shell: "echo late" }]', 'jobs:',
      `  a: { shell: x, estimate: 2h, deadline: "${deadline}" }`, '',
    ].join('\n'));
    const started = await kit.start(def);
    await kit.clock.advance(60_000);
    const store = kit.store as OrdoStore;
    assert.equal(await warnForecastMisses(store, defaultSettings(), 10, kit.clock.now()), 1);
    assert.equal(await warnForecastMisses(store, defaultSettings(), 10, kit.clock.now()), 0, 'once per task');
    const events = await store.events(started.runId);
    const warning = events.find((e) => e.kind === 'deadline_forecast_missed')!;
    assert.equal(warning.job, 'a');
    assert.equal(warning.data!.deadline, deadline);
    const deliveries = await listDeliveries(store.sql);
    assert.deepEqual(deliveries.map((d) => [d.eventId, d.on, d.name]), [[warning.id, 'deadline_miss', 'flow#1']]);
    await kit.finish(started.done);
  } finally {
    await kit.close();
  }
});
