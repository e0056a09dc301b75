/**
 * The store side of batches on SQLite and PostgreSQL: a batch's row and its run are written together (or
 * neither), its record is read back from the run the engine drove, a rerun is linked to the batch it repeats.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyCatalog } from '../../src/engine/resources.js';
import { recordOf, rerunFailed, startBatch } from '../../src/batch/service.js';
import type { BatchPlan } from '../../src/defs/batch-model.js';
import { OrdoError } from '../../src/errors.js';
import { getBatch, listBatches } from '../../src/store/batches.js';
import { createTestKit } from '../../src/testkit/index.js';
import { BACKENDS } from '../support/backends.js';

const GROUPS = [['a1', 'a2'], ['b1', 'b2'], ['c1']];
const PLAN: BatchPlan = {
  name: 'deploy', source: 'batches/deploy.yaml', groups: GROUPS, threshold: { kind: 'count', max: 0 },
  commands: Object.fromEntries(GROUPS.flat().map((h) => [h, { command: { kind: 'shell' as const, script: 'true', shell: ['/bin/sh', '-c'] }, env: {}, rule: { kind: 'default' as const } }])),
};
const hosts = new Map(GROUPS.flat().map((name) => [name, { name, transport: 'agent' as const, labels: {}, slots: 1 }]));

for (const backend of BACKENDS) {
  describe(`batches on ${backend.name}`, () => {
    it('a batch and its run are written together; the record, the rerun of the failed hosts and the list read back', { timeout: 120_000 }, async () => {
      const { store, stateDir, release } = await backend.open();
      try {
        // A failure while writing the batch's row leaves no run either.
        const before = (await store.listRuns({ limit: 10 })).length;
        await assert.rejects(store.createRun({ flowVersionId: (await store.saveFlowVersion({ name: 'x', file: 'x', params: [], jobs: [], priority: 0 }, 'x', 1)).id, flow: 'x', params: {}, jobs: [], at: 1 },
          async () => { throw new Error('the row could not be written'); }), /could not be written/);
        assert.equal((await store.listRuns({ limit: 10 })).length, before);

        const batch = await startBatch(store, PLAN, 'tester', 1_000);
        assert.deepEqual((await getBatch(store.sql, batch.id))!.plan, PLAN);
        assert.equal((await store.getRun(batch.runId))!.flow, 'batch:deploy');
        const running = await recordOf(store, stateDir, batch);
        assert.equal(running.state, 'running');
        await assert.rejects(rerunFailed(store, stateDir, batch, 'tester', 2_000), (e: unknown) => e instanceof OrdoError && e.code === 'ORDO_BAD_STATE');

        const kit = await createTestKit({ store, script: { b2: [{ status: 'failed', exitCode: 2, durationMs: 10 }] }, catalog: { ...emptyCatalog(), hosts, hostsUp: true } });
        try {
          await kit.finish(kit.engine.drive(batch.runId), 100);
        } finally {
          await kit.close();
        }
        const done = await recordOf(store, stateDir, batch);
        assert.equal(done.state, 'stopped');
        assert.deepEqual(done.hosts.map((h) => `${h.host}:${h.outcome}:${h.exitCode ?? '-'}`), ['a1:ok:0', 'a2:ok:0', 'b1:ok:0', 'b2:failed:2', 'c1:not run:-']);

        const again = await rerunFailed(store, stateDir, batch, 'tester', 3_000);
        assert.equal(again.parentId, batch.id);
        assert.deepEqual(again.plan.groups, [['b2'], ['c1']]);
        assert.deepEqual(Object.keys(again.plan.commands).sort(), ['b2', 'c1']);
        assert.deepEqual((await listBatches(store.sql, { limit: 10 })).map((b) => [b.id, b.parentId]), [[again.id, batch.id], [batch.id, null]]);
        assert.deepEqual((await listBatches(store.sql, { name: 'other', limit: 10 })), []);
      } finally {
        await release();
      }
    });
  });
}
