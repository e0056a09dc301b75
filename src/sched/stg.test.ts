import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { criticalPathLength, totalWork } from './critical-path.js';
import { checkTaskGraph } from './graph.js';
import { parseStg } from './stg.js';
import { FIXTURE_BENCHMARKS, FULL_BENCHMARKS, NEEDS_FULL_SET } from '../../test/support/benchmarks.js';

test('parses the real STG sets: rows, dummies, and CP Length from the trailer', { skip: NEEDS_FULL_SET }, () => {
  const DATA = FULL_BENCHMARKS!;
  let checked = 0;
  for (const size of [50, 100, 300]) {
    const files = readdirSync(join(DATA, 'stg', String(size))).filter((f) => f.endsWith('.stg')).sort();
    assert.equal(files.length, 180);
    for (const f of files) {
      const s = parseStg(readFileSync(join(DATA, 'stg', String(size), f), 'utf8'), f);
      const g = s.graph;
      assert.equal(s.realTasks, size, f);
      assert.equal(s.declaredTasks, size, f);
      assert.equal(g.ids.length, size + 2, f);
      assert.equal(g.duration[0], 0, `${f}: dummy entry has time 0`);
      assert.equal(g.duration[size + 1], 0, `${f}: dummy exit has time 0`);
      assert.equal(checkTaskGraph(g), null, f);
      assert.equal(g.declared, undefined, `${f}: rows are already topological`);
      assert.notEqual(s.cpLength, undefined, f);
      assert.equal(criticalPathLength(g), s.cpLength, `${f}: CP Length`);
      checked++;
    }
  }
  assert.equal(checked, 540);
});

test('one known graph in detail', () => {
  const s = parseStg(readFileSync(join(FIXTURE_BENCHMARKS, 'stg', '50', 'rand0000.stg'), 'utf8'));
  const g = s.graph;
  assert.equal(s.cpLength, 55);
  assert.equal(s.trailer['Tasks'], '50 (+dummy tasks : 2)');
  assert.equal(g.duration[1], 9);
  assert.deepEqual(g.preds[10]!.map((p) => g.ids[p]), ['2', '6', '8']);
  assert.equal(g.preds[51]!.length, 11);
  assert.equal(totalWork(g), 262); // Ave. Proc. Time (Real : 5.24) x 50 tasks
});

const small = `  3
  0 0 0
  1 4 1 0
  2 5 1 0
  3 2 2 1 2
  4 0 1 3
# CP Length : 7
`;

test('counts the rows instead of trusting line 1', () => {
  const s = parseStg(small.replace('  3\n', '  7\n'));
  assert.equal(s.declaredTasks, 7);
  assert.equal(s.realTasks, 3);
  assert.equal(s.graph.ids.length, 5);
  assert.equal(criticalPathLength(s.graph), 7);
  assert.equal(s.cpLength, 7);
  assert.equal(parseStg(small.replace(/\n/g, '\r\n')).graph.ids.length, 5);
});

test('malformed files are rejected with the line', () => {
  assert.throws(() => parseStg(''), /empty file/);
  assert.throws(() => parseStg(small.replace('3 2 2 1 2', '3 2 3 1 2'), 'x.stg'), /x.stg:5: task 3 declares 3 predecessors but lists 2/);
  assert.throws(() => parseStg(small.replace('2 5 1 0', '7 5 1 0')), /expected task id 2, found 7/);
  assert.throws(() => parseStg(small.replace('1 4 1 0', '1 4 1 3')), /predecessor 3 \(not lower\)/);
  assert.throws(() => parseStg(small.replace('1 4 1 0', '1 4.5 1 0')), /"4.5" is not a non-negative integer/);
  assert.throws(() => parseStg('  1\n  0 0 0\n'), /fewer than two task rows/);
});
