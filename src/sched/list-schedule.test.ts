import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTaskGraph, type TaskGraph } from './graph.js';
import { checkSchedule, ListScheduler, listSchedule } from './list-schedule.js';

function graph(spec: [string, number, string[]][]): TaskGraph {
  return buildTaskGraph(
    spec.map((s) => s[0]),
    spec.map((s) => s[1]),
    spec.map((s) => s[2]),
  );
}

test('a chain runs one task after the other whatever the slots', () => {
  const g = graph([['a', 2, []], ['b', 3, ['a']], ['c', 4, ['b']]]);
  for (const m of [1, 2, 8]) {
    const s = listSchedule(g, m, [0, 1, 2]);
    assert.equal(s.makespan, 9);
    assert.deepEqual(s.start, [0, 2, 5]);
  }
});

test('independent tasks on two slots: the priority order decides the makespan', () => {
  // Durations 3, 3, 2, 2, 2: LPT gives 7, the optimum 6 needs 3+3 on one slot and 2+2+2 on the other.
  const g = graph([['p', 3, []], ['q', 3, []], ['r', 2, []], ['s', 2, []], ['t', 2, []]]);
  const lpt = listSchedule(g, 2, [0, 1, 2, 3, 4]);
  assert.equal(lpt.makespan, 7);
  assert.deepEqual(lpt.start, [0, 0, 3, 3, 5]);
  const best = listSchedule(g, 2, [0, 3, 1, 2, 4]);
  assert.equal(best.makespan, 6);
  assert.deepEqual(best.start, [0, 3, 0, 2, 4]);
  assert.equal(listSchedule(g, 5, [4, 3, 2, 1, 0]).makespan, 3);
  assert.equal(listSchedule(g, 1, [0, 1, 2, 3, 4]).makespan, 12);
});

test('equal priorities are broken by index', () => {
  const g = graph([['a', 1, []], ['b', 2, []], ['c', 3, []]]);
  assert.deepEqual(listSchedule(g, 1, [0, 0, 0]).start, [0, 1, 3]);
  assert.deepEqual(listSchedule(g, 1, [1, 0, 0]).start, [5, 0, 2]);
});

test('all completions at one instant are processed before dispatching', () => {
  // a and b end together at 2; c (after b) has a better priority than d and e, so it starts at 2.
  const g = graph([['a', 2, []], ['b', 2, []], ['c', 1, ['b']], ['d', 5, []], ['e', 5, []]]);
  const s = listSchedule(g, 2, [0, 1, 2, 3, 4]);
  assert.deepEqual(s.start, [0, 0, 2, 2, 3]);
  assert.equal(s.makespan, 8);
});

test('the dispatcher never leaves a slot idle while a task is ready (non-delay), even against priority', () => {
  // d is the best task but becomes ready only at 4; the free slot takes e at 0 rather than waiting.
  const g = graph([['a', 4, []], ['d', 1, ['a']], ['e', 10, []]]);
  const s = listSchedule(g, 2, [1, 0, 2]);
  assert.deepEqual(s.start, [0, 4, 0]);
  assert.equal(s.makespan, 10);
});

test('zero-duration entry and exit tasks add no time', () => {
  const g = graph([['in', 0, []], ['a', 3, ['in']], ['b', 4, ['in']], ['out', 0, ['a', 'b']]]);
  const s = listSchedule(g, 1, [0, 1, 2, 3]);
  assert.equal(s.makespan, 7);
  assert.deepEqual(s.start, [0, 0, 3, 7]);
  assert.equal(listSchedule(g, 2, [0, 1, 2, 3]).makespan, 4);
});

test('a known Graham anomaly: one more slot gives a longer list schedule', () => {
  // Graham's example (durations 3,2,2,2,4,4,4,4,9; T1 < T9, T4 < T5..T8; list T1..T9): 12 on 3 slots, 15 on 4.
  const g = graph([
    ['T1', 3, []],
    ['T2', 2, []],
    ['T3', 2, []],
    ['T4', 2, []],
    ['T5', 4, ['T4']],
    ['T6', 4, ['T4']],
    ['T7', 4, ['T4']],
    ['T8', 4, ['T4']],
    ['T9', 9, ['T1']],
  ]);
  const prio = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  assert.equal(listSchedule(g, 3, prio).makespan, 12);
  assert.equal(listSchedule(g, 4, prio).makespan, 15);
});

