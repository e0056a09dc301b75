/**
 * Which ready tasks start now. This first dispatcher honours the global limit, each flow's
 * `maxParallel` and retry delays, and takes runs oldest first and jobs in declaration order; the
 * resources issue replaces the order with priorities, critical path and locks, behind this function.
 */
import type { ActiveRun } from './active-run.js';
import type { TaskRow } from './store.js';

export interface Pick {
  run: ActiveRun;
  task: TaskRow;
}

export function selectDispatch(runs: readonly ActiveRun[], now: number, free: number): Pick[] {
  const picks: Pick[] = [];
  if (free <= 0) return picks;
  const ordered = [...runs].sort((a, b) => a.row.id - b.row.id);
  for (const run of ordered) {
    if (run.row.state !== 'pending' && run.row.state !== 'running') continue;
    let runFree = (run.def.maxParallel ?? Infinity) - run.running;
    if (runFree <= 0) continue;
    const ready = [...run.ready]
      .map((name) => run.tasks.get(name)!)
      .filter((t) => t.notBefore === null || t.notBefore <= now)
      .sort((a, b) => run.jobIndex.get(a.job)! - run.jobIndex.get(b.job)!);
    for (const task of ready) {
      if (picks.length >= free || runFree <= 0) break;
      picks.push({ run, task });
      runFree--;
    }
    if (picks.length >= free) break;
  }
  return picks;
}
