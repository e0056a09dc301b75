/**
 * Deadline misses before they happen (docs/alerts.md): now and then the server forecasts each running run
 * that has deadlines (engine/forecast.ts) and, for a job whose expected end falls after its deadline, writes
 * one `deadline_forecast_missed` event (handlers on `deadline_miss` fire with it). One warning per task:
 * the store is asked whether it was already given, so a restarted server does not repeat it.
 */
import type { ProjectSettings } from '../defs/model.js';
import { forecastRun } from '../engine/forecast.js';
import { catalogOf } from '../engine/resources.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { startPeriodic, type Periodic } from '../server/periodic.js';

export const FORECAST_MISS = 'deadline_forecast_missed';

/** One pass: answers the warnings written. */
export async function warnForecastMisses(store: OrdoStore, settings: ProjectSettings, maxParallel: number, now: number): Promise<number> {
  let written = 0;
  for (const run of await store.listRuns({ states: ['running'], limit: 1000 })) {
    const def = (await store.getFlowVersion(run.flowVersionId)).def;
    if (!def.deadline && !def.jobs.some((j) => j.deadline)) continue;
    const f = await forecastRun(store, run.id, { catalog: catalogOf(settings), maxParallel, now, defaultEstimateMs: settings.defaultEstimateMs });
    if (f.late.length === 0) continue;
    const warned = new Set((await store.sql.query<{ job: string }>('SELECT job FROM events WHERE run_id = ? AND kind = ?', [run.id, FORECAST_MISS])).map((r) => r.job));
    const tasks = new Map((await store.getTasks(run.id)).map((t) => [t.job, t]));
    const events = f.late.filter((j) => !warned.has(j.job) && j.deadline !== undefined && j.deadline > now).map((j) => ({
      at: now, runId: run.id, taskId: tasks.get(j.job)?.id ?? null, job: j.job, kind: FORECAST_MISS,
      data: { deadline: new Date(j.deadline!).toISOString(), expectedEnd: new Date(j.end!).toISOString(), state: j.state },
    }));
    if (events.length > 0) await store.appendEvents(events);
    written += events.length;
  }
  return written;
}

export function startDeadlineWatch(store: OrdoStore, settings: () => ProjectSettings, maxParallel: () => number, everyMs: number,
  onError: (err: Error) => void): Periodic {
  return startPeriodic(async () => {
    await warnForecastMisses(store, settings(), maxParallel(), Date.now());
  }, everyMs, { onError, unref: true });
}
