import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { optimalFileName, parseOptimalCsv } from './optimal.js';
import { FIXTURE_BENCHMARKS, FULL_BENCHMARKS, NEEDS_FULL_SET } from '../../test/support/benchmarks.js';

test('file names', () => {
  assert.equal(optimalFileName(50, 2), 'Case50_2_OPT.csv');
  assert.equal(optimalFileName(100, 16), 'Case100_16_OPT.csv');
});

test('parses a real optimal-value file', () => {
  const rows = parseOptimalCsv(readFileSync(join(FIXTURE_BENCHMARKS, 'stg', 'optimal', 'Case50_2_OPT.csv'), 'utf8'), 'Case50_2_OPT.csv');
  assert.equal(rows.length, 180);
  assert.deepEqual(rows[0], { graph: '50/rand0000.stg', m: 2, lb: 131, ub: 131, proven: true });
  assert.equal(rows.filter((r) => !r.proven).length, 17);
  rows.forEach((r, i) => assert.equal(r.graph, `50/rand${String(i).padStart(4, '0')}.stg`));
});

test('parses every real optimal-value file', { skip: NEEDS_FULL_SET }, () => {
  const DATA = FULL_BENCHMARKS!;
  const unproven: Record<string, number> = {};
  for (const size of [50, 100]) {
    for (const m of [2, 4, 8, 16]) {
      const name = optimalFileName(size, m);
      const rows = parseOptimalCsv(readFileSync(join(DATA, 'stg', 'optimal', name), 'utf8'), name);
      assert.equal(rows.length, 180, name);
      rows.forEach((r, i) => {
        assert.equal(r.graph, `${size}/rand${String(i).padStart(4, '0')}.stg`);
        assert.equal(r.m, m);
        assert.ok(r.lb <= r.ub);
        if (r.proven) assert.equal(r.lb, r.ub);
      });
      unproven[name] = rows.filter((r) => !r.proven).length;
    }
  }
  assert.deepEqual(unproven, {
    'Case50_2_OPT.csv': 17,
    'Case50_4_OPT.csv': 18,
    'Case50_8_OPT.csv': 16,
    'Case50_16_OPT.csv': 0,
    'Case100_2_OPT.csv': 17,
    'Case100_4_OPT.csv': 11,
    'Case100_8_OPT.csv': 5,
    'Case100_16_OPT.csv': 0,
  });
  const first = parseOptimalCsv(readFileSync(join(DATA, 'stg', 'optimal', 'Case50_2_OPT.csv'), 'utf8'))[0];
  assert.deepEqual(first, { graph: '50/rand0000.stg', m: 2, lb: 131, ub: 131, proven: true });
});

test('OPT and LB,UB rows, CRLF, blank lines and no final newline', () => {
  const rows = parseOptimalCsv('50/a.stg,2,131\r\n\r\n100/b.stg,2,296,312');
  assert.deepEqual(rows, [
    { graph: '50/a.stg', m: 2, lb: 131, ub: 131, proven: true },
    { graph: '100/b.stg', m: 2, lb: 296, ub: 312, proven: false },
  ]);
  assert.throws(() => parseOptimalCsv('a,2'), /:1: expected 3 or 4 fields, found 2/);
  assert.throws(() => parseOptimalCsv('a,2,x'), /"x" is not a number/);
  assert.throws(() => parseOptimalCsv('a,0,5'), /bad processor count/);
  assert.throws(() => parseOptimalCsv('a,2,9,5'), /upper bound 5 below lower bound 9/);
});
