/**
 * The planner: chooses the priority list the dispatcher follows, so that the greedy non-delay list
 * schedule of the estimated durations (what the engine does, see list-schedule.ts) finishes early.
 *
 * 1. Classic list-scheduling rules, each evaluated with the list scheduler: HLFET (highest bottom level
 *    first) and its variants with tie-breaks by most immediate successors (CP/MISF), longest processing
 *    time, earliest start and by number of tasks below; bottom + top level; and declaration order.
 * 2. Forward-backward improvement of the best rule: the graph is list-scheduled backwards with the tasks
 *    that finished last going first, then forwards again in the mirrored start order, while that helps.
 * 3. A seeded randomized local search over the priority order, accepting equal-or-better makespans:
 *    most moves promote a task of the schedule's critical chain that waited for a slot above a task
 *    that took a slot meanwhile; the others insert a random task elsewhere, or restart from bottom
 *    levels perturbed with noise. Bounded by `iterations` and by `budgetSteps` (a machine-independent
 *    measure of work, see ListScheduler.steps), and stopped as soon as the makespan reaches the lower
 *    bound.
 *
 * Deterministic for a given seed. Pure TypeScript.
 */
import { bottomLevels, hasIntegerDurations, topLevels, totalWork } from './critical-path.js';
import type { TaskGraph } from './graph.js';
import { ListScheduler } from './list-schedule.js';

export interface PlanOptions {
  /** Local-search iterations (list-schedule evaluations) after the rules; default DEFAULT_ITERATIONS. */
  iterations?: number;
  /** Seed of the random search; default 1. */
  seed?: number;
  /** Cap on the work of the plan, in ListScheduler steps (see ListScheduler.steps); default DEFAULT_BUDGET_STEPS. */
  budgetSteps?: number;
}

export interface Plan {
  /** Per task (by index): its rank in the dispatch order, 0 = dispatch first. */
  priority: number[];
  /** Makespan of the list schedule of `priority` with the estimated durations. */
  makespan: number;
  /** max(CP, work / m), rounded up when all durations are integers. */
  lowerBound: number;
  /** Critical path length. */
  criticalPath: number;
  /** Sum of all durations. */
  work: number;
  /** Which rule gave the result, with "+fb" (forward-backward) and/or "+search" when those improved it. */
  rule: string;
  /** List-schedule evaluations performed. */
  evaluations: number;
}

/** Default local-search iterations: each is one list-schedule run, O(e + n log n). */
export const DEFAULT_ITERATIONS = 2000;
/**
 * Default cap on the work of one plan, in ListScheduler steps (e + n log n per run): 20-30 ms on one
 * core. It binds only for large or dense graphs: a 300-task STG graph with 7,000 edges gets ~180 runs.
 */
export const DEFAULT_BUDGET_STEPS = 2_000_000;

/** The engine's historical order: declaration order (by index when the graph was not reordered). */
export function fifoPriorities(g: TaskGraph): number[] {
  return g.declared ? g.declared.slice() : g.ids.map((_, i) => i);
}

/** HLFET: highest bottom level first, ties by index. Returned as ranks (0 = first). */
export function hlfetPriorities(g: TaskGraph): number[] {
  const bl = bottomLevels(g);
  return ranksOf(g.ids.length, (a, b) => bl[b]! - bl[a]!);
}

/** Ranks (0 = first) of the tasks sorted by `cmp`, ties by index. */
function ranksOf(n: number, cmp: (a: number, b: number) => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => cmp(a, b) || a - b);
  const rank = new Array<number>(n);
  for (let k = 0; k < n; k++) rank[order[k]!] = k;
  return rank;
}

