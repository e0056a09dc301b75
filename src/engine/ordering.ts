/**
 * What the dispatcher needs to order a run's jobs, computed when a run is adopted (and by `ordo why` and
 * `ordo forecast`, which must see the same order): resource claims, expected durations from the history of
 * the run's statistics class, bottom levels (critical path) and deadline instants.
 */
import type { ActiveRun } from './active-run.js';
import { deadlinesFor } from './deadlines.js';
import { bottomLevels, estimatesFor } from './estimates.js';
import { claimsOf, type ResourceCatalog } from './resources.js';
import type { EngineStore } from './store.js';

/** How many recent successful attempts of a job its estimate is the median of. */
export const ESTIMATE_SAMPLES = 10;

export async function prepareOrdering(run: ActiveRun, store: EngineStore, catalog: ResourceCatalog, defaultEstimateMs: number): Promise<Map<string, number>> {
  run.claims.clear();
  for (const job of run.def.jobs) {
    const claims = claimsOf(job, catalog);
    if (claims.length) run.claims.set(job.name, claims);
  }
  const samples = await store.durationSamples(run.def.name, run.row.statsClass, ESTIMATE_SAMPLES);
  const estimates = estimatesFor(run.def, samples, defaultEstimateMs);
  run.bottomLevel = bottomLevels(run.def, estimates);
  run.deadlines = deadlinesFor(run.def, run.row.params, run.row.createdAt);
  return estimates;
}
