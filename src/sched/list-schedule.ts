/**
 * The greedy non-delay list scheduler: the model of what the dispatcher does with a priority list.
 * There are m identical slots; whenever a slot is free and some task is ready (all its predecessors
 * finished), the ready task with the best priority starts at once (lower number first, ties by lower
 * index). All completions at the same instant are processed before dispatching at that instant.
 *
 * Event-driven with two binary heaps (ready tasks by priority, running tasks by finish time): each task
 * is pushed and popped once in each, each edge is looked at once, so a run is O(e + n log n).
 * Pure TypeScript.
 */
import type { TaskGraph } from './graph.js';

export interface Schedule {
  /** Finish time of the last task (0 for an empty graph). */
  makespan: number;
  /** Start time of each task, by index. */
  start: number[];
}

/**
 * A reusable scheduler for one graph and slot count: the graph is flattened once into typed arrays and
 * the buffers are reused, so the planner can evaluate thousands of priority lists cheaply.
 */
export class ListScheduler {
  readonly n: number;
  readonly m: number;
  /** Start times of the last run, by index. */
  readonly start: Float64Array;
  /** Finish times of the last run, by index. */
  readonly finish: Float64Array;
  /** When each task became ready (its last predecessor finished) in the last run. */
  readonly readyAt: Float64Array;
  /** The predecessor whose completion made each task ready in the last run; -1 for sources. */
  readonly releasedBy: Int32Array;
  /**
   * For each task, a task that finished at the instant it started (freeing a slot; one of positive
   * duration when there is one) in the last run; -1 for tasks started at time 0.
   */
  readonly freedBy: Int32Array;
  /**
   * Work done so far, a machine-independent cost measure: each run counts e + n * (1 + log2 n), for the
   * edges looked at and the heap operations on tasks.
   */
  steps = 0;
  private readonly dur: Float64Array;
  private readonly indeg0: Int32Array;
  private readonly succOff: Int32Array;
  private readonly succ: Int32Array;
  private readonly indeg: Int32Array;
  private readonly ready: Int32Array;
  private readonly running: Int32Array;
  private readonly roots: Int32Array;
  private readonly prio: Float64Array;
  /** The steps one run counts. */
  readonly cost: number;

  /**
   * @param reverse schedule the reversed graph (every edge turned round, so sinks become sources);
   *   the planner uses this for backward passes. Indexes stay those of `g`.
   */
  constructor(g: TaskGraph, m: number, reverse = false) {
    if (!Number.isInteger(m) || m < 1) throw new Error(`slots must be a positive integer, got ${String(m)}`);
    const n = g.ids.length;
    this.n = n;
    this.m = m;
    this.dur = Float64Array.from(g.duration);
    const out = reverse ? g.preds : g.succs;
    const inn = reverse ? g.succs : g.preds;
    this.indeg0 = new Int32Array(n);
    this.succOff = new Int32Array(n + 1);
    let e = 0;
    for (let i = 0; i < n; i++) {
      this.indeg0[i] = inn[i]!.length;
      this.succOff[i] = e;
      e += out[i]!.length;
    }
    this.succOff[n] = e;
    this.succ = new Int32Array(e);
    let k = 0;
    for (let i = 0; i < n; i++) for (const s of out[i]!) this.succ[k++] = s;
    const roots: number[] = [];
    for (let i = 0; i < n; i++) if (this.indeg0[i] === 0) roots.push(i);
    this.roots = Int32Array.from(roots);
    this.indeg = new Int32Array(n);
    this.ready = new Int32Array(n);
    this.running = new Int32Array(Math.min(n, m) + 1);
    this.start = new Float64Array(n);
    this.finish = new Float64Array(n);
    this.prio = new Float64Array(n);
    this.readyAt = new Float64Array(n);
    this.releasedBy = new Int32Array(n);
    this.freedBy = new Int32Array(n);
    this.cost = e + n * (1 + Math.ceil(Math.log2(n + 1)));
  }