test('empty graph and argument checks', () => {
  const e = graph([]);
  assert.deepEqual(listSchedule(e, 3, []), { makespan: 0, start: [] });
  const g = graph([['a', 1, []]]);
  assert.throws(() => listSchedule(g, 0, [0]), /positive integer/);
  assert.throws(() => listSchedule(g, 1, []), /priority has 0 entries for 1 tasks/);
});

/** xorshift32 for reproducible random test graphs. */
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

/** A deliberately naive reference: step through time one unit at a time (integer durations only). */
function naiveMakespan(g: TaskGraph, m: number, prio: number[]): { makespan: number; start: number[] } {
  const n = g.ids.length;
  const start = new Array<number>(n).fill(-1);
  const end = new Array<number>(n).fill(-1);
  let t = 0;
  let finished = 0;
  for (;;) {
    // Repeat at the same instant: zero-duration tasks finish immediately and may release others.
    for (;;) {
      const isDone = (i: number) => end[i]! >= 0 && end[i]! <= t;
      const running = g.ids.filter((_, i) => start[i]! >= 0 && !isDone(i)).length;
      const ready = g.ids
        .map((_, i) => i)
        .filter((i) => start[i]! < 0 && g.preds[i]!.every(isDone))
        .sort((a, b) => prio[a]! - prio[b]! || a - b);
      const free = m - running;
      if (free <= 0 || ready.length === 0) break;
      for (const i of ready.slice(0, free)) {
        start[i] = t;
        end[i] = t + g.duration[i]!;
      }
    }
    finished = end.filter((e) => e >= 0 && e <= t).length;
    if (finished === n) break;
    t++;
  }
  return { makespan: Math.max(0, ...end), start };
}

test('agrees with a naive time-stepping simulation on random graphs', () => {
  const rand = rng(42);
  for (let round = 0; round < 150; round++) {
    const n = 1 + Math.floor(rand() * 25);
    const names = Array.from({ length: n }, (_, i) => `t${i}`);
    const durations = names.map(() => Math.floor(rand() * 6)); // zeros included
    const p = rand() * 0.3;
    const preds = names.map((_, i) => names.slice(0, i).filter(() => rand() < p));
    const g = buildTaskGraph(names, durations, preds);
    const m = 1 + Math.floor(rand() * 4);
    const prio = names.map(() => Math.floor(rand() * 5));
    const fast = listSchedule(g, m, prio);
    const slow = naiveMakespan(g, m, prio);
    assert.equal(fast.makespan, slow.makespan, `round ${round}`);
    assert.deepEqual(fast.start, slow.start, `round ${round}`);
    assert.equal(checkSchedule(g, m, fast.start), null);
  }
});

test('ListScheduler is reusable and records why each task started when it did', () => {
  const g = graph([['a', 2, []], ['b', 2, []], ['c', 1, ['a']], ['d', 3, []]]);
  const s = new ListScheduler(g, 2);
  assert.equal(s.run([0, 1, 2, 3]), 5);
  assert.deepEqual(Array.from(s.start), [0, 0, 2, 2]);
  assert.equal(s.releasedBy[2], 0);
  assert.equal(s.readyAt[3], 0);
  assert.ok(s.freedBy[3] === 0 || s.freedBy[3] === 1);
  assert.equal(s.run([0, 2, 3, 1]), 4);
  assert.equal(s.steps, 2 * s.cost);
  const rev = new ListScheduler(g, 2, true);
  assert.equal(rev.run([0, 0, 0, 0]), 5);
  assert.equal(rev.start[0]! >= rev.finish[2]!, true, 'reversed: a runs after c');
});

test('checkSchedule reports violated precedence and capacity', () => {
  const g = graph([['a', 2, []], ['b', 2, ['a']], ['c', 2, []]]);
  assert.equal(checkSchedule(g, 2, [0, 2, 0]), null);
  assert.match(checkSchedule(g, 2, [0, 1, 0]) ?? '', /b starts before a finishes/);
  assert.match(checkSchedule(g, 1, [0, 2, 0]) ?? '', /2 tasks run at time 0 on 1 slots/);
});
