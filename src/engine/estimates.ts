/**
 * Expected durations and the critical path of a run. A job's estimate is the median of its recent
 * successful attempts in the run's statistics class, else its `estimate`, else the project default. The
 * bottom level of a job is the longest expected path from its start to the end of the run: ranking ready
 * jobs by it starts the work that everything else waits on first (HLFET list scheduling).
 */
import { dependencyJobs } from '../defs/deps.js';
import type { FlowDef } from '../defs/model.js';

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function estimatesFor(def: FlowDef, samples: Map<string, number[]>, defaultMs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const job of def.jobs) out.set(job.name, median(samples.get(job.name) ?? []) ?? job.estimateMs ?? defaultMs);
  return out;
}

/** Bottom levels over the flow's dependency graph (iterative: flows may hold 100,000 jobs). */
export function bottomLevels(def: FlowDef, estimate: ReadonlyMap<string, number>): Map<string, number> {
  const dependents = new Map<string, string[]>();
  const pendingSuccs = new Map<string, number>();
  for (const job of def.jobs) pendingSuccs.set(job.name, 0);
  for (const job of def.jobs) {
    for (const dep of dependencyJobs(job)) {
      if (!pendingSuccs.has(dep)) continue;
      const list = dependents.get(dep) ?? [];
      list.push(job.name);
      dependents.set(dep, list);
      pendingSuccs.set(dep, pendingSuccs.get(dep)! + 1);
    }
  }
  const level = new Map<string, number>();
  const byName = new Map(def.jobs.map((j) => [j.name, j]));
  const todo = def.jobs.filter((j) => pendingSuccs.get(j.name) === 0).map((j) => j.name);
  while (todo.length > 0) {
    const name = todo.pop()!;
    let longest = 0;
    for (const d of dependents.get(name) ?? []) longest = Math.max(longest, level.get(d) ?? 0);
    level.set(name, (estimate.get(name) ?? 0) + longest);
    for (const dep of dependencyJobs(byName.get(name)!)) {
      const left = pendingSuccs.get(dep);
      if (left === undefined) continue;
      pendingSuccs.set(dep, left - 1);
      if (left - 1 === 0) todo.push(dep);
    }
  }
  return level;
}
