/**
 * Critical-path figures of a TaskGraph from its estimated durations: bottom and top levels, the critical
 * path, total work and the classic makespan lower bound for m identical slots. Every function is one
 * pass over the edges, O(n + e), relying on the graph's topological index order. Pure TypeScript.
 */
import type { TaskGraph } from './graph.js';

/**
 * Bottom level of each task: the longest path from the start of the task to the end of the graph,
 * including the task's own duration. The largest bottom level is the critical path length.
 */
export function bottomLevels(g: TaskGraph): number[] {
  const n = g.ids.length;
  const bl = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let best = 0;
    for (const s of g.succs[i]!) if (bl[s]! > best) best = bl[s]!;
    bl[i] = best + g.duration[i]!;
  }
  return bl;
}

/**
 * Top level of each task: the longest path from the start of the graph to the start of the task
 * (its earliest possible start with unlimited slots), excluding its own duration.
 */
export function topLevels(g: TaskGraph): number[] {
  const n = g.ids.length;
  const tl = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (const p of g.preds[i]!) {
      const f = tl[p]! + g.duration[p]!;
      if (f > best) best = f;
    }
    tl[i] = best;
  }
  return tl;
}

/** Length of the longest path (critical path), 0 for an empty graph. */
export function criticalPathLength(g: TaskGraph): number {
  let cp = 0;
  for (const b of bottomLevels(g)) if (b > cp) cp = b;
  return cp;
}

/** Sum of all durations: the time one slot alone would need. */
export function totalWork(g: TaskGraph): number {
  let w = 0;
  for (const d of g.duration) w += d;
  return w;
}

/** True when every duration is a whole number (the STG graphs): makespans are then whole numbers too. */
export function hasIntegerDurations(g: TaskGraph): boolean {
  return g.duration.every((d) => Number.isInteger(d));
}

function checkSlots(m: number): void {
  if (!Number.isInteger(m) || m < 1) throw new Error(`slots must be a positive integer, got ${String(m)}`);
}

/** No schedule on m identical slots can be shorter than max(critical path, work / m). */
export function lowerBound(g: TaskGraph, m: number): number {
  checkSlots(m);
  return Math.max(criticalPathLength(g), totalWork(g) / m);
}

/**
 * max(CP, ceil(work / m)): the bound for integer durations, as the STG optimal-value files use it.
 * With non-integer durations rounding up would not be sound, so this returns lowerBound(g, m).
 */
export function lowerBoundCeil(g: TaskGraph, m: number): number {
  checkSlots(m);
  if (!hasIntegerDurations(g)) return lowerBound(g, m);
  return Math.max(criticalPathLength(g), Math.ceil(totalWork(g) / m));
}

/**
 * One critical path as task ids, first to last: starts at the task with the largest bottom level and
 * repeatedly follows the successor with the largest bottom level (ties by lowest index).
 */
export function criticalPath(g: TaskGraph): string[] {
  const n = g.ids.length;
  if (n === 0) return [];
  const bl = bottomLevels(g);
  let cur = 0;
  for (let i = 1; i < n; i++) if (bl[i]! > bl[cur]!) cur = i;
  const path = [g.ids[cur]!];
  for (;;) {
    let next = -1;
    for (const s of g.succs[cur]!) if (next < 0 || bl[s]! > bl[next]! || (bl[s] === bl[next] && s < next)) next = s;
    if (next < 0) break;
    cur = next;
    path.push(g.ids[cur]!);
  }
  return path;
}
