/**
 * What the dispatcher needs to order a run's jobs, computed when a run is adopted (and by `ordo why` and
 * `ordo forecast`, which must see the same order): resource claims, expected durations from the history of
 * the run's statistics class, bottom levels (critical path) and deadline instants.
 */
import { dependencyJobs } from '../defs/deps.js';
import { buildTaskGraph } from '../sched/graph.js';
import { planPriorities } from '../sched/planner.js';
import type { ActiveRun } from './active-run.js';
import { deadlinesFor } from './deadlines.js';
import { bottomLevels, estimatesFor } from './estimates.js';
import { claimsOf, type ResourceCatalog } from './resources.js';
import type { EngineStore } from './store.js';

/** How many recent successful attempts of a job its estimate is the median of. */
export const ESTIMATE_SAMPLES = 10;
/** Runs with more jobs than this are ordered by bottom level alone (planning time grows with the graph). */
export const PLAN_MAX_JOBS = 5000;

/**
 * `slots`: the engine's slot limit, for the planner (0 = do not plan). The planner (src/sched/planner.ts)
 * searches dispatch orders by simulating the dispatcher's greedy rule on the estimates; its order replaces
 * the plain bottom level within the run (see `effectiveLevels`).
 */
export async function prepareOrdering(run: ActiveRun, store: EngineStore, catalog: ResourceCatalog, defaultEstimateMs: number,
  slots = 0): Promise<Map<string, number>> {
  run.claims.clear();
  for (const job of run.def.jobs) {
    const claims = claimsOf(job, catalog);
    if (claims.length) run.claims.set(job.name, claims);
  }
  const samples = await store.durationSamples(run.def.name, run.row.statsClass, ESTIMATE_SAMPLES);
  const estimates = estimatesFor(run.def, samples, defaultEstimateMs);
  run.bottomLevel = bottomLevels(run.def, estimates);
  run.deadlines = deadlinesFor(run.def, run.row.params, run.row.createdAt);
  run.planRank.clear();
  if (slots > 0 && run.def.jobs.length > 1 && run.def.jobs.length <= PLAN_MAX_JOBS) {
    const names = run.def.jobs.map((j) => j.name);
    const known = new Set(names);
    const g = buildTaskGraph(names, names.map((n) => estimates.get(n) ?? 0),
      run.def.jobs.map((j) => dependencyJobs(j).filter((d) => known.has(d))));
    const plan = planPriorities(g, slots);
    g.ids.forEach((name, i) => run.planRank.set(name, plan.priority[i]!));
    run.bottomLevel = effectiveLevels(run.bottomLevel, run.planRank);
  }
  return estimates;
}

/**
 * Bottom levels made consistent with the plan: walking the plan's order from its end, each job gets the
 * highest bottom level of itself and every job after it. Ordering by these levels (ties by plan rank) is
 * the plan's order within the run, and they still compare with other runs' levels on the same scale.
 */
export function effectiveLevels(levels: Map<string, number>, planRank: Map<string, number>): Map<string, number> {
  const order = [...planRank.entries()].sort((a, b) => a[1] - b[1]).map(([job]) => job);
  const out = new Map(levels);
  let max = 0;
  for (let i = order.length - 1; i >= 0; i--) {
    max = Math.max(max, levels.get(order[i]!) ?? 0);
    out.set(order[i]!, max);
  }
  return out;
}
