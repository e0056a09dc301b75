import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADD_AC, CALLTEST_WF, compile, mustCompile } from '../../test/lang/support.js';
import { compileSources } from './compile.js';
import { fingerprint } from './fingerprint.js';
import { MemoryDriver } from './vm/memory-driver.js';

/** The compiled form: flat JSON steps with explicit successors, interfaces, config, fingerprints. */
const CALLTEST = CALLTEST_WF;

test('a workflow compiles to JSON steps with explicit successors and the callee interfaces', () => {
  const wf = mustCompile({ 'add.ac': ADD_AC, 'calltest.wf': CALLTEST }).workflows.get('calltest');
  assert.ok(wf);
  assert.deepEqual(JSON.parse(JSON.stringify(wf)), wf);
  assert.deepEqual(wf.steps.map((s) => s.op), ['call', 'end']);
  assert.deepEqual(wf.steps[0], {
    op: 'call', callee: 'add', next: 1, at: [9, 5],
    input: [
      { target: { kind: 'var', ns: 'i', name: 'counter', path: [] }, op: '=', value: { kind: 'var', ns: 'a', name: 'input', path: [] }, ifdef: false },
      { target: { kind: 'var', ns: 'i', name: 'step', path: [] }, op: '=', value: { kind: 'literal', value: 3 }, ifdef: false },
    ],
    into: [{ target: { kind: 'var', ns: 'v', name: 'thing', path: [] }, op: '=', value: { kind: 'var', ns: 'o', name: 'counter', path: [] }, ifdef: false }],
  });
  assert.deepEqual(Object.keys(wf.callees), ['add']);
  assert.deepEqual(wf.callees.add?.in.step, { type: 'number', schema: { type: 'number' }, optional: false, default: 1 });
});

test('loops and branches jump straight to their targets (no jump steps are executed)', () => {
  const wf = mustCompile({
    'w.wf': 'workflow w:\n  do:\n    while v.i < 3:\n      eval:\n        i = (v.i // 0) + 1\n    if v.i:\n      eval:\n        a = 1\n    else:\n      eval:\n        a = 2\n',
  }).workflows.get('w');
  assert.ok(wf);
  const reachable = new Set<number>([0]);
  for (const k of [...reachable]) {
    const s = wf.steps[k];
    const next = s?.op === 'branch' ? [s.then, s.else] : s && 'next' in s ? [s.next] : s?.op === 'jump' ? [s.target] : [];
    for (const n of next) if (!reachable.has(n)) reachable.add(n);
  }
  assert.ok([...reachable].every((k) => wf.steps[k]?.op !== 'jump'));
});

test('try ranges route errors to their handler, innermost first', () => {
  const wf = mustCompile({ 'w.wf': 'workflow w:\n  do:\n    try:\n      try:\n        raise_error "a"\n      catch:\n        raise_error "b"\n    catch:\n      return\n' }).workflows.get('w');
  assert.ok(wf);
  assert.deepEqual(wf.tries, [{ from: 0, to: 1, handler: 2 }, { from: 0, to: 3, handler: 4 }]);
});

test('the fingerprint ignores positions and comments but not behaviour', () => {
  const fp = (text: string): string => fingerprint(mustCompile({ 'add.ac': ADD_AC, 'calltest.wf': text }).workflows.get('calltest') as never);
  const base = fp(CALLTEST);
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.equal(fp(`# a comment\n\n${CALLTEST}`), base);
  assert.notEqual(fp(CALLTEST.replace('step = 3', 'step = 4')), base);
});

test('actions: interface, env, roles, typed config and the raw config entries', () => {
  const { actions } = mustCompile({
    'add.ac': `
      action add:
        in:
          counter number
          step number 1
        out:
          counter number
        env:
          unit = 'apples'
        role:
          workers
        config:
          timeout = '2m'
          retry = object(tries: 3, interval: 10)
          retryable = false
          command = 'node scripts/add.js'
          labels = object(zone: 'dmz')
    `,
  });
  const add = actions.get('add');
  assert.ok(add);
  assert.deepEqual(add.config, { timeout: 120, retry: { tries: 3, interval: 10 }, retryable: false, labels: { zone: 'dmz' } });
  assert.deepEqual(add.raw, { timeout: '2m', retry: { tries: 3, interval: 10 }, retryable: false, command: 'node scripts/add.js', labels: { zone: 'dmz' } });
  assert.deepEqual(add.env, { unit: 'apples' });
  assert.deepEqual(add.roles, ['workers']);
  assert.equal(add.in.step?.default, 1);
});

test('schema names from the project schema folder are types; unknown names are errors', async () => {
  const sources = [{ path: 'w.wf', text: 'workflow w:\n  in:\n    zone zone_spec\n  out:\n    id integer\n  wfomap:\n    id = a.zone.id\n  do:\n    return\n' }];
  assert.match(compileSources(sources).diagnostics[0]?.message ?? '', /unknown type 'zone_spec'/);
  const schemas = { zone_spec: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } };
  const { workflows, diagnostics } = compileSources(sources, { schemas });
  assert.deepEqual(diagnostics, []);
  const driver = new MemoryDriver({ workflows });
  assert.deepEqual((await driver.run('w', { zone: { id: 7 } })).output, { id: 7 });
  assert.match((await driver.run('w', { zone: { id: 'x' } })).error?.msg ?? '', /zone.id must be integer/);
});

test('bad input never throws: empty files, binary noise, nothing but perl', () => {
  for (const text of ['', '\u0000\u0001\uffff', '[[ $x ]]', 'workflow', 'workflow :', '\t\t\tdo:', 'action a:\n  in:\n    x\n']) {
    const result = compile({ 'x.wf': text });
    assert.ok(Array.isArray(result.diagnostics));
  }
});

test('pathological sizes are refused with a diagnostic, not a stack overflow', () => {
  let deep = 'workflow d:\n  do:\n';
  for (let k = 0; k < 3000; k++) deep += `${' '.repeat(4 + k)}if true:\n`;
  const long = `workflow e:\n  do:\n    eval:\n      x = ${'1+'.repeat(50_000)}1\n      y = ${'-'.repeat(50_000)}1\n      z = ${'f('.repeat(5_000)}\n`;
  for (const text of [deep, long]) {
    const { diagnostics } = compileSources([{ path: 'x.wf', text }]);
    assert.ok(diagnostics.some((d) => d.code === 'WF_SYNTAX'));
    assert.ok(!diagnostics.some((d) => d.code === 'WF_INTERNAL'), diagnostics.find((d) => d.code === 'WF_INTERNAL')?.message);
  }
});
