/**
 * `ordo simulate`: the real engine and dispatcher on a virtual clock. Jobs take the given durations (a fake
 * clock moves from one attempt's end to the next), on an in-memory store, with M slots; the makespan is what
 * the dispatcher's order achieves. Flows of a project keep their locks, connectors and priorities; task
 * graphs from benchmark files (STG, WfCommons, DAX) become flows of no-op jobs.
 */
import type { FlowDef, JobDef } from '../defs/model.js';
import { dependencyJobs } from '../defs/deps.js';
import { flowFingerprint } from '../defs/version.js';
import { Engine } from '../engine/engine.js';
import { emptyCatalog, type ResourceCatalog } from '../engine/resources.js';
import { buildTaskGraph, type TaskGraph } from '../sched/graph.js';
import { criticalPathLength, totalWork } from '../sched/critical-path.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { memoryStore } from '../testkit/index.js';
import { ScriptedExecutor, type Script } from '../testkit/scripted-executor.js';

export interface SimulationResult {
  /** In the unit of the durations given (seconds for flows and WfCommons, time units for STG). */
  makespan: number;
  lowerBound: number;
  criticalPath: number;
  work: number;
  slots: number;
  tasks: number;
}

export interface SimulateOptions {
  slots: number;
  /** Milliseconds of virtual time per unit of duration. */
  unitMs: number;
  catalog?: ResourceCatalog;
  /** The run's parameters (a flow's defaults, for `${{ params.x }}` in its jobs). */
  params?: Record<string, unknown>;
}

/** Simulates a flow whose jobs take `durations` (units per job; missing = 0). */
export async function simulateFlow(def: FlowDef, durations: ReadonlyMap<string, number>, opts: SimulateOptions): Promise<SimulationResult> {
  const script: Script = {};
  const jobs: JobDef[] = def.jobs.map((j) => {
    const ms = Math.round((durations.get(j.name) ?? 0) * opts.unitMs);
    script[j.name] = [{ durationMs: ms }];
    // The estimate is the duration: a simulation measures the order, not the quality of the statistics.
    return { ...j, estimateMs: ms, retry: { ...j.retry, retries: 0 } };
  });
  const flow: FlowDef = { ...def, jobs };
  const clock = new FakeClock(0);
  const store = await memoryStore();
  const engine = new Engine({
    store, clock, executors: [new ScriptedExecutor(clock, script, 0)], owner: 'simulator/0/0', maxParallel: opts.slots,
    catalog: opts.catalog ?? emptyCatalog(), pollMs: 1e15, leaseMs: 1e15, defaultEstimateMs: 0,
    // Virtual time is scaled arbitrarily (unitMs): aging would reorder by that scale, so it is off here.
    agingMs: 1e15,
  });
  clock.onIdle(() => engine.idle());
  try {
    const run = await engine.createRun(flow, flowFingerprint(flow), opts.params ?? {});
    const done = engine.drive(run.id);
    let summary: Awaited<typeof done> | undefined;
    void done.then((s) => (summary = s));
    const horizon = jobs.reduce((sum, j) => sum + (j.estimateMs ?? 0), 0) + 1;
    for (let i = 0; i < 4 && !summary; i++) await clock.advance(horizon);
    if (!summary) throw new Error('the simulated run did not end (a gate or a blocked connector holds it?)');
    if (engine.error) throw engine.error;
    // Bounds over the jobs that ran: a failure path that was skipped costs nothing.
    const ran = new Set(summary.tasks.filter((t) => t.attempts > 0).map((t) => t.job));
    const g = graphOfFlow({ ...flow, jobs: flow.jobs.filter((j) => ran.has(j.name)) }, durations);
    const cp = criticalPathLength(g);
    const work = totalWork(g);
    const round = (x: number) => Math.round(x * 1e6) / 1e6;
    return {
      makespan: round((summary.run.endedAt ?? 0) / opts.unitMs), lowerBound: round(Math.max(cp, work / opts.slots)),
      criticalPath: round(cp), work: round(work), slots: opts.slots, tasks: jobs.length,
    };
  } finally {
    await engine.close();
    await store.close();
  }
}

export function graphOfFlow(def: FlowDef, durations: ReadonlyMap<string, number>): TaskGraph {
  const names = def.jobs.map((j) => j.name);
  const known = new Set(names);
  return buildTaskGraph(names, names.map((n) => durations.get(n) ?? 0), def.jobs.map((j) => dependencyJobs(j).filter((d) => known.has(d))));
}

/** A task graph as a flow of no-op jobs named t0, t1, ... (benchmark ids are not always job names). */
export function flowOfGraph(g: TaskGraph, name = 'simulated'): { def: FlowDef; durations: Map<string, number> } {
  const jobName = (i: number) => `t${i}`;
  const durations = new Map<string, number>();
  const jobs: JobDef[] = g.ids.map((_, i) => {
    durations.set(jobName(i), g.duration[i]!);
    return {
      name: jobName(i), kind: 'noop', env: {}, killGraceMs: 0, successCodes: [0], enabled: true, extends: [], locks: [], priority: 0,
      retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 },
      after: g.preds[i]!.map((p) => ({ kind: 'job' as const, ref: { job: jobName(p), states: ['succeeded' as const] } })),
    };
  });
  return { def: { name, file: '(generated)', params: [], jobs, priority: 0 }, durations };
}

export async function simulateGraph(g: TaskGraph, opts: SimulateOptions): Promise<SimulationResult> {
  const { def, durations } = flowOfGraph(g);
  return simulateFlow(def, durations, opts);
}
