import { CALLADD_WF, INC_WF, SPLIT_PAR_WF } from '../../../test/lang/programs.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADD_AC, runInline } from '../../../test/lang/support.js';

/** One test per statement of the language, run on the in-memory driver. */
const wf = (body: string, extra = ''): Record<string, string> => ({
  'add.ac': ADD_AC,
  't.wf': `
    workflow t:
      in:
        n number 0
      out:
        r any optional
      wfomap:
        r = ifdef(v.r)
      ${extra}
      do:
${body.split('\n').map((l) => `        ${l}`).join('\n')}
  `,
});

async function result(body: string, input = {}, extra = ''): Promise<unknown> {
  const res = await runInline(wf(body, extra), 't', input);
  assert.equal(res.status, 'done', JSON.stringify(res.error));
  return res.output?.r;
}

test('eval and let assign variables; t. is scratch inside one map', async () => {
  assert.equal(await result(`eval:\n  t.x = 2\n  r = t.x * 21`), 42);
  assert.deepEqual(await result(`let:\n  r = array(1)\n  r ,= 2\n  r ,= array(3)`), [1, 2, [3]]);
});

test('assignment operators', async () => {
  assert.deepEqual(await result(`eval:
  a = 10
  a += 5
  a -= 1
  a *= 2
  a /= 4
  s .= 'x'
  s .= 7
  d //= 'first'
  d //= 'second'
  o ||= 0
  o ||= 'set'
  r = array(a, s, d, o)`), [7, 'x7', 'first', 'set']);
});

test('call with input map, defaults and into:', async () => {
  assert.equal(await result(`call add:\n  counter = a.n\ninto:\n  r = o.counter`, { n: 4 }), 5);
});

test('map shorthands: <name>, <a,b> and <*> copy across a call, skipping undefined values', async () => {
  assert.equal(await result(`eval:\n  counter = 5\ncall add:\n  <*>\ninto:\n  <*>\neval:\n  r = v.counter`), 6);
  assert.equal(await result(`eval:\n  counter = 5\n  step = 2\ncall add:\n  <counter, step>\ninto:\n  <counter>\neval:\n  r = v.counter`), 7);
});

test('if / elsif / else', async () => {
  const body = `if a.n < 0:\n  eval:\n    r = 'neg'\nelsif a.n == 0:\n  eval:\n    r = 'zero'\nelse:\n  eval:\n    r = 'pos'`;
  assert.equal(await result(body, { n: -3 }), 'neg');
  assert.equal(await result(body, { n: 0 }), 'zero');
  assert.equal(await result(body, { n: 9 }), 'pos');
});

test('while and repeat/until', async () => {
  assert.equal(await result(`eval:\n  r = 0\nwhile v.r < 5:\n  eval:\n    r += 1`), 5);
  assert.equal(await result(`eval:\n  r = 10\nrepeat:\n  eval:\n    r += 1\nuntil v.r > 3`), 11);
});

test('case with when labels, several labels and else (nested and level forms)', async () => {
  const nested = `case a.n:\n  when 1, 2:\n    eval:\n      r = 'small'\n  when "3":\n    eval:\n      r = 'three'\n  else:\n    eval:\n      r = 'other'`;
  assert.equal(await result(nested, { n: 2 }), 'small');
  assert.equal(await result(nested, { n: 3 }), 'three');
  assert.equal(await result(nested, { n: 7 }), 'other');
  const level = `case a.n:\nwhen 1:\n  eval:\n    r = 'one'\nelse:\n  eval:\n    r = 'other'`;
  assert.equal(await result(level, { n: 1 }), 'one');
});

test('goto and label', async () => {
  const body = `eval:\n  r = ''\ngoto two\nlabel one\neval:\n  r .= '1'\ngoto end\nlabel two\neval:\n  r .= '2'\ngoto one\nlabel end`;
  assert.equal(await result(body), '21');
});

test('return ends the run and still computes the outputs', async () => {
  assert.equal(await result(`eval:\n  r = 'early'\nreturn\neval:\n  r = 'late'`), 'early');
});

