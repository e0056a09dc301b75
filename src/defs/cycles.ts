/**
 * Cycle detection over a flow's dependencies. Each cycle is reported once, printed as its path
 * (`a -> b -> c -> a`), at the dependency that closes it.
 */
import type { DependencyRef, SourceLocation } from './model.js';

export interface CycleReport {
  path: string[];
  at?: SourceLocation;
}

/**
 * Iterative depth-first search (flows may hold 100,000 jobs: no recursion). `deps` gives, for each job,
 * the references it waits on, in declaration order.
 */
export function findCycles(jobs: readonly string[], deps: (job: string) => readonly DependencyRef[]): CycleReport[] {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>(jobs.map((j) => [j, WHITE]));
  const reports: CycleReport[] = [];
  for (const root of jobs) {
    if (color.get(root) !== WHITE) continue;
    const stack: { job: string; refs: readonly DependencyRef[]; next: number }[] = [];
    const push = (job: string) => {
      color.set(job, GREY);
      stack.push({ job, refs: deps(job), next: 0 });
    };
    push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const ref = top.refs[top.next++];
      if (!ref) {
        color.set(top.job, BLACK);
        stack.pop();
        continue;
      }
      const c = color.get(ref.job);
      if (c === undefined || c === BLACK) continue; // unknown jobs are reported elsewhere
      if (c === WHITE) {
        push(ref.job);
        continue;
      }
      // A grey job is on the stack: the path from it to the top, back to it, is a cycle.
      const from = stack.findIndex((f) => f.job === ref.job);
      reports.push({ path: [...stack.slice(from).map((f) => f.job), ref.job], at: ref.at });
    }
  }
  return reports;
}
