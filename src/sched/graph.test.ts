import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTaskGraph, checkTaskGraph, edgeCount } from './graph.js';

test('a graph declared in topological order keeps its order and gets mirrored edges', () => {
  const g = buildTaskGraph(['a', 'b', 'c', 'd'], [1, 2, 3, 4], [[], ['a'], ['a'], ['b', 'c', 'b']]);
  assert.deepEqual(g.ids, ['a', 'b', 'c', 'd']);
  assert.deepEqual(g.duration, [1, 2, 3, 4]);
  assert.deepEqual(g.preds, [[], [0], [0], [1, 2]]);
  assert.deepEqual(g.succs, [[1, 2], [3], [3], []]);
  assert.equal(g.declared, undefined);
  assert.equal(edgeCount(g), 4, 'the duplicate edge b -> d is merged');
  assert.equal(checkTaskGraph(g), null);
});

test('tasks declared out of order are reordered topologically, earliest declared first', () => {
  const g = buildTaskGraph(['late', 'x', 'early', 'y'], [1, 1, 1, 1], [['early'], [], [], ['late']]);
  assert.deepEqual(g.ids, ['x', 'early', 'late', 'y']);
  assert.deepEqual(g.declared, [1, 2, 0, 3]);
  assert.equal(checkTaskGraph(g), null);
  for (let i = 0; i < g.ids.length; i++) for (const p of g.preds[i]!) assert.ok(p < i);
});

test('a cycle is reported with the names on it', () => {
  assert.throws(
    () => buildTaskGraph(['a', 'b', 'c', 'd'], [1, 1, 1, 1], [[], ['a', 'd'], ['b'], ['c']]),
    (e: Error) => /cycle: /.test(e.message) && /b -> c -> d -> b|c -> d -> b -> c|d -> b -> c -> d/.test(e.message),
  );
  assert.throws(() => buildTaskGraph(['a'], [1], [['a']]), /cycle: a -> a/);
});

test('bad input is rejected with a clear message', () => {
  assert.throws(() => buildTaskGraph(['a', 'a'], [1, 1], [[], []]), /duplicate task name "a"/);
  assert.throws(() => buildTaskGraph(['a'], [1], [['zz']]), /"a" waits for unknown task "zz"/);
  assert.throws(() => buildTaskGraph(['a'], [-1], [[]]), /invalid duration/);
  assert.throws(() => buildTaskGraph(['a'], [NaN], [[]]), /invalid duration/);
  assert.throws(() => buildTaskGraph(['a', 'b'], [1], [[], []]), /2 names but 1 durations/);
  assert.throws(() => buildTaskGraph([''], [1], [[]]), /empty name/);
});

test('checkTaskGraph catches broken invariants', () => {
  assert.equal(checkTaskGraph({ ids: ['a', 'b'], duration: [1, 1], preds: [[1], []], succs: [[], [0]] }) !== null, true);
  assert.equal(checkTaskGraph({ ids: ['a', 'b'], duration: [1, 1], preds: [[], [0]], succs: [[], []] }) !== null, true);
  assert.equal(checkTaskGraph({ ids: [], duration: [], preds: [], succs: [] }), null);
});