test('try/catch: e._error has msg and class; raise_error with a string or an object', async () => {
  assert.deepEqual(await result(`try:\n  raise_error 'boom'\ncatch:\n  eval:\n    r = e._error`),
    { msg: 'boom', class: 'normal', at: 't.wf:11:7' });
  assert.equal(await result(`try:\n  raise_error object(msg: 'x', class: 'abort', code: 7)\ncatch:\n  eval:\n    r = e._error.class . e._error.code`), 'abort7');
  assert.equal(await result(`try:\n  eval:\n    r = 1 / 0\ncatch:\n  eval:\n    r = e._error.msg`), 'division by zero');
});

test('assert raises unless its condition holds', async () => {
  assert.equal(await result(`assert a.n > 0: 'n must be positive'\neval:\n  r = 'ok'`, { n: 1 }), 'ok');
  assert.equal(await result(`try:\n  assert a.n > 0:\n    'n must be positive'\ncatch:\n  eval:\n    r = e._error.msg`, { n: 0 }), 'n must be positive');
});

test('sleep waits on the driver clock', async () => {
  const res = await runInline(wf(`sleep 90\nsleep '1 minute'\nsleep:\n  timeout = '2.5s'\neval:\n  r = 1`), 't', {});
  assert.equal(res.status, 'done');
  assert.equal(res.driver.clock.now(), 152.5);
});

test('subscribe, raise_event and wait_for_event deliver events whose mask matches', async () => {
  const body = `subscribe:\n  name = 'mine'\n  mask = object(kind: 'x')
raise_event: event = object(kind: 'y', n: 1)
raise_event: event = object(kind: 'x', n: 2)
wait_for_event:\n  events = array('mine')\n  timeout = 5\ninto:\n  <event>
unsubscribe: name = 'mine'
wait_for_event: events = array('mine'), timeout = 5\ninto:\n  t.e = o.event\n  r = array(v.event, t.e.name)`;
  const out = await result(body);
  assert.deepEqual(out, [{ name: 'mine', event: { kind: 'x', n: 2 } }, 'timeout']);
});

test('locks: lock, wait_for_lock and unlock', async () => {
  const extra = 'locks:\n        res _ manual\n        fixed one';
  assert.equal(await result(`lock res 'a'\nwait_for_lock res:\n  value = 'b'\n  wait = 'no'\nunlock res: value = 'a'\nunlock res 'b'\neval:\n  r = 'ok'`, {}, extra), 'ok');
});

test('split runs children in parallel and maps their outputs in source order', async () => {
  const sources = {
    'add.ac': ADD_AC,
    'inc.wf': INC_WF,
    'par.wf': SPLIT_PAR_WF,
  };
  const res = await runInline(sources, 'par', {});
  assert.deepEqual(res.output, { r: 'a11 b21' });
});

test('map ... using ... collect: one child per element, collected in element order', async () => {
  const sources = {
    'add.ac': ADD_AC,
    'calladd.wf': CALLADD_WF,
    'mc.wf': `
      workflow map_collect_test:
        in:
          input array
        out:
          output number
          seen array
        wfomap:
          <output, seen>
        do:
          map calladd using a.input:
            input = tonumber(e._v) # loop variable
            step = e._i # loop index
          collect:
            output += o.output
            seen ,= e._i
    `,
  };
  const res = await runInline(sources, 'map_collect_test', { input: [10, '20', 30] });
  assert.deepEqual(res.output, { output: 63, seen: [0, 1, 2] });
});

test('detachflow starts a child and does not wait for it', async () => {
  const sources = {
    'slow.wf': `
      workflow slow:
        do:
          sleep 100
    `,
    'd.wf': `
      workflow d:
        do:
          detachflow slow:
    `,
  };
  const res = await runInline(sources, 'd', {});
  assert.equal(res.status, 'done');
  assert.equal(res.driver.runs.size, 2);
});

test('a workflow called as a subroutine returns its outputs', async () => {
  const sources = {
    'add.ac': ADD_AC,
    'sub.wf': `
      workflow sub:
        in:
          x number
        out:
          y number
        wfomap:
          y = a.x * 2
        do:
          eval:
            unused = 1
    `,
    'main.wf': `
      workflow main:
        out:
          r number
        wfomap:
          r = v.r
        do:
          call sub:
            x = 21
          into:
            r = o.y
    `,
  };
  assert.deepEqual((await runInline(sources, 'main', {})).output, { r: 42 });
});

