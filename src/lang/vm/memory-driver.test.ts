import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEADLOCK_SOURCES, LOCK_FIFO_WF, LOCK_WORKER_WF } from '../../../test/lang/programs.js';
import { mustCompile, runInline } from '../../../test/lang/support.js';
import { ActionError, MemoryDriver } from './memory-driver.js';

/** Locks and events across runs, as the in-memory driver implements them. */

test('lock waiters are served first come, first served', async () => {
  const sources = {
    'worker.wf': LOCK_WORKER_WF,
    'main.wf': LOCK_FIFO_WF,
  };
  const res = await runInline(sources, 'main', {});
  assert.deepEqual(res.output, { order: ['a', 'b', 'c'] });
  assert.equal(res.driver.clock.now(), 12);
});

test('inherit: a child may take a lock its parent holds', async () => {
  const sources = {
    'child.wf': "workflow child:\n  locks:\n    abc _ manual\n  do:\n    lock abc 'def'\n    unlock abc 'def'\n",
    'parent.wf': "workflow parent:\n  locks:\n    abc def inherit\n  do:\n    call child:\n",
  };
  assert.equal((await runInline(sources, 'parent', {})).status, 'done');
});

test('deadlock: a child waiting for a lock its parent holds (without inherit) gets a lock error', async () => {
  const sources = {
    'child.wf': "workflow child:\n  locks:\n    abc _ manual\n  do:\n    lock abc 'def'\n",
    'parent.wf': "workflow parent:\n  locks:\n    abc def\n  do:\n    call child:\n",
  };
  const res = await runInline(sources, 'parent', {});
  assert.equal(res.status, 'error');
  assert.equal(res.error?.class, 'childerror');
  assert.equal((res.error?.child as { class: string }).class, 'lock');
  assert.match((res.error?.child as { msg: string }).msg, /deadlock/);
});

test('deadlock between two runs taking two locks in opposite order', async () => {
  const res = await runInline(DEADLOCK_SOURCES, 'main', {});
  assert.deepEqual(res.output, { failed: 'wb: lock' });
});

test('wait_for_lock with a time limit raises timeout', async () => {
  const sources = {
    'holder.wf': "workflow holder:\n  locks:\n    res one\n  do:\n    sleep 100\n",
    'w.wf': "workflow w:\n  out:\n    cls string\n  wfomap:\n    cls = v.cls\n  locks:\n    res _ manual\n  do:\n    detachflow holder:\n    try:\n      wait_for_lock res: value = 'one', wait = 30\n    catch:\n      eval:\n        cls = e._error.class\n",
  };
  const res = await runInline(sources, 'w', {});
  assert.deepEqual(res.output, { cls: 'timeout' });
  assert.equal(res.driver.clock.now(), 100, 'the detached holder still runs to its end');
});

test('a run stuck forever is reported as stuck', async () => {
  const res = await runInline({ 'w.wf': "workflow w:\n  do:\n    subscribe: name = 'n', mask = object()\n    wait_for_event: events = array('n')\n" }, 'w', {});
  assert.equal(res.status, 'stuck');
});

test('the run timeout in config: is enforced as a fatal error', async () => {
  const res = await runInline({ 'w.wf': "workflow w:\n  config:\n    timeout = '1m'\n  do:\n    sleep 3600\n" }, 'w', {});
  assert.equal(res.error?.class, 'fatal');
  assert.equal(res.driver.clock.now(), 60);
});

test('invalid input for a new run is refused before it starts', async () => {
  const { workflows } = mustCompile({ 'w.wf': 'workflow w:\n  in:\n    n integer\n  do:\n    return\n' });
  const res = await new MemoryDriver({ workflows }).run('w', { n: 1.5 });
  assert.equal(res.status, 'error');
  assert.match(res.error?.msg ?? '', /invalid input for w: n must be integer/);
});

test('an interrupted run ignores late answers to what it waited for before', async () => {
  const { workflows, actions } = mustCompile({
    'flaky.ac': "action flaky:\n  out:\n    n number\n  config:\n    retry = object(tries: 2, interval: 5)\n",
    'w.wf': "workflow w:\n  out:\n    r string\n  wfomap:\n    r = v.r\n  do:\n    try:\n      call flaky:\n      eval:\n        r = 'called'\n    catch:\n      sleep 100\n      eval:\n        r = 'slept after ' . e._error.class\n",
  });
  let attempts = 0;
  const flaky = async (): Promise<{ n: number }> => {
    if (++attempts === 1) throw new ActionError('busy', 'soft');
    return { n: 1 };
  };
  const driver = new MemoryDriver({ workflows, actions, impls: { flaky } });
  const started = driver.start('w', {}, {}, null, 0);
  assert.ok('id' in started);
  driver.clock.after(1, () => driver.send(started.id, { kind: 'interrupt', error: { msg: 'abort', class: 'abort' } }));
  await driver.drive();
  assert.deepEqual(driver.runs.get(started.id)?.state.output, { r: 'slept after abort' });
  assert.equal(attempts, 1);
});
