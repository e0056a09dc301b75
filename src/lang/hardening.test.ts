/**
 * Bad input to the compiler gets plain, bounded answers: a byte-order mark is accepted, garbage does not
 * become thousands of messages or megabytes of text, and an internal error carries no stack to a client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADD_AC, CALLTEST_WF } from '../../test/lang/support.js';
import { compileSources, guard } from './compile.js';
import { DiagnosticBag, formatDiagnostic, MAX_PER_FILE } from './diagnostics.js';

test('a UTF-8 byte-order mark at the start of .wf and .ac files is accepted, and columns on line 1 stay right', () => {
  const ok = compileSources([{ path: 'add.ac', text: `\uFEFF${ADD_AC}` }, { path: 'calltest.wf', text: `\uFEFF${CALLTEST_WF}` }]);
  assert.deepEqual(ok.diagnostics.map(formatDiagnostic), []);
  assert.ok(ok.workflows.has('calltest') && ok.actions.has('add'));
  const bad = compileSources([{ path: 'w.wf', text: '\uFEFFworkflow w:\n  do:\n    eval:\n      a = 1 +\n' }, { path: 'x.wf', text: '\uFEFFworkflw x:\n' }]);
  const x = bad.diagnostics.find((d) => d.span.file === 'x.wf');
  assert.ok(x, JSON.stringify(bad.diagnostics));
  assert.deepEqual([x.span.line, x.span.col], [1, 1]);
  assert.ok(!x.source.startsWith('\uFEFF'));
});

test('a line of 40,000 unexpected characters gives a bounded number of short messages', () => {
  const junk = '{"a": '.repeat(20_000);
  const { diagnostics } = compileSources([{ path: 'j.wf', text: `workflow j:\n  do:\n    let:\n      x = ${junk}\n` }]);
  assert.equal(diagnostics.length, MAX_PER_FILE + 1);
  assert.match(diagnostics.at(-1)!.message, /more than 100 problems in this file: the rest are not shown/);
  for (const d of diagnostics) {
    const text = formatDiagnostic(d);
    assert.ok(text.length < 600, `a message of ${text.length} characters: ${text.slice(0, 200)}`);
    // The caret still points at the reported column of the window shown.
    const [, shown, caret] = text.split('\n');
    const at = caret!.indexOf('^');
    assert.ok(at >= 2 && shown!.length > at, text);
  }
});

test('an internal compiler error reaches the diagnostic as one line; its stack goes only to onInternalError', () => {
  const diags = new DiagnosticBag();
  const seen: unknown[] = [];
  guard(diags, 'w.wf', () => {
    throw new Error('broken invariant\nsecond line');
  }, (err) => seen.push(err));
  assert.equal(diags.items.length, 1);
  assert.equal(diags.items[0]!.code, 'WF_INTERNAL');
  assert.equal(diags.items[0]!.message, 'internal compiler error: broken invariant');
  assert.equal(seen.length, 1);
  assert.match((seen[0] as Error).stack ?? '', /hardening\.test/);
});

test('recursion that runs out of stack on deeply nested input is reported as nesting, not as a JavaScript error', () => {
  const diags = new DiagnosticBag();
  const seen: unknown[] = [];
  const dive = (n: number): number => (n === 0 ? 0 : 1 + dive(n - 1));
  guard(diags, 'w.wf', () => void dive(1e7), (err) => seen.push(err));
  assert.deepEqual(diags.items.map((d) => [d.code, d.message]), [['WF_SYNTAX', 'the file nests blocks or expressions too deeply for the compiler']]);
  assert.ok(!diags.items[0]!.message.includes('call stack'));
  assert.equal(seen.length, 0);
});
