/**
 * Operator actions on runs: skip, abort, restart. Each is one transaction with its events, conditioned
 * on the rows it read; an engine driving the run notices (control sequence) and reloads it. When no
 * live engine drives the run, the action completes the run's bookkeeping itself.
 */
import { suggest } from '../suggest.js';
import type { FlowDef } from '../defs/model.js';
import { OrdoError } from '../errors.js';
import { downstreamOf } from './deps.js';
import { isTaskEnded, type EngineStore, type EventInput, type RunRow, type TaskRow, type TaskWrite } from './store.js';

export type RestartMode = 'only' | 'downstream' | 'failed';

export interface OperatorContext {
  store: EngineStore;
  now: number;
  /** Who acts (for the audit trail). */
  actor: string;
  /** Whether the run's owner is alive (fresh heartbeat and, on this host, a live process). */
  ownerAlive: (run: RunRow) => boolean;
}

export async function load(ctx: OperatorContext, runId: number): Promise<{ run: RunRow; tasks: TaskRow[] }> {
  const run = await ctx.store.getRun(runId);
  if (!run) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
  return { run, tasks: await ctx.store.getTasks(runId) };
}

export function taskOf(tasks: TaskRow[], run: RunRow, job: string): TaskRow {
  const t = tasks.find((x) => x.job === job);
  if (!t) throw new OrdoError('ORDO_NOT_FOUND', `run ${run.id} (flow ${run.flow}) has no job "${job}"${suggest(job, tasks.map((x) => x.job))}`);
  return t;
}

export function ev(ctx: OperatorContext, run: RunRow, task: TaskRow | null, kind: string, data: Record<string, unknown> = {}): EventInput {
  return { at: ctx.now, runId: run.id, taskId: task?.id ?? null, job: task?.job ?? null, kind, data: { ...data, actor: ctx.actor } };
}

export async function write(ctx: OperatorContext, run: RunRow, writes: TaskWrite[], runPatch: Parameters<EngineStore['operatorWrite']>[2], events: EventInput[]) {
  const result = await ctx.store.operatorWrite(run.id, writes, runPatch, events);
  if (result.taskConflicts.length > 0) {
    throw new OrdoError('ORDO_CONFLICT', `run ${run.id} changed while the action was being applied; nothing was changed, try again`);
  }
}

export function isOpen(run: RunRow): boolean {
  return run.state === 'pending' || run.state === 'running';
}

/** The write that marks a job to be skipped when it becomes runnable (seed 004); refuses when it cannot be. */
export function planSkip(ctx: OperatorContext, run: RunRow, task: TaskRow): TaskWrite {
  if (!isOpen(run)) throw new OrdoError('ORDO_BAD_STATE', `run ${run.id} has ended (${run.state})`);
  if (task.state === 'running') throw new OrdoError('ORDO_BAD_STATE', `job "${task.job}" is running; abort it instead`);
  if (isTaskEnded(task.state)) throw new OrdoError('ORDO_BAD_STATE', `job "${task.job}" has already ended (${task.state})`);
  return { row: { ...task, skipRequested: true }, events: [ev(ctx, run, task, 'skip_requested')] };
}

/** Marks a job to be skipped when it becomes runnable (seed 004). */
export async function skipJob(ctx: OperatorContext, runId: number, job: string): Promise<void> {
  const { run, tasks } = await load(ctx, runId);
  await write(ctx, run, [planSkip(ctx, run, taskOf(tasks, run, job))], null, []);
}

/** Aborts one job, or the whole run when `job` is undefined. */
export async function abort(ctx: OperatorContext, runId: number, job?: string): Promise<void> {
  const { run, tasks } = await load(ctx, runId);
  await abortJobs(ctx, run, tasks, job === undefined ? undefined : [job]);
}

