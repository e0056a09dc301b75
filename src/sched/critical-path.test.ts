import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bottomLevels,
  criticalPath,
  criticalPathLength,
  hasIntegerDurations,
  lowerBound,
  lowerBoundCeil,
  topLevels,
  totalWork,
} from './critical-path.js';
import { buildTaskGraph } from './graph.js';

// a(2) -> b(3) -> d(1); a -> c(5) -> d; e(4) alone.
const g = buildTaskGraph(['a', 'b', 'c', 'd', 'e'], [2, 3, 5, 1, 4], [[], ['a'], ['a'], ['b', 'c'], []]);

test('bottom levels include the task itself; top levels are earliest starts', () => {
  assert.deepEqual(bottomLevels(g), [8, 4, 6, 1, 4]);
  assert.deepEqual(topLevels(g), [0, 2, 2, 7, 0]);
  assert.equal(criticalPathLength(g), 8);
  assert.deepEqual(criticalPath(g), ['a', 'c', 'd']);
  assert.equal(totalWork(g), 15);
});

test('lower bound is max(CP, work / m), with a ceil variant for integer durations', () => {
  assert.equal(lowerBound(g, 1), 15);
  assert.equal(lowerBound(g, 2), 8);
  assert.equal(lowerBoundCeil(g, 2), 8);
  const wide = buildTaskGraph(['x', 'y', 'z'], [1, 1, 1], [[], [], []]);
  assert.equal(lowerBound(wide, 2), 1.5);
  assert.equal(lowerBoundCeil(wide, 2), 2);
  const frac = buildTaskGraph(['x', 'y', 'z'], [0.5, 1, 1], [[], [], []]);
  assert.equal(hasIntegerDurations(frac), false);
  assert.equal(lowerBoundCeil(frac, 2), 1.25, 'no rounding when durations are not integers');
  assert.throws(() => lowerBound(g, 0), /positive integer/);
});

test('empty graph', () => {
  const e = buildTaskGraph([], [], []);
  assert.equal(criticalPathLength(e), 0);
  assert.deepEqual(criticalPath(e), []);
  assert.equal(lowerBound(e, 3), 0);
});
