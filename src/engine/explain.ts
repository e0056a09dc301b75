/**
 * `ordo why RUN JOB`: why a task is not running. It rebuilds, from the store, what a dispatcher sees (every
 * unfinished run, the shared resources, the slot limit) and runs the real dispatch function on it, so the
 * answer names the lock, gate, connector, slot, load or higher-ranked task that holds the job.
 */
import { suggest } from '../suggest.js';
import { ActiveRun } from './active-run.js';
import { refStatus } from './deps.js';
import { describeWait, selectDispatch, type WaitReason } from './dispatch.js';
import { prepareOrdering } from './ordering.js';
import { ResourceUsage, type ResourceCatalog } from './resources.js';
import { isTaskEnded, type EngineStore, type RunRow } from './store.js';
import { OrdoError } from '../errors.js';

export interface Explanation {
  run: number;
  job: string;
  state: string;
  /** One sentence for people. */
  text: string;
  wait?: WaitReason;
  /** Dependencies not yet satisfied, for a waiting task. */
  pending?: Array<{ job: string; state: string; wants: string[] }>;
  /** The run is unfinished and no live engine drives it. */
  undriven?: boolean;
}

export interface ExplainOptions {
  catalog: ResourceCatalog;
  maxParallel: number;
  now: number;
  load?: number;
  agingMs: number;
  defaultEstimateMs: number;
  /** Whether the run's owner is a live engine (server/owner.ts); by default, whether it has an owner at all. */
  ownerAlive?: (run: RunRow) => boolean;
}

/**
 * Why a job is where it is. A run that no live engine drives gets the one thing that moves it on appended:
 * whatever holds the job, nothing will happen until an engine drives the run.
 */
export async function explainTask(store: EngineStore, runId: number, job: string, opts: ExplainOptions): Promise<Explanation> {
  const e = await explain(store, runId, job, opts);
  const row = (await store.getRun(runId))!;
  const open = row.state === 'pending' || row.state === 'running';
  const driven = row.owner !== null && (opts.ownerAlive ? opts.ownerAlive(row) : true);
  if (!open || driven) return e;
  const why = row.owner === null ? 'no engine drives the run' : `the engine that drove the run (${row.owner}) is gone`;
  return { ...e, undriven: true, text: `${e.text}; but ${why}: start \`ordo server\` (or \`ordo resume ${runId}\` to drive it here)` };
}

async function explain(store: EngineStore, runId: number, job: string, opts: ExplainOptions): Promise<Explanation> {
  const row = await store.getRun(runId);
  if (!row) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
  const def = (await store.getFlowVersion(row.flowVersionId)).def;
  const tasks = await store.getTasks(runId);
  const task = tasks.find((t) => t.job === job);
  if (!task) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} has no job "${job}"${suggest(job, tasks.map((t) => t.job))} (flow ${def.name})`);
  const base = { run: runId, job, state: task.state };
  if (row.state !== 'pending' && row.state !== 'running') return { ...base, text: `the run has ended (${row.state})` };
  if (isTaskEnded(task.state)) return { ...base, text: `it ended ${task.state}${task.reason ? ` (${task.reason})` : ''}` };
  if (task.state === 'running') {
    return { ...base, text: `it is running (attempt ${task.attempts} since ${new Date(task.startedAt ?? 0).toISOString()})` };
  }
  const byJob = new Map(tasks.map((t) => [t.job, t]));
  if (task.state === 'waiting') {
    const jobDef = def.jobs.find((j) => j.name === job)!;
    const pending = jobDef.after.flatMap((d) => (d.kind === 'job' ? [d.ref] : d.kind === 'any' ? d.members : []))
      .filter((ref) => refStatus(ref, byJob.get(ref.job)) === 'pending')
      .map((ref) => ({ job: ref.job, state: byJob.get(ref.job)?.state ?? '?', wants: ref.states }));
    const parts = pending.map((p) => `${p.job} (${p.state}, waiting for ${p.wants.join('|')})`);
    // A threshold (a batch's between groups) waits for many jobs: counted, not listed.
    for (const d of jobDef.after) {
      if (d.kind !== 'atMost') continue;
      const ended = d.members.map((m) => ({ m, t: byJob.get(m.job) })).filter(({ t }) => t && isTaskEnded(t.state));
      const hits = ended.filter(({ m, t }) => refStatus(m, t) === 'satisfied').length;
      if (ended.length < d.members.length) {
        parts.push(`${d.members.length - ended.length} of ${d.members.length} jobs to end (${hits} ended ${d.members[0]?.states.join('|') ?? ''}; more than ${d.max} stops it)`);
      }
    }
    const text = parts.length ? `it waits for ${parts.join(', ')}` : 'its dependencies are met; an engine makes it ready at its next tick';
    return { ...base, pending, text };
  }

  // Ready: rank it among every ready task of every unfinished run, as a dispatcher would.
  const open = await store.listRuns({ states: ['pending', 'running'], limit: 10_000 });
  const runs: ActiveRun[] = [];
  let running = 0;
  for (const r of open) {
    const v = r.id === runId ? def : (await store.getFlowVersion(r.flowVersionId)).def;
    const active = new ActiveRun(r, v, r.id === runId ? tasks : await store.getTasks(r.id), await store.disabledJobs(r.flow));
    await prepareOrdering(active, store, opts.catalog, opts.defaultEstimateMs);
    running += active.running;
    runs.push(active);
  }
  const usage = new ResourceUsage(await store.resourceView());
  const decision = selectDispatch({
    runs, now: opts.now, free: opts.maxParallel - running, maxParallel: opts.maxParallel, usage, load: opts.load, agingMs: opts.agingMs,
    explainAll: true,
  });
  const wait = decision.waits.get(task.id);
  if (wait) return { ...base, wait, text: describeWait(wait) };
  return { ...base, text: row.owner ? `nothing holds it: ${row.owner} starts it at its next dispatch` : 'nothing holds it' };
}
