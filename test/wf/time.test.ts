/** Time on the engine's clock (a fake one here): sleep, the run's timeout, action timeouts, soft retries, limits. */
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/lang/json.js';
import { ActionFailure, type ActionHandler } from '../../src/worker/worker.js';
import { catcherWf, FLAKY_AC } from '../lang/programs.js';
import { eachBackend } from './support.js';



eachBackend('sleep waits on the engine clock', async (kit) => {
  await kit.compile({ 's.wf': "workflow s:\n  do:\n    sleep 90\n    sleep '1 minute'\n    sleep:\n      timeout = '2.5s'\n" });
  const t0 = kit.clock.now();
  const end = await kit.run('s', {}, 500);
  assert.equal(end.status, 'done');
  assert.equal(kit.clock.now() - t0, 152_500);
  const sleeps = (await kit.wf.steps(end.id)).filter((s) => s.effect?.kind === 'sleep');
  assert.equal(sleeps.length, 3);
});

eachBackend("the run's timeout (config: timeout) is a fatal error", async (kit) => {
  await kit.compile({ 'w.wf': "workflow w:\n  config:\n    timeout = '1m'\n  do:\n    try:\n      sleep 3600\n    catch:\n      eval:\n        x = 1\n" });
  const t0 = kit.clock.now();
  const end = await kit.run('w', {});
  assert.equal(end.error?.class, 'fatal');
  assert.match(end.error?.msg ?? '', /timeout of 60 s/);
  assert.equal(kit.clock.now() - t0, 60_000);
});

const attempts: number[] = [];
let soft = 0;
/** How a handler waits on the test's fake clock (set by the test that needs it). */
let later: (ms: number) => Promise<void> = async () => {};
const handlers: Record<string, ActionHandler> = {
  flaky: async (input, ctx) => {
    attempts.push(ctx.attempt);
    if (input.n === 1) throw new ActionFailure('try later', 'soft');
    if (input.n === 2 && ++soft % 3 !== 0) throw new ActionFailure('busy', 'soft');
    if (input.n === 3) await later(20_000); // ignores its abort signal and answers late
    if (input.n === 4) throw new Error('disk full');
    return { n: Number(input.n) };
  },
};

eachBackend('soft errors are retried per the action retry policy, then raised', async (kit) => {
  attempts.length = 0;
  await kit.compile({ 'flaky.ac': FLAKY_AC, 'c.wf': catcherWf('call flaky:\n  n = 1') });
  const t0 = kit.clock.now();
  const end = await kit.run('c', {}, 1000);
  assert.deepEqual(end.output, { cls: 'soft', msg: 'try later' });
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.ok(kit.clock.now() - t0 >= 10_000, 'two intervals of 5 s');
  const [task] = await kit.wf.tasks(end.id);
  assert.equal(task?.attempts, 3);
  assert.equal(task?.state, 'failed');
}, { actions: handlers });

eachBackend('a soft error that clears before the last try is not raised', async (kit) => {
  soft = 0;
  await kit.compile({ 'flaky.ac': FLAKY_AC, 'c.wf': catcherWf('call flaky:\n  n = 2') });
  const end = await kit.run('c', {});
  assert.deepEqual(end.output, { cls: 'none', msg: '' });
}, { actions: handlers });

eachBackend('a normal error is raised at once, without retries', async (kit) => {
  attempts.length = 0;
  await kit.compile({ 'flaky.ac': FLAKY_AC, 'c.wf': catcherWf('call flaky:\n  n = 4') });
  assert.deepEqual((await kit.run('c', {})).output, { cls: 'normal', msg: 'disk full' });
  assert.deepEqual(attempts, [1]);
}, { actions: handlers });

eachBackend("an action slower than its timeout fails with class timeout; the worker's late result is refused", async (kit) => {
  later = (ms) => new Promise((resolve) => kit.clock.setTimer(ms, resolve));
  await kit.compile({ 'flaky.ac': FLAKY_AC, 'c.wf': catcherWf('call flaky:\n  n = 3') });
  const t0 = kit.clock.now();
  const end = await kit.run('c', {});
  assert.equal((end.output as JsonObject).cls, 'timeout');
  assert.equal(kit.clock.now() - t0, 10_000);
  await kit.clock.advance(20_000);
  await kit.worker.idle();
  assert.equal(kit.worker.stats.refused, 1);
  const [task] = await kit.wf.tasks(end.id);
  assert.equal(task?.state, 'failed');
  assert.equal((task?.error as JsonObject).class, 'timeout');
}, { actions: handlers });

eachBackend('max_steps is fatal and never caught', async (kit) => {
  await kit.compile({ 'l.wf': 'workflow l:\n  config:\n    max_steps = 50\n  do:\n    try:\n      while true:\n        eval:\n          x = 1\n    catch:\n      eval:\n        y = 1\n' });
  const end = await kit.run('l', {});
  assert.equal(end.status, 'error');
  assert.equal(end.error?.class, 'fatal');
  assert.match(end.error?.msg ?? '', /max_steps of 50/);
  assert.equal((await kit.wf.steps(end.id)).length, 51);
});
