/**
 * `ordo forecast RUN`: the expected start and end of every job and of the run, from the run's current state
 * and the duration statistics, assuming what has not ended yet succeeds. Unfinished work is list-scheduled
 * on the slot limit in the dispatcher's critical-path order; jobs whose expected end falls after their
 * deadline are reported before they miss it. Locks and connectors are not modelled (a forecast is a bound
 * from the graph, the durations and the slots).
 */
import type { JobDef } from '../defs/model.js';
import { ActiveRun } from './active-run.js';
import { jobStatus } from './deps.js';
import { prepareOrdering } from './ordering.js';
import type { ResourceCatalog } from './resources.js';
import { isTaskEnded, RUN_END_STATES, type EngineStore, type RunState, type TaskRow } from './store.js';

const isRunEnded = (state: RunState): boolean => RUN_END_STATES.includes(state);
import { OrdoError } from '../errors.js';

export interface ForecastJob {
  job: string;
  state: string;
  start: number | null;
  end: number | null;
  /** Expected, or known when the task has ended. */
  known: boolean;
  deadline?: number;
  late: boolean;
}

export interface Forecast {
  run: number;
  /** The expected end; for a run that has ended, its real end. */
  end: number;
  /** The run has ended: what is reported happened, nothing is forecast. */
  ended: boolean;
  state: RunState;
  jobs: ForecastJob[];
  late: ForecastJob[];
}

export async function forecastRun(store: EngineStore, runId: number, opts: {
  catalog: ResourceCatalog; maxParallel: number; now: number; defaultEstimateMs: number;
}): Promise<Forecast> {
  const row = await store.getRun(runId);
  if (!row) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
  const def = (await store.getFlowVersion(row.flowVersionId)).def;
  const run = new ActiveRun(row, def, await store.getTasks(runId), new Set());
  const estimates = await prepareOrdering(run, store, opts.catalog, opts.defaultEstimateMs);
  const { now } = opts;

  // Simulated tasks: a copy whose states move forward as simulated time passes.
  const sim = new Map<string, TaskRow>([...run.tasks].map(([k, t]) => [k, { ...t }]));
  const out = new Map<string, ForecastJob>();
  const running: Array<{ job: string; end: number }> = [];
  for (const t of sim.values()) {
    if (isTaskEnded(t.state)) out.set(t.job, entry(t, t.startedAt, t.endedAt ?? now, true));
    else if (t.state === 'running') {
      const end = Math.max(now, (t.startedAt ?? now) + (estimates.get(t.job) ?? 0));
      running.push({ job: t.job, end });
      out.set(t.job, entry(t, t.startedAt, end, false));
    }
  }
  const jobs = new Map(def.jobs.map((j) => [j.name, j]));
  let t = now;
  for (let guard = 0; guard <= def.jobs.length * 2 + 2; guard++) {
    // Jobs that can start or can never run, given the simulated end states.
    const ready: JobDef[] = [];
    let changed = true;
    while (changed) {
      changed = false;
      for (const task of sim.values()) {
        if (task.state !== 'waiting' && task.state !== 'ready') continue;
        const status = jobStatus(jobs.get(task.job)!, sim);
        if (status === 'unsatisfiable') {
          task.state = 'skipped';
          out.set(task.job, entry(task, null, t, false));
          changed = true;
        } else if (status === 'satisfied' && task.state === 'waiting') task.state = 'ready';
      }
    }
    for (const task of sim.values()) if (task.state === 'ready') ready.push(jobs.get(task.job)!);
    ready.sort((a, b) => (run.bottomLevel.get(b.name) ?? 0) - (run.bottomLevel.get(a.name) ?? 0) || run.jobIndex.get(a.name)! - run.jobIndex.get(b.name)!);
    for (const job of ready) {
      if (running.length >= opts.maxParallel) break;
      const task = sim.get(job.name)!;
      task.state = 'running';
      const end = t + (estimates.get(job.name) ?? 0);
      running.push({ job: job.name, end });
      out.set(job.name, entry(task, t, end, false));
    }
    if (running.length === 0) break;
    running.sort((a, b) => a.end - b.end);
    t = running[0]!.end;
    while (running.length > 0 && running[0]!.end <= t) sim.get(running.shift()!.job)!.state = 'succeeded';
  }
  const list = def.jobs.map((j) => {
    const f = { ...(out.get(j.name) ?? entry(sim.get(j.name)!, null, null, false)), state: run.tasks.get(j.name)!.state };
    const deadline = run.deadlines.get(j.name);
    return { ...f, deadline, late: deadline !== undefined && f.end !== null && f.end > deadline && !(f.known && f.state === 'succeeded' && f.end <= deadline) };
  });
  if (isRunEnded(row.state)) {
    // What happened, not a forecast: the run's own end, and no job "expected" to end now.
    const known = list.map((f) => ({ ...f, end: f.known ? run.tasks.get(f.job)!.endedAt : null, late: false }));
    const end = row.endedAt ?? known.reduce((m, f) => Math.max(m, f.end ?? 0), row.startedAt ?? row.createdAt);
    return { run: runId, end, ended: true, state: row.state, jobs: known, late: [] };
  }
  const end = list.reduce((m, f) => Math.max(m, f.end ?? now), now);
  return { run: runId, end, ended: false, state: row.state, jobs: list, late: list.filter((f) => f.late && !f.known) };
}

function entry(task: TaskRow, start: number | null, end: number | null, known: boolean): ForecastJob {
  return { job: task.job, state: task.state, start, end, known, late: false };
}
