import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lowerBoundCeil } from './critical-path.js';
import { buildTaskGraph, type TaskGraph } from './graph.js';
import { checkSchedule, listSchedule } from './list-schedule.js';
import { fifoPriorities, hlfetPriorities, planPriorities } from './planner.js';
import { parseStg } from './stg.js';
import { FIXTURE_BENCHMARKS } from '../../test/support/benchmarks.js';

const DATA = FIXTURE_BENCHMARKS;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function randomGraph(rand: () => number, n: number, p: number): TaskGraph {
  const names = Array.from({ length: n }, (_, i) => `t${i}`);
  return buildTaskGraph(
    names,
    names.map(() => 1 + Math.floor(rand() * 10)),
    names.map((_, i) => names.slice(0, i).filter(() => rand() < p)),
  );
}

function isPermutation(p: number[]): boolean {
  const seen = new Set(p);
  return seen.size === p.length && p.every((x) => Number.isInteger(x) && x >= 0 && x < p.length);
}

test('reaches the lower bound on a chain and on independent tasks with enough slots', () => {
  const names = Array.from({ length: 30 }, (_, i) => `s${i}`);
  const chain = buildTaskGraph(names, names.map((_, i) => (i % 7) + 1), names.map((_, i) => (i ? [`s${i - 1}`] : [])));
  for (const m of [1, 3]) {
    const plan = planPriorities(chain, m);
    assert.equal(plan.makespan, plan.criticalPath);
    assert.equal(plan.makespan, plan.lowerBound);
  }
  const indep = buildTaskGraph(names, names.map((_, i) => (i % 5) + 1), names.map(() => []));
  const plan = planPriorities(indep, 30);
  assert.equal(plan.makespan, 5);
  assert.equal(plan.lowerBound, 5);
  assert.equal(plan.rule, 'hlfet');
  // Independent 3,3,2,2,2 on two slots: HLFET (= LPT) gives 7, the search finds the optimum 6.
  const five = buildTaskGraph(['p', 'q', 'r', 's', 't'], [3, 3, 2, 2, 2], [[], [], [], [], []]);
  const p5 = planPriorities(five, 2);
  assert.equal(listSchedule(five, 2, hlfetPriorities(five)).makespan, 7);
  assert.equal(p5.makespan, 6);
  assert.equal(p5.lowerBound, 6);
  assert.match(p5.rule, /\+search|\+fb/);
});

test('never worse than HLFET, and the returned list really has the reported makespan', () => {
  const rand = rng(7);
  for (let round = 0; round < 40; round++) {
    const g = randomGraph(rand, 10 + Math.floor(rand() * 50), rand() * 0.2);
    const m = 1 + Math.floor(rand() * 6);
    const plan = planPriorities(g, m, { iterations: 300, seed: round });
    const hlfet = listSchedule(g, m, hlfetPriorities(g)).makespan;
    assert.ok(plan.makespan <= hlfet, `round ${round}: ${plan.makespan} > HLFET ${hlfet}`);
    assert.ok(plan.makespan >= plan.lowerBound);
    assert.ok(isPermutation(plan.priority));
    const s = listSchedule(g, m, plan.priority);
    assert.equal(s.makespan, plan.makespan);
    assert.equal(checkSchedule(g, m, s.start), null);
  }
});

test('deterministic for a given seed', () => {
  const g = randomGraph(rng(99), 60, 0.08);
  const a = planPriorities(g, 3, { seed: 5, iterations: 500 });
  const b = planPriorities(g, 3, { seed: 5, iterations: 500 });
  assert.deepEqual(a, b);
  const c = planPriorities(g, 3, { seed: 6, iterations: 500 });
  assert.ok(c.makespan <= listSchedule(g, 3, hlfetPriorities(g)).makespan);
});

test('figures: lower bound, critical path and work', () => {
  const g = buildTaskGraph(['a', 'b', 'c'], [2, 3, 4], [[], ['a'], []]);
  const plan = planPriorities(g, 2);
  assert.equal(plan.criticalPath, 5);
  assert.equal(plan.work, 9);
  assert.equal(plan.lowerBound, 5);
  assert.equal(plan.makespan, 5);
  const frac = buildTaskGraph(['a', 'b', 'c'], [0.5, 0.5, 0.5], [[], [], []]);
  assert.equal(planPriorities(frac, 2).lowerBound, 0.75);
});

test('no search, tiny budgets and empty graphs still give a valid plan', () => {
  const g = randomGraph(rng(3), 40, 0.1);
  const hlfet = listSchedule(g, 2, hlfetPriorities(g)).makespan;
  for (const opts of [{ iterations: 0 }, { budgetSteps: 1 }, { budgetSteps: 0, iterations: 10 }]) {
    const plan = planPriorities(g, 2, opts);
    assert.ok(isPermutation(plan.priority));
    assert.ok(plan.makespan <= hlfet);
    assert.equal(listSchedule(g, 2, plan.priority).makespan, plan.makespan);
  }
  const empty = planPriorities(buildTaskGraph([], [], []), 4);
  assert.deepEqual(empty.priority, []);
  assert.equal(empty.makespan, 0);
  assert.throws(() => planPriorities(g, 0), /positive integer/);
});

test('fifoPriorities is declaration order, also when the builder reordered the tasks', () => {
  const g = buildTaskGraph(['b', 'a', 'c'], [1, 1, 1], [['a'], [], []]);
  assert.deepEqual(g.ids, ['a', 'b', 'c']);
  assert.deepEqual(fifoPriorities(g), [1, 0, 2]);
  const h = buildTaskGraph(['x', 'y'], [1, 1], [[], ['x']]);
  assert.deepEqual(fifoPriorities(h), [0, 1]);
});

test('STG graphs: never worse than HLFET and at the lower bound on most', () => {
  let atBound = 0;
  let total = 0;
  for (const k of [0, 7, 23, 42, 77, 101, 150, 179]) {
    const f = `rand${String(k).padStart(4, '0')}.stg`;
    const g = parseStg(readFileSync(join(DATA, 'stg', '50', f), 'utf8'), f).graph;
    for (const m of [2, 4, 8]) {
      const plan = planPriorities(g, m);
      assert.equal(plan.lowerBound, lowerBoundCeil(g, m));
      assert.ok(plan.makespan <= listSchedule(g, m, hlfetPriorities(g)).makespan, `${f} m=${m}`);
      total++;
      if (plan.makespan === plan.lowerBound) atBound++;
    }
  }
  assert.ok(atBound >= total - 3, `${atBound}/${total} at the lower bound`);
});
