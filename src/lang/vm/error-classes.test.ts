import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catcherWf, FLAKY_AC } from '../../../test/lang/programs.js';
import { ADD_AC, add, mustCompile, runInline } from '../../../test/lang/support.js';
import { ActionError, MemoryDriver, type ActionImpl } from './memory-driver.js';

/** One test per error class of LANGUAGE.md, plus the limits and validations that raise them. */
const catcher = (call: string): Record<string, string> => ({ 'add.ac': ADD_AC, 'flaky.ac': FLAKY_AC, 'c.wf': catcherWf(call) });

async function caught(call: string, impls: Record<string, ActionImpl>): Promise<{ cls: string; msg: string }> {
  const res = await runInline(catcher(call), 'c', {}, { add, ...impls });
  assert.equal(res.status, 'done', JSON.stringify(res.error));
  return res.output as { cls: string; msg: string };
}

test('normal: an action error is raised at the call and caught', async () => {
  const out = await caught('call add:\n  counter = 1', { add: async () => { throw new Error('disk full'); } });
  assert.deepEqual(out, { cls: 'normal', msg: 'disk full' });
});

test('soft: retried per the action retry policy, raised after the last try', async () => {
  let calls = 0;
  const flaky = async (): Promise<never> => {
    calls++;
    throw new ActionError('try later', 'soft');
  };
  const out = await caught('call flaky:\n  n = 1', { flaky });
  assert.deepEqual(out, { cls: 'soft', msg: 'try later' });
  assert.equal(calls, 3);
  let n = 0;
  const recovers = async (): Promise<{ n: number }> => {
    if (++n < 3) throw new ActionError('busy', 'soft');
    return { n };
  };
  assert.deepEqual(await caught('call flaky:\n  n = 1', { flaky: recovers }), { cls: 'none', msg: '' });
});

test('timeout: an action slower than its timeout', async () => {
  const slow: ActionImpl = async (_, ctx) => {
    await ctx.sleep(60);
    return { n: 1 };
  };
  assert.equal((await caught('call flaky:\n  n = 1', { flaky: slow })).cls, 'timeout');
});

test('childerror: a failed child run, with its error inside', async () => {
  const sources: Record<string, string> = {
    ...catcher('call bad:'),
    'bad.wf': 'workflow bad:\n  do:\n    raise_error object(msg: "inner", class: "abort")\n',
  };
  const res = await runInline({ ...sources, 'c.wf': (sources['c.wf'] as string).replace('msg = e._error.msg', 'msg = e._error.child.msg . "/" . e._error.child.class') }, 'c', {});
  assert.deepEqual(res.output, { cls: 'childerror', msg: 'inner/abort' });
});

test('abort: raised by raise_error, or sent from outside to a waiting run', async () => {
  assert.equal((await caught("raise_error object(msg: 'stop', class: 'abort')", {})).cls, 'abort');
  const { workflows } = mustCompile(catcher('sleep 100'));
  const driver = new MemoryDriver({ workflows });
  const started = driver.start('c', {}, {}, null, 0);
  assert.ok('id' in started);
  driver.clock.after(5, () => driver.send(started.id, { kind: 'interrupt', error: { msg: 'operator abort', class: 'abort' } }));
  await driver.drive();
  assert.deepEqual(driver.runs.get(started.id)?.state.output, { cls: 'abort', msg: 'operator abort' });
  assert.equal(driver.clock.now(), 5);
});

test('lock: waiting with wait = no for a lock another run holds', async () => {
  const sources = {
    'holder.wf': "workflow holder:\n  locks:\n    res one\n  do:\n    sleep 10\n",
    'c.wf': `
      workflow c:
        out:
          cls string
        wfomap:
          cls = v.cls
        locks:
          res _ manual
        do:
          detachflow holder:
          sleep 1
          try:
            wait_for_lock res:
              value = 'one'
              wait = 'no'
            eval:
              cls = 'got it'
          catch:
            eval:
              cls = e._error.class
    `,
  };
  assert.deepEqual((await runInline(sources, 'c', {})).output, { cls: 'lock' });
});

test('fatal: max_steps is never caught', async () => {
  const res = await runInline({ 'l.wf': 'workflow l:\n  config:\n    max_steps = 50\n  do:\n    try:\n      while true:\n        eval:\n          x = 1\n    catch:\n      eval:\n        y = 1\n' }, 'l', {});
  assert.equal(res.status, 'error');
  assert.equal(res.error?.class, 'fatal');
  assert.match(res.error?.msg ?? '', /max_steps of 50/);
  assert.equal(res.state.steps, 51);
});

test('fatal: max_depth stops runaway recursion; parents see a childerror', async () => {
  const res = await runInline({ 'r.wf': 'workflow r:\n  config:\n    max_depth = 3\n  do:\n    call r:\n' }, 'r', {});
  assert.equal(res.driver.runs.size, 4);
  assert.equal(res.status, 'error');
  assert.equal(res.error?.class, 'childerror');
  let inner = res.error;
  while (inner?.class === 'childerror') inner = inner.child as typeof inner;
  assert.equal(inner?.class, 'fatal');
  assert.match(inner?.msg ?? '', /max_depth of 3/);
});

test('fatal: cancel from outside is not caught', async () => {
  const { workflows } = mustCompile({ 'w.wf': 'workflow w:\n  do:\n    try:\n      sleep 100\n    catch:\n      eval:\n        x = 1\n' });
  const driver = new MemoryDriver({ workflows });
  const started = driver.start('w', {}, {}, null, 0);
  assert.ok('id' in started);
  driver.clock.after(5, () => driver.send(started.id, { kind: 'interrupt', error: { msg: 'cancelled', class: 'fatal' } }));
  await driver.drive();
  const state = driver.runs.get(started.id)?.state;
  assert.equal(state?.status, 'error');
  assert.equal(state?.error?.msg, 'cancelled');
});

test('inputs and outputs are validated against in:/out: (a normal error)', async () => {
  const badOut = await caught('call add:\n  counter = 1', { add: async () => ({ counter: 'x' }) });
  assert.deepEqual(badOut, { cls: 'normal', msg: 'invalid output from add: counter must be number' });
  const extraOut = await caught('call add:\n  counter = 1', { add: async () => ({ counter: 1, more: 2 }) });
  assert.match(extraOut.msg, /must NOT have additional properties 'more'/);
  const badIn = await caught("call add:\n  counter = from_json('\"x\"')", {});
  assert.deepEqual(badIn, { cls: 'normal', msg: 'invalid input for add: counter must be number' });
});