/** Aborts these jobs of a run (every unfinished one when `jobs` is undefined) in one transaction. */
export async function abortJobs(ctx: OperatorContext, run: RunRow, tasks: TaskRow[], jobs?: readonly string[]): Promise<void> {
  if (!isOpen(run)) throw new OrdoError('ORDO_BAD_STATE', `run ${run.id} has ended (${run.state})`);
  const targets = jobs === undefined ? tasks.filter((t) => !isTaskEnded(t.state)) : jobs.map((j) => taskOf(tasks, run, j));
  const reason = jobs === undefined ? 'run_aborted' : 'operator';
  const ended = jobs === undefined ? undefined : targets.find((t) => isTaskEnded(t.state));
  if (ended) throw new OrdoError('ORDO_BAD_STATE', `job "${ended.job}" has already ended (${ended.state})`);
  // Without a live engine nobody will stop a running attempt: record it as ended now.
  const orphaned = !ctx.ownerAlive(run);
  const writes: TaskWrite[] = [];
  for (const t of targets) {
    if (t.state === 'running' && !orphaned) {
      writes.push({ row: { ...t, abortRequested: true, reason }, events: [ev(ctx, run, t, 'abort_requested', { reason })] });
    } else {
      const row: TaskRow = { ...t, state: 'aborted', reason, endedAt: ctx.now, abortRequested: true };
      const attempts = t.state === 'running' ? await ctx.store.getAttempts(t.id) : [];
      const last = attempts[attempts.length - 1];
      writes.push({
        row, events: [ev(ctx, run, t, 'task_aborted', { reason })], release: t.state === 'running',
        attemptUpdate: last && last.state === 'running' ? { ...last, state: 'lost', endedAt: ctx.now, error: 'aborted while no engine drove the run' } : undefined,
      });
    }
  }
  const events = jobs === undefined ? [ev(ctx, run, null, 'abort_requested')] : [];
  const finalize = orphaned && (jobs === undefined || tasks.every((t) => targets.includes(t) || isTaskEnded(t.state)));
  const runPatch = finalize ? { state: jobs === undefined ? 'aborted' as const : 'failed' as const, endedAt: ctx.now } : null;
  if (finalize) events.push(ev(ctx, run, null, `run_${runPatch!.state}`));
  await write(ctx, run, writes, runPatch, events);
}

/**
 * Restarts a job: `only` the job; `downstream` the job and every job that really depends on it;
 * `failed` the job and those of its downstream jobs that did not succeed. The run reopens if it had
 * ended, for an engine to adopt.
 */
export async function restart(ctx: OperatorContext, runId: number, job: string, mode: RestartMode, def: FlowDef): Promise<string[]> {
  const { run, tasks } = await load(ctx, runId);
  return restartJobs(ctx, run, tasks, [job], mode, def);
}

/** Restarts these jobs of a run (each with its downstream jobs per `mode`) in one transaction; the jobs restarted. */
export async function restartJobs(
  ctx: OperatorContext, run: RunRow, tasks: TaskRow[], jobs: readonly string[], mode: RestartMode, def: FlowDef,
): Promise<string[]> {
  /** Each job to restart, with the job whose restart chose it. */
  const from = new Map<string, string>();
  for (const job of jobs) {
    taskOf(tasks, run, job);
    if (!from.has(job)) from.set(job, job);
    if (mode === 'only') continue;
    for (const d of downstreamOf(def, job)) {
      const t = tasks.find((x) => x.job === d);
      if ((mode === 'downstream' || (t && t.state !== 'succeeded')) && !from.has(d)) from.set(d, job);
    }
  }
  const chosen = tasks.filter((t) => from.has(t.job));
  const busy = chosen.find((t) => t.state === 'running' || t.state === 'ready');
  if (busy) throw new OrdoError('ORDO_BAD_STATE', `job "${busy.job}" is ${busy.state}; abort it or wait for it to end`);
  const writes: TaskWrite[] = chosen
    .filter((t) => t.state !== 'waiting')
    .map((t) => ({
      row: {
        ...t, state: 'waiting', attemptBase: t.attempts, notBefore: null, skipRequested: false, abortRequested: false,
        reason: null, exitCode: null, startedAt: null, endedAt: null, result: null,
      },
      events: [ev(ctx, run, t, 'task_restarted', { mode, from: from.get(t.job) })],
    }));
  if (writes.length === 0) {
    throw new OrdoError('ORDO_BAD_STATE', jobs.length === 1 ? `job "${jobs[0]}" is already waiting` : `jobs ${jobs.map((j) => `"${j}"`).join(', ')} are already waiting`);
  }
  const reopen = !isOpen(run);
  await write(ctx, run, writes, reopen ? { state: 'running', endedAt: null, owner: null } : null,
    reopen ? [ev(ctx, run, null, 'run_reopened', { job: jobs[0], jobs, mode })] : []);
  return writes.map((w) => w.row.job);
}

export type BulkAction = 'skip' | 'abort' | 'restart';

/**
 * One action on many jobs of a run (the console's bulk operations), in one transaction: every job is checked
 * first, and one that refuses the action refuses the whole call, which then changes nothing. The jobs changed.
 */
export async function bulkAction(
  ctx: OperatorContext, runId: number, action: BulkAction, jobs: readonly string[], mode: RestartMode, def: () => Promise<FlowDef>,
): Promise<string[]> {
  const { run, tasks } = await load(ctx, runId);
  const unique = [...new Set(jobs)];
  if (action === 'skip') {
    await write(ctx, run, unique.map((j) => planSkip(ctx, run, taskOf(tasks, run, j))), null, []);
    return unique;
  }
  if (action === 'abort') {
    await abortJobs(ctx, run, tasks, unique);
    return unique;
  }
  return restartJobs(ctx, run, tasks, unique, mode, await def());
}
