/**
 * The task graph the scheduling code works on: tasks with estimated durations and precedence edges,
 * stored by index in a topological order (every predecessor has a lower index than its successors).
 * Pure TypeScript: no node: imports, so the engine core can use it.
 */

export interface TaskGraph {
  /** Task names; index i in every other array refers to ids[i]. */
  ids: string[];
  /** Estimated duration of each task (any unit, >= 0). */
  duration: number[];
  /** preds[i]: indexes of the tasks that must finish before task i starts; each is < i. */
  preds: number[][];
  /** succs[i]: indexes of the tasks that wait for task i; each is > i. */
  succs: number[][];
  /**
   * Position of each task in the order it was declared, when the builder had to reorder the tasks to
   * make the indexes topological. Absent when index order is declaration order.
   */
  declared?: number[];
}

/** A small binary min-heap of task indexes keyed by a number array, ties by lower index. */
class IndexHeap {
  private readonly items: number[] = [];
  constructor(private readonly key: ArrayLike<number>) {}
  get size(): number {
    return this.items.length;
  }
  private less(a: number, b: number): boolean {
    const ka = this.key[a]!;
    const kb = this.key[b]!;
    return ka < kb || (ka === kb && a < b);
  }
  push(x: number): void {
    const h = this.items;
    let i = h.length;
    h.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(x, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = x;
  }
  pop(): number {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && this.less(h[r]!, h[l]!) ? r : l;
        if (!this.less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

/**
 * Builds a TaskGraph from task names, their durations and, for each task, the names of its
 * predecessors. Tasks keep their declaration order whenever that order is already topological;
 * otherwise they are reordered (Kahn's algorithm taking the earliest-declared ready task first) and
 * `declared` records the original positions. Duplicate edges are merged.
 *
 * Throws an Error on mismatched lengths, duplicate or empty names, unknown predecessors, negative or
 * non-finite durations, and cycles (the message names the tasks on one cycle).
 */
export function buildTaskGraph(
  names: readonly string[],
  durations: readonly number[],
  predecessors: readonly (readonly string[])[],
): TaskGraph {
  const n = names.length;
  if (durations.length !== n || predecessors.length !== n) {
    throw new Error(
      `task graph: ${n} names but ${durations.length} durations and ${predecessors.length} predecessor lists`,
    );
  }
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const name = names[i]!;
    if (name === '') throw new Error(`task graph: task #${i} has an empty name`);
    if (index.has(name)) throw new Error(`task graph: duplicate task name "${name}"`);
    index.set(name, i);
    const d = durations[i]!;
    if (!Number.isFinite(d) || d < 0) {
      throw new Error(`task graph: task "${name}" has an invalid duration ${String(d)}`);
    }
  }

  // Edges in declaration indexes, deduplicated.
  const dPreds: number[][] = [];
  const dSuccs: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const seen = new Set<number>();
    const list: number[] = [];
    for (const p of predecessors[i]!) {
      const j = index.get(p);
      if (j === undefined) throw new Error(`task graph: task "${names[i]!}" waits for unknown task "${p}"`);
      if (j === i) throw new Error(`task graph: cycle: ${names[i]!} -> ${names[i]!}`);
      if (seen.has(j)) continue;
      seen.add(j);
      list.push(j);
      dSuccs[j]!.push(i);
    }
    dPreds.push(list);
  }

  // Kahn's algorithm, earliest-declared ready task first: keeps declaration order when it is valid.
  const indeg = new Int32Array(n);
  for (let i = 0; i < n; i++) indeg[i] = dPreds[i]!.length;
  const declKey = Array.from({ length: n }, (_, i) => i);
  const heap = new IndexHeap(declKey);
  for (let i = 0; i < n; i++) if (indeg[i] === 0) heap.push(i);
  const order: number[] = [];
  while (heap.size > 0) {
    const i = heap.pop();
    order.push(i);
    for (const s of dSuccs[i]!) {
      if (--indeg[s]! === 0) heap.push(s);
    }
  }
  if (order.length < n) throw new Error(`task graph: cycle: ${describeCycle(names, dPreds, indeg)}`);

  const reordered = order.some((d, i) => d !== i);
  const pos = new Int32Array(n);
  for (let i = 0; i < n; i++) pos[order[i]!] = i;
  const ids: string[] = [];
  const duration: number[] = [];
  const preds: number[][] = [];
  const succs: number[][] = [];
  for (let i = 0; i < n; i++) {
    const d = order[i]!;
    ids.push(names[d]!);
    duration.push(durations[d]!);
    preds.push(dPreds[d]!.map((p) => pos[p]!).sort((a, b) => a - b));
    succs.push(dSuccs[d]!.map((s) => pos[s]!).sort((a, b) => a - b));
  }
  const g: TaskGraph = { ids, duration, preds, succs };
  if (reordered) g.declared = order.slice();
  return g;
}

/** Walks predecessors among the tasks Kahn's algorithm could not order until a task repeats. */
function describeCycle(names: readonly string[], preds: readonly number[][], indeg: Int32Array): string {
  let start = 0;
  while (indeg[start] === 0) start++;
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  let cur = start;
  while (!seenAt.has(cur)) {
    seenAt.set(cur, path.length);
    path.push(cur);
    // Some predecessor of a blocked task is itself blocked, or it would have been released.
    cur = preds[cur]!.find((p) => indeg[p]! > 0)!;
  }
  const cycle = path.slice(seenAt.get(cur)!).reverse();
  cycle.push(cycle[0]!);
  return cycle.map((i) => names[i]!).join(' -> ');
}

/**
 * Checks the TaskGraph invariants (array lengths, index ranges, topological order, preds and succs
 * mirror each other, durations finite and >= 0). Returns a description of the first problem, or null.
 */
export function checkTaskGraph(g: TaskGraph): string | null {
  const n = g.ids.length;
  if (g.duration.length !== n || g.preds.length !== n || g.succs.length !== n) return 'array lengths differ';
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const d = g.duration[i]!;
    if (!Number.isFinite(d) || d < 0) return `task ${g.ids[i]!} has an invalid duration`;
    for (const p of g.preds[i]!) {
      if (!Number.isInteger(p) || p < 0 || p >= i) return `task ${g.ids[i]!} has predecessor index ${p}`;
      edges++;
    }
    for (const s of g.succs[i]!) {
      if (!Number.isInteger(s) || s <= i || s >= n) return `task ${g.ids[i]!} has successor index ${s}`;
      if (!g.preds[s]!.includes(i)) return `edge ${g.ids[i]!} -> ${g.ids[s]!} missing from preds`;
      edges--;
    }
  }
  if (edges !== 0) return 'preds and succs disagree';
  return null;
}

/** The number of precedence edges. */
export function edgeCount(g: TaskGraph): number {
  let e = 0;
  for (const p of g.preds) e += p.length;
  return e;
}
