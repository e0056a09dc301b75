import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandTemplate, parseTemplate, type ExprRef } from './expr.js';
import { parseDuration } from './spec.js';
import { coerce, resolveParams } from './params.js';
import type { FlowDef } from './model.js';

test('parseTemplate splits literals and references', () => {
  const { parts, errors } = parseTemplate('a ${{ params.day }}-${{jobs.x.result.out.n}} ${{ kv.k }}/${{ run.id }}');
  assert.deepEqual(errors, []);
  assert.deepEqual(parts, [
    'a ', { kind: 'params', name: 'day' }, '-', { kind: 'result', job: 'x', path: ['out', 'n'] }, ' ',
    { kind: 'kv', key: 'k' }, '/', { kind: 'run' },
  ]);
});

test('malformed expressions are reported with their offset', () => {
  for (const text of ['${{ params }}', '${{ env.HOME }}', '${{ params.a b }}', 'x ${{ params.a', '${{ jobs.a.b }}', '${{ }}']) {
    const { errors } = parseTemplate(text);
    assert.equal(errors.length, 1, text);
  }
  assert.equal(parseTemplate('x ${{ nope.a }}').errors[0]!.offset, 2);
});

test('expansion is text substitution: a value stays one argument', () => {
  const resolve = (ref: ExprRef) => (ref.kind === 'params' ? '$(rm -rf /); echo "x"' : '?');
  assert.equal(expandTemplate(parseTemplate('--day=${{ params.d }}').parts, resolve), '--day=$(rm -rf /); echo "x"');
});

test('durations', () => {
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration(0.5), 500);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('2d'), 172_800_000);
  for (const bad of ['', 'soon', '5 m', '-1s', '1x', -3, null]) assert.equal(parseDuration(bad), undefined, String(bad));
});

test('parameters: coercion, defaults, required, unknown names', () => {
  assert.equal(coerce('integer', '42'), 42);
  assert.equal(coerce('integer', '4.2'), undefined);
  assert.equal(coerce('number', '4.2'), 4.2);
  assert.equal(coerce('boolean', 'true'), true);
  assert.equal(coerce('boolean', 'yes'), undefined);
  const flow = {
    name: 'f', file: 'f.yaml', jobs: [], priority: 0,
    params: [
      { name: 'day', type: 'string', default: '2026-01-01', required: false },
      { name: 'n', type: 'integer', required: true },
    ],
  } as FlowDef;
  assert.deepEqual(resolveParams(flow, { n: '3' }), { values: { day: '2026-01-01', n: 3 }, errors: [] });
  const bad = resolveParams(flow, { n: 'x', other: '1' });
  assert.equal(bad.errors.length, 2);
  assert.match(bad.errors.join('\n'), /no parameter "other"/);
  assert.match(bad.errors.join('\n'), /"n" must be of type integer/);
  assert.match(resolveParams(flow, {}).errors[0]!, /"n" .* is required/);
});
