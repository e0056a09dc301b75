import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADD_AC, CALLTEST_WF, mustCompile } from '../../../test/lang/support.js';
import type { CompiledWorkflow } from '../program.js';
import { startRun, type RunState } from './state.js';
import { step, VmProtocolError } from './step.js';

/** The VM driven by hand: the effects/events protocol and a run that survives being reloaded. */
const program = mustCompile({
  'add.ac': ADD_AC,
  'calltest.wf': CALLTEST_WF,
}).workflows.get('calltest') as CompiledWorkflow;

function begin(input = { input: 123 }): RunState {
  const started = startRun(program, input, { job_id: 'j1' });
  assert.ok('state' in started);
  return started.state;
}

test('calltest by hand: call_action, action_done, done', () => {
  let r = step(program, begin());
  assert.deepEqual(r.effect, { kind: 'call_action', action: 'add', input: { counter: 123, step: 3 } });
  assert.equal(r.state.status, 'waiting');
  assert.deepEqual(r.state.pending, { effect: r.effect });
  r = step(program, r.state, { kind: 'action_done', output: { counter: 126 } });
  assert.equal(r.effect, undefined);
  assert.deepEqual(r.state.v, { thing: 126 });
  r = step(program, r.state);
  assert.deepEqual(r.effect, { kind: 'done', output: { output: 126 } });
  assert.deepEqual([r.state.status, r.state.steps], ['done', 3]);
  assert.deepEqual(step(program, r.state), { state: r.state });
});

test('e holds the driver env, the workflow name and env: constants; a is validated with defaults', () => {
  assert.deepEqual(begin().e, { job_id: 'j1', workflow: 'calltest' });
  const bad = startRun(program, { input: 'x' }, {});
  assert.ok('error' in bad);
  assert.match(bad.error.msg, /input must be number/);
  assert.ok('error' in startRun(program, [1], {}));
  const deep = startRun(program, { input: 1 }, {}, { depth: 17 });
  assert.ok('error' in deep && deep.error.class === 'fatal');
});

test('protocol errors are thrown: a missing, unexpected or mismatched event', () => {
  const waiting = step(program, begin()).state;
  assert.throws(() => step(program, waiting), VmProtocolError);
  assert.throws(() => step(program, waiting, { kind: 'woken' }), /does not answer call_action/);
  assert.throws(() => step(program, begin(), { kind: 'woken' }), /not waiting/);
});

test('failed and interrupt answer any pending effect', () => {
  const waiting = step(program, begin()).state;
  const failed = step(program, waiting, { kind: 'failed', error: { msg: 'worker lost', class: 'bogus' } });
  assert.deepEqual(failed.effect, { kind: 'failed', error: { msg: 'worker lost', class: 'normal', at: 'calltest.wf:9:5' } });
  const cancelled = step(program, begin(), { kind: 'interrupt', error: { msg: 'cancel', class: 'fatal' } });
  assert.equal(cancelled.state.status, 'error');
});

test('a run reloaded from JSON after every step (program and state) ends the same way', () => {
  const reload = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
  let state = begin();
  let effect;
  for (let k = 0; k < 10 && state.status !== 'done'; k++) {
    const p = reload(program);
    const answer = state.status === 'waiting' ? { kind: 'action_done' as const, output: { counter: 126 } } : undefined;
    ({ state, effect } = step(p, reload(state), answer));
  }
  assert.deepEqual(effect, { kind: 'done', output: { output: 126 } });
});

test('steps do not change the state they are given', () => {
  const start = begin();
  const frozen = JSON.stringify(start);
  const waiting = step(program, start).state;
  step(program, waiting, { kind: 'action_done', output: { counter: 1 } });
  assert.equal(JSON.stringify(start), frozen);
  assert.equal(waiting.status, 'waiting');
});