/** The xorshift32 generator, seeded through an integer hash so that nearby seeds differ. */
function makeRandom(seed: number): () => number {
  let s = Math.imul((seed | 0) ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
  s = (s ^ (s >>> 15)) >>> 0;
  if (s === 0) s = 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

interface Rule {
  name: string;
  rank: () => number[];
}

/** The starting rules, HLFET first; each list is computed only when the rule is tried. */
function classicRules(g: TaskGraph, bl: number[], tl: number[]): Rule[] {
  const n = g.ids.length;
  const d = g.duration;
  const nsucc = g.succs.map((s) => s.length);
  // Number of tasks on the longest (by count) path below each task.
  const depth = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let best = 0;
    for (const s of g.succs[i]!) if (depth[s]! > best) best = depth[s]!;
    depth[i] = best + 1;
  }
  // Total duration of the immediate successors.
  const succWork = g.succs.map((s) => s.reduce((a, x) => a + d[x]!, 0));
  const byBl = (a: number, b: number) => bl[b]! - bl[a]!;
  return [
    { name: 'hlfet', rank: () => ranksOf(n, byBl) },
    { name: 'cp/misf', rank: () => ranksOf(n, (a, b) => byBl(a, b) || nsucc[b]! - nsucc[a]!) },
    { name: 'bl+lpt', rank: () => ranksOf(n, (a, b) => byBl(a, b) || d[b]! - d[a]!) },
    { name: 'bl+est', rank: () => ranksOf(n, (a, b) => byBl(a, b) || tl[a]! - tl[b]!) },
    { name: 'bl+depth', rank: () => ranksOf(n, (a, b) => byBl(a, b) || depth[b]! - depth[a]!) },
    { name: 'bl+succwork', rank: () => ranksOf(n, (a, b) => byBl(a, b) || succWork[b]! - succWork[a]!) },
    { name: 'bl+tl', rank: () => ranksOf(n, (a, b) => bl[b]! + tl[b]! - bl[a]! - tl[a]! || byBl(a, b)) },
    { name: 'most-successors', rank: () => ranksOf(n, (a, b) => nsucc[b]! - nsucc[a]! || byBl(a, b)) },
    { name: 'fifo', rank: () => fifoPriorities(g) },
  ];
}

/**
 * Chooses dispatch priorities for `g` on m identical slots. Never worse than HLFET (which is one of the
 * starting rules); the search only ever replaces the best list by an equal or better one.
 */
export function planPriorities(g: TaskGraph, m: number, opts: PlanOptions = {}): Plan {
  const n = g.ids.length;
  const iterations = opts.iterations ?? DEFAULT_ITERATIONS;
  const budget = opts.budgetSteps ?? DEFAULT_BUDGET_STEPS;
  const rand = makeRandom(opts.seed ?? 1);
  const fwd = new ListScheduler(g, m);
  const bl = bottomLevels(g);
  const tl = topLevels(g);
  let cp = 0;
  for (const b of bl) if (b > cp) cp = b;
  const work = totalWork(g);
  const lb = Math.max(cp, hasIntegerDurations(g) ? Math.ceil(work / m) : work / m);
  const tol = 1e-9 * Math.max(1, lb);
  const atBound = (ms: number) => ms <= lb + tol;
  let evaluations = 0;
  // Work outside forward list-schedule runs (backward runs, chain analysis, moves), in the same unit.
  let overhead = 0;
  const spent = () => fwd.steps + overhead;
  const evaluate = (rank: ArrayLike<number>): number => {
    evaluations++;
    return fwd.run(rank);
  };

  if (n === 0) return { priority: [], makespan: 0, lowerBound: lb, criticalPath: cp, work, rule: 'empty', evaluations };

  // 1. Rules: HLFET always, the others while the budget lasts.
  let bestRule = '';
  let bestList: number[] = [];
  let bestMs = Infinity;
  for (const { name, rank } of classicRules(g, bl, tl)) {
    if (bestRule !== '' && spent() >= budget) break;
    const list = rank();
    const ms = evaluate(list);
    if (ms < bestMs) {
      bestRule = name;
      bestList = list;
      bestMs = ms;
    }
    if (atBound(bestMs)) break;
  }
  let rule = bestRule;
  // Current solution: order[k] = task at rank k; rank = inverse.
  const order = new Int32Array(n);
  const rank = Int32Array.from(bestList);
  for (let i = 0; i < n; i++) order[rank[i]!] = i;

  // 2. Forward-backward improvement.
  if (!atBound(bestMs) && n > 1) {
    const bwd = new ListScheduler(g, m, true);
    const key = new Float64Array(n);
    let improved = false;
    for (let round = 0; round < 8 && spent() < budget; round++) {
      evaluate(rank); // refresh the forward schedule of the current order
      for (let i = 0; i < n; i++) key[i] = -fwd.finish[i]!;
      bwd.run(key);
      overhead += bwd.cost;
      for (let i = 0; i < n; i++) key[i] = -bwd.finish[i]!;
      const cand = ranksOf(n, (a, b) => key[a]! - key[b]! || rank[a]! - rank[b]!);
      const ms = evaluate(cand);
      if (ms >= bestMs) {
        if (ms === bestMs) setOrder(cand, rank, order);
        break;
      }
      bestMs = ms;
      improved = true;
      setOrder(cand, rank, order);
      if (atBound(bestMs)) break;
    }
    if (improved) rule += '+fb';
  }

  // 3. Randomized local search on the order, equal-or-better acceptance.
  if (!atBound(bestMs) && n > 1 && iterations > 0) {
    const bestRank = Int32Array.from(rank);
    const saved = new Int32Array(n);
    const cur = new ScheduleCopy(n);
    const noisy = new Float64Array(n);
    const waiting: number[] = [];
    const candidates: number[] = [];
    let curMs = evaluate(rank);
    cur.copy(fwd);
    let chainKnown = false;
    let improved = false;
    let stale = 0;
    for (let it = 0; it < iterations && spent() < budget; it++) {
      saved.set(order);
      overhead += 4 * n; // copies, scans and moves on the order, about four passes over n
      const r = rand();
      if (stale > 200 && r < 0.05) {
        // Restart from bottom levels perturbed with multiplicative noise.
        const amp = 0.05 + 0.3 * rand();
        for (let i = 0; i < n; i++) noisy[i] = -bl[i]! * (1 + amp * (2 * rand() - 1));
        setOrder(ranksOf(n, (a, b) => noisy[a]! - noisy[b]!), rank, order);
        curMs = evaluate(rank);
        cur.copy(fwd);
        chainKnown = false;
        stale = 0;
        if (curMs < bestMs) {
          bestMs = curMs;
          bestRank.set(rank);
          improved = true;
          if (atBound(bestMs)) break;
        }
        continue;
      }
      let x = -1;
      let pos = -1;
      if (r < 0.8) {
        if (!chainKnown) {
          criticalWaits(cur, waiting);
          chainKnown = true;
        }
        if (waiting.length > 0) {
          // Promote a waiting chain task above a task ranked before it that started while it waited.
          x = waiting[Math.floor(rand() * waiting.length)]!;
          candidates.length = 0;
          const rx = cur.readyAt[x]!;
          const sx = cur.start[x]!;
          for (let i = 0; i < n; i++) {
            const si = cur.start[i]!;
            if (si >= rx && si < sx && rank[i]! < rank[x]!) candidates.push(i);
          }
          if (candidates.length > 0) {
            const y = candidates[Math.floor(rand() * candidates.length)]!;
            if (rand() < 0.7) pos = rank[y]!;
            else {
              // Or demote y just below x.
              const ry = rank[y]!;
              pos = rank[x]!;
              x = y;
              if (pos === ry) x = -1;
            }
          } else x = -1;
        }
      }
      if (x < 0) {
        x = Math.floor(rand() * n);
        pos = Math.floor(rand() * n);
      }
      if (pos === rank[x]) {
        stale++;
        continue;
      }
      moveTo(order, rank, x, pos);
      const ms = evaluate(rank);
      if (ms <= curMs) {
        stale = ms < curMs ? 0 : stale + 1;
        curMs = ms;
        cur.copy(fwd);
        chainKnown = false;
        if (ms < bestMs) {
          bestMs = ms;
          bestRank.set(rank);
          improved = true;
          if (atBound(bestMs)) break;
        }
      } else {
        stale++;
        order.set(saved);
        for (let k = 0; k < n; k++) rank[order[k]!] = k;
      }
    }
    rank.set(bestRank);
    if (improved) rule += '+search';
  }

  // The makespan reported is that of the returned list, evaluated once more.
  const makespan = evaluate(rank);
  return { priority: Array.from(rank), makespan, lowerBound: lb, criticalPath: cp, work, rule, evaluations };
}

function setOrder(cand: ArrayLike<number>, rank: Int32Array, order: Int32Array): void {
  for (let i = 0; i < cand.length; i++) {
    rank[i] = cand[i]!;
    order[cand[i]!] = i;
  }
}

/** Moves task x to position pos of the order, shifting the tasks in between by one. */
function moveTo(order: Int32Array, rank: Int32Array, x: number, pos: number): void {
  let k = rank[x]!;
  while (k > pos) {
    const y = order[k - 1]!;
    order[k] = y;
    rank[y] = k;
    k--;
  }
  while (k < pos) {
    const y = order[k + 1]!;
    order[k] = y;
    rank[y] = k;
    k++;
  }
  order[pos] = x;
  rank[x] = pos;
}

/**
 * Fills `waiting` with the tasks on the critical chain of the schedule that were ready before they
 * started (they waited for a slot). The chain runs back from the last task to finish: through the
 * predecessor whose completion made the task ready when it started as soon as it was ready, otherwise
 * through the task whose completion freed the slot it took. O(chain length).
 */
function criticalWaits(c: ScheduleCopy, waiting: number[]): void {
  const n = c.start.length;
  let x = 0;
  for (let i = 1; i < n; i++) if (c.finish[i]! > c.finish[x]!) x = i;
  waiting.length = 0;
  for (let guard = 0; guard <= n && x >= 0; guard++) {
    if (c.start[x]! > c.readyAt[x]!) {
      waiting.push(x);
      x = c.freedBy[x]!;
    } else x = c.releasedBy[x]!;
  }
}

/** The parts of a list schedule the search keeps for its current solution. */
class ScheduleCopy {
  readonly start: Float64Array;
  readonly finish: Float64Array;
  readonly readyAt: Float64Array;
  readonly releasedBy: Int32Array;
  readonly freedBy: Int32Array;
  constructor(n: number) {
    this.start = new Float64Array(n);
    this.finish = new Float64Array(n);
    this.readyAt = new Float64Array(n);
    this.releasedBy = new Int32Array(n);
    this.freedBy = new Int32Array(n);
  }
  copy(s: ListScheduler): void {
    this.start.set(s.start);
    this.finish.set(s.finish);
    this.readyAt.set(s.readyAt);
    this.releasedBy.set(s.releasedBy);
    this.freedBy.set(s.freedBy);
  }
}