  /** Runs the list schedule for `priority` (one number per task, lower starts first); returns the makespan. */
  run(priority: ArrayLike<number>): number {
    const n = this.n;
    if (priority.length !== n) throw new Error(`priority has ${priority.length} entries for ${n} tasks`);
    this.steps += this.cost;
    const { dur, succOff, succ, indeg, ready, running, start, finish, prio, readyAt, releasedBy, freedBy } = this;
    indeg.set(this.indeg0);
    // One array type in the hot loops whatever the caller passes (number[], Int32Array...).
    for (let i = 0; i < n; i++) prio[i] = priority[i]!;

    // Ready heap: min by (priority, index).
    let rn = 0;
    const pushReady = (x: number): void => {
      const px = prio[x]!;
      let i = rn++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const y = ready[p]!;
        const py = prio[y]!;
        if (py < px || (py === px && y < x)) break;
        ready[i] = y;
        i = p;
      }
      ready[i] = x;
    };
    const popReady = (): number => {
      const top = ready[0]!;
      const last = ready[--rn]!;
      if (rn > 0) {
        const pl = prio[last]!;
        let i = 0;
        for (;;) {
          let c = 2 * i + 1;
          if (c >= rn) break;
          let cy = ready[c]!;
          let pc = prio[cy]!;
          const r = c + 1;
          if (r < rn) {
            const ry = ready[r]!;
            const pr = prio[ry]!;
            if (pr < pc || (pr === pc && ry < cy)) {
              c = r;
              cy = ry;
              pc = pr;
            }
          }
          if (pl < pc || (pl === pc && last < cy)) break;
          ready[i] = cy;
          i = c;
        }
        ready[i] = last;
      }
      return top;
    };

    // Running heap: min by (finish, index).
    let un = 0;
    const pushRunning = (x: number): void => {
      const fx = finish[x]!;
      let i = un++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const y = running[p]!;
        const fy = finish[y]!;
        if (fy < fx || (fy === fx && y < x)) break;
        running[i] = y;
        i = p;
      }
      running[i] = x;
    };
    const popRunning = (): number => {
      const top = running[0]!;
      const last = running[--un]!;
      if (un > 0) {
        const fl = finish[last]!;
        let i = 0;
        for (;;) {
          let c = 2 * i + 1;
          if (c >= un) break;
          let cy = running[c]!;
          let fc = finish[cy]!;
          const r = c + 1;
          if (r < un) {
            const ry = running[r]!;
            const fr = finish[ry]!;
            if (fr < fc || (fr === fc && ry < cy)) {
              c = r;
              cy = ry;
              fc = fr;
            }
          }
          if (fl < fc || (fl === fc && last < cy)) break;
          running[i] = cy;
          i = c;
        }
        running[i] = last;
      }
      return top;
    };

    for (const r of this.roots) {
      readyAt[r] = 0;
      releasedBy[r] = -1;
      pushReady(r);
    }
    let free = this.m;
    let t = 0;
    let done = 0;
    let makespan = 0;
    let freer = -1; // a task that finished at time t
    while (done < n) {
      while (free > 0 && rn > 0) {
        const x = popReady();
        start[x] = t;
        finish[x] = t + dur[x]!;
        freedBy[x] = freer;
        pushRunning(x);
        free--;
      }
      if (un === 0) throw new Error('list schedule: no task can start (the graph has a cycle)');
      t = finish[running[0]!]!;
      freer = -1;
      while (un > 0 && finish[running[0]!] === t) {
        const x = popRunning();
        if (freer < 0 || dur[x]! > 0) freer = x;
        free++;
        done++;
        for (let k = succOff[x]!, end = succOff[x + 1]!; k < end; k++) {
          const s = succ[k]!;
          if (--indeg[s]! === 0) {
            readyAt[s] = t;
            releasedBy[s] = x;
            pushReady(s);
          }
        }
      }
      if (t > makespan) makespan = t;
    }
    return makespan;
  }
}

/** Schedules `g` on m slots with the given priorities (lower first, ties by index). */
export function listSchedule(g: TaskGraph, m: number, priority: readonly number[]): Schedule {
  const s = new ListScheduler(g, m);
  const makespan = s.run(priority);
  return { makespan, start: Array.from(s.start) };
}

/**
 * Checks that start times respect precedence (a task starts no earlier than each predecessor finishes)
 * and that at no instant more than m tasks of positive duration run. Returns the first problem, or null.
 */
export function checkSchedule(g: TaskGraph, m: number, start: readonly number[]): string | null {
  const n = g.ids.length;
  if (start.length !== n) return `${start.length} start times for ${n} tasks`;
  for (let i = 0; i < n; i++) {
    if (!(start[i]! >= 0)) return `task ${g.ids[i]!} starts at ${start[i]!}`;
    for (const p of g.preds[i]!) {
      if (start[i]! < start[p]! + g.duration[p]!) return `task ${g.ids[i]!} starts before ${g.ids[p]!} finishes`;
    }
  }
  // Sweep: at equal times, finishes (-1) come before starts (+1).
  const ev: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (g.duration[i]! > 0) ev.push([start[i]!, 1], [start[i]! + g.duration[i]!, -1]);
  }
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let busy = 0;
  for (const [t, d] of ev) {
    busy += d;
    if (busy > m) return `${busy} tasks run at time ${t} on ${m} slots`;
  }
  return null;
}
