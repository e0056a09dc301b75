/** The worker protocol and recovery: fencing cookies, graceful stop, adoption of a crashed engine's runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, memoryStore } from '../../src/testkit/index.js';
import { WorkflowEngine } from '../../src/wf/driver.js';
import { WfStore } from '../../src/wf/store.js';
import { Worker } from '../../src/worker/worker.js';
import { StoreBroker } from '../../src/worker/broker.js';
import { ADD_AC, CALLTEST_WF, compileOrThrow, eachBackend } from './support.js';

eachBackend('a result with a stale cookie is refused and changes nothing', async (kit) => {
  await kit.compile({ 'add.ac': ADD_AC, 'calltest.wf': CALLTEST_WF });
  const runId = await kit.engine.start('calltest', { input: 1 });
  await kit.clock.advance(0);
  const [first] = await kit.engine.claim('remote/1/a', 'add', 1);
  assert.ok(first);
  assert.deepEqual(first.input, { counter: 1, step: 3 });
  assert.equal(first.env.run, `W${runId}`);
  const events = async (): Promise<number> => (await kit.wf.events(runId)).length;
  const before = await events();
  assert.deepEqual(await kit.engine.complete(`${first.taskId}.1.forged`, { counter: 99 }), { accepted: false });
  assert.deepEqual(await kit.engine.complete('not-a-cookie', { counter: 99 }), { accepted: false });
  assert.equal(await events(), before, 'no event for a refused result');
  assert.equal((await kit.wf.getTask(first.taskId))?.state, 'claimed');
  assert.equal((await kit.engine.complete(first.cookie, { counter: 4 })).accepted, true);
  assert.deepEqual(await kit.engine.complete(first.cookie, { counter: 5 }), { accepted: false }, 'a second result with the same cookie');
  const end = await kit.finish(runId);
  assert.deepEqual(end.output, { output: 4 });
}, { actions: {} });

test('stop() lets running tasks finish and report, then claims nothing more', async () => {
  const store = await memoryStore();
  const clock = new FakeClock();
  const engine = new WorkflowEngine({ store: WfStore.of(store), clock, owner: 'e/1/x' });
  try {
    await engine.register(compileOrThrow({ 'add.ac': ADD_AC, 'calltest.wf': CALLTEST_WF }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const worker = new Worker(engine, { pollMs: 0 });
    worker.action('add', async (input) => {
      await gate;
      return { counter: Number(input.counter) + Number(input.step) };
    });
    const a = await engine.start('calltest', { input: 1 });
    await engine.idle();
    await worker.idle();
    const stopping = worker.stop();
    const b = await engine.start('calltest', { input: 2 });
    await engine.idle();
    release();
    await stopping;
    await engine.idle();
    assert.deepEqual((await engine.result(a)).output, { output: 4 });
    assert.equal((await WfStore.of(store).tasks(b))[0]?.state, 'ready', 'the second task is left for another worker');
    assert.equal(worker.stats.done, 1);
  } finally {
    await engine.close();
    await store.close();
  }
});

eachBackend('after a crash a new engine adopts the runs, hands out the lost task again and re-serves nothing twice', async (kit) => {
  const sources = compileOrThrow({
    'add.ac': ADD_AC, 'calltest.wf': CALLTEST_WF,
    'two.wf': 'workflow two:\n  out:\n    r array\n  wfomap:\n    r = v.r\n  do:\n    split:\n      callflow calltest:\n        input = 1\n      into:\n        r ,= o.output\n      callflow calltest:\n        input = 10\n      into:\n        r ,= o.output\n',
  });
  const crashed = new WorkflowEngine({ store: kit.wf, clock: kit.clock, owner: 'crashed/1/x' });
  await crashed.register(sources);
  const runId = await crashed.start('two', {});
  await crashed.idle();
  const broker = new StoreBroker(kit.wf, kit.clock);
  const [lost] = await broker.claim('crashed/1/w', 'add', 1);
  assert.ok(lost, 'a task was claimed by the worker that dies');
  // The process dies here: no close, no release. A new engine on the same store takes over.
  const engine = new WorkflowEngine({ store: kit.wf, clock: kit.clock, owner: 'new/2/y', isOwnerDead: (o) => o.startsWith('crashed/') });
  const worker = new Worker(engine, { pollMs: 0 });
  worker.action('add', async (input) => ({ counter: Number(input.counter) + Number(input.step) }));
  kit.clock.onIdle(async () => {
    await engine.idle();
    await worker.idle();
  });
  try {
    assert.equal(await engine.adopt(runId), true);
    let end;
    void engine.result(runId).then((e) => (end = e));
    for (let i = 0; i < 50 && !end; i++) await kit.clock.advance(100);
    assert.deepEqual(end, { runId, status: 'done', output: { r: [4, 13] }, error: null });
    assert.equal((await broker.complete(lost.cookie, { counter: 0 })).accepted, false, 'the dead worker cookie is stale');
    const tree = await kit.wf.tree(runId);
    assert.equal(tree.length, 3, 'the children were not started twice');
    const tasks = (await Promise.all(tree.map((r) => kit.wf.tasks(r.id)))).flat();
    assert.equal(tasks.length, 2, 'one task per call');
    const evs = (await Promise.all(tree.map((r) => kit.wf.events(r.id)))).flat().filter((e) => e.kind.startsWith("wf_task")).map((e) => `${e.kind} ${JSON.stringify(e.data)}`);
    assert.deepEqual(tasks.map((t) => t.attempts).sort(), [1, 2], evs.join("\n"));
    const kinds = (await kit.wf.events(lost.runId)).map((e) => e.kind);
    assert.ok(kinds.includes('wf_run_adopted') && kinds.includes('wf_task_lost'), kinds.join(' '));
  } finally {
    await worker.stop();
    await engine.close();
    await crashed.close();
  }
}, { actions: {} });

eachBackend('after a crash, a lost task of an action that is not retryable fails soft "worker lost": retried per policy, then an error', async (kit) => {
  const fragile = "action fragile:\n  in:\n    x number\n  out:\n    x number\n  config:\n    retryable = false\n    retry = object(tries: 2, interval: '0s')\n";
  const once = "action once:\n  in:\n    x number\n  out:\n    x number\n  config:\n    retryable = false\n";
  const sources = compileOrThrow({
    'fragile.ac': fragile, 'once.ac': once,
    'f.wf': 'workflow f:\n  out:\n    x number\n  wfomap:\n    x = v.x\n  do:\n    call fragile:\n      x = 1\n    into:\n      x = o.x\n',
    'o.wf': 'workflow o:\n  do:\n    call once:\n      x = 1\n',
  });
  const crashed = new WorkflowEngine({ store: kit.wf, clock: kit.clock, owner: 'crashed/1/x' });
  await crashed.register(sources);
  const retried = await crashed.start('f', {});
  const failed = await crashed.start('o', {});
  await crashed.idle();
  const broker = new StoreBroker(kit.wf, kit.clock);
  assert.equal((await broker.claim('crashed/1/w', 'fragile', 1)).length, 1);
  assert.equal((await broker.claim('crashed/1/w', 'once', 1)).length, 1);
  const engine = new WorkflowEngine({ store: kit.wf, clock: kit.clock, owner: 'new/2/y', isOwnerDead: (o) => o.startsWith('crashed/') });
  const worker = new Worker(engine, { pollMs: 0 });
  worker.action('fragile', async (input) => ({ x: Number(input.x) + 1 }));
  kit.clock.onIdle(async () => {
    await engine.idle();
    await worker.idle();
  });
  try {
    assert.equal(await engine.adopt(retried), true);
    assert.equal(await engine.adopt(failed), true);
    const ends: Record<number, unknown> = {};
    for (const id of [retried, failed]) void engine.result(id).then((e) => (ends[id] = e));
    for (let i = 0; i < 50 && Object.keys(ends).length < 2; i++) await kit.clock.advance(100);
    assert.deepEqual(ends[retried], { runId: retried, status: 'done', output: { x: 2 }, error: null }, 'tried again (2 tries) by the new worker');
    const end = ends[failed] as { status: string; error: { msg: string; class: string } };
    assert.deepEqual([end.status, end.error.class, end.error.msg], ['error', 'soft', 'worker lost']);
  } finally {
    await worker.stop();
    await engine.close();
    await crashed.close();
  }
}, { actions: {} });
