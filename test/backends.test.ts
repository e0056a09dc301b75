/** One suite, every backend: the store's contract and the engine's core scenarios on real databases. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { abort, type OperatorContext } from '../src/engine/operator.js';
import { listMigrations, migrate } from '../src/store/migrate.js';
import type { OrdoStore } from '../src/store/ordo-store.js';
import { compileFlows, createTestKit } from '../src/testkit/index.js';
import { flowFingerprint } from '../src/defs/version.js';
import { BACKENDS } from './support/backends.js';

for (const backend of BACKENDS) {
  describe(`store and engine on ${backend.name}`, () => {
    let store: OrdoStore;
    let release: () => Promise<void>;
    before(async () => {
      ({ store, release } = await backend.open());
    });
    after(async () => release());

    test('migrations are recorded and applying them again changes nothing', async () => {
      assert.deepEqual(await migrate(store.sql), []);
      const rows = await store.sql.query('SELECT name FROM migrations ORDER BY id');
      assert.deepEqual(rows.map((r) => r.name), listMigrations(store.sql.migrationSet).map((m) => m.name));
      assert.ok(rows.length >= 2);
    });

    test('a task write with a stale rev is refused, with its events and attempt', async () => {
      const flows = await compileFlows({ 'ordo.yaml': '', 'f.yaml': 'flow: stale\njobs:\n  a: { shell: x }\n' });
      const def = flows.get('stale')!;
      const v = await store.saveFlowVersion(def, flowFingerprint(def), 1);
      const run = await store.createRun({ flowVersionId: v.id, flow: 'stale', params: {}, jobs: ['a'], at: 1 });
      const [task] = await store.getTasks(run.id);
      const write = { row: { ...task!, state: 'ready' as const }, events: [{ at: 2, runId: run.id, taskId: task!.id, kind: 'task_ready' }] };
      assert.deepEqual((await store.commit({ tasks: [write], runs: [] })).taskConflicts, []);
      assert.deepEqual((await store.commit({ tasks: [write], runs: [] })).taskConflicts, [task!.id]);
      const events = (await store.events(run.id)).map((e) => e.kind);
      assert.deepEqual(events, ['run_created', 'task_ready']);
      assert.equal((await store.getTasks(run.id))[0]!.rev, 1);
    });

    test('the pigeon hole keeps one value per key and run', async () => {
      const def = (await compileFlows({ 'ordo.yaml': '', 'f.yaml': 'flow: kv\njobs:\n  a: { shell: x }\n' })).get('kv')!;
      const v = await store.saveFlowVersion(def, flowFingerprint(def), 1);
      const run = await store.createRun({ flowVersionId: v.id, flow: 'kv', params: {}, jobs: ['a'], at: 1 });
      await store.kvSet(run.id, 'index_ddl', 'CREATE INDEX a', 2);
      await store.kvSet(run.id, 'index_ddl', 'CREATE INDEX b', 3);
      assert.equal(await store.kvGet(run.id, 'index_ddl'), 'CREATE INDEX b');
      assert.equal(await store.kvGet(run.id, 'missing'), undefined);
      assert.deepEqual(await store.kvList(run.id), [{ key: 'index_ddl', value: 'CREATE INDEX b' }]);
    });

    test('a flow with retries, a failure path and an operator abort', async () => {
      const kit = await createTestKit({
        store, owner: `kit-${backend.name}`,
        script: { load: [{ status: 'failed', durationMs: 5 }, { status: 'failed', durationMs: 5 }], slow: [{}] },
      });
      try {
        const def = await kit.flow(`flow: mixed
jobs:
  extract: { shell: x }
  load: { shell: x, after: [extract], retries: { count: 1, delay: 1s } }
  cleanup: { shell: x, after: [{ load: failed }] }
  report: { shell: x, after: [{ any: [load, cleanup] }] }
  slow: { shell: x }
`);
        const { runId, done } = await kit.start(def);
        await kit.clock.advance(5000);
        const ctx: OperatorContext = { store, now: kit.clock.now(), actor: 'test', ownerAlive: () => true };
        await abort(ctx, runId, 'slow');
        const { run, tasks } = await kit.finish(done);
        const byJob = Object.fromEntries(tasks.map((t) => [t.job, `${t.state}/${t.attempts}`]));
        assert.deepEqual(byJob, { extract: 'succeeded/1', load: 'failed/2', cleanup: 'succeeded/1', report: 'succeeded/1', slow: 'aborted/1' });
        assert.equal(run.state, 'failed');
      } finally {
        await kit.close();
      }
    });

    test('group commit of a 2,000-task flow', async () => {
      const kit = await createTestKit({ store, owner: `bulk-${backend.name}`, maxParallel: 500, defaultMs: 1 });
      try {
        const jobs = Array.from({ length: 2000 }, (_, i) => `  t${i}: { kind: noop${i > 0 && i % 10 ? `, after: [t${i - 1}]` : ''} }`).join('\n');
        const def = await kit.flow(`flow: bulk\njobs:\n${jobs}\n`);
        const { run, tasks } = await kit.finish((await kit.start(def)).done, 1, 100_000);
        assert.equal(run.state, 'succeeded');
        assert.equal(tasks.filter((t) => t.state === 'succeeded').length, 2000);
      } finally {
        await kit.close();
      }
    });
  });
}
