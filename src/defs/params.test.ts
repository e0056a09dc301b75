import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileProject } from '../testkit/index.js';
import { resolveParams } from './params.js';

test('a parameter value holding a NUL byte is refused, naming the parameter; a misspelt name gets a suggestion', async () => {
  const project = await compileProject({ 'f.yaml': 'flow: f\nparams:\n  label: { type: string }\n  date: "2026-01-01"\njobs:\n  a: { kind: noop }\n' });
  const flow = project.flows.get('f')!;
  const nul = resolveParams(flow, { label: 'a\0b' });
  assert.deepEqual(nul.errors, ['parameter "label" holds a NUL byte (\\0) at offset 1: a job\'s command line and environment cannot carry one']);
  const typo = resolveParams(flow, { dat: '2026-02-02' });
  assert.deepEqual(typo.errors, ['flow "f" has no parameter "dat" (did you mean \'date\'?) (parameters: label, date)']);
  assert.deepEqual(resolveParams(flow, { label: 'x' }), { values: { label: 'x', date: '2026-01-01' }, errors: [] });
});
