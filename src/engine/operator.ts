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

async function load(ctx: OperatorContext, runId: number): Promise<{ run: RunRow; tasks: TaskRow[] }> {
  const run = await ctx.store.getRun(runId);
  if (!run) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
  return { run, tasks: await ctx.store.getTasks(runId) };
}

function taskOf(tasks: TaskRow[], run: RunRow, job: string): TaskRow {
  const t = tasks.find((x) => x.job === job);
  if (!t) throw new OrdoError('ORDO_NOT_FOUND', `run ${run.id} (flow ${run.flow}) has no job "${job}"${suggest(job, tasks.map((x) => x.job))}`);
  return t;
}

function ev(ctx: OperatorContext, run: RunRow, task: TaskRow | null, kind: string, data: Record<string, unknown> = {}): EventInput {
  return { at: ctx.now, runId: run.id, taskId: task?.id ?? null, job: task?.job ?? null, kind, data: { ...data, actor: ctx.actor } };
}

async function write(ctx: OperatorContext, run: RunRow, writes: TaskWrite[], runPatch: Parameters<EngineStore['operatorWrite']>[2], events: EventInput[]) {
  const result = await ctx.store.operatorWrite(run.id, writes, runPatch, events);
  if (result.taskConflicts.length > 0) {
    throw new OrdoError('ORDO_CONFLICT', `run ${run.id} changed while the action was being applied; nothing was changed, try again`);
  }
}

function isOpen(run: RunRow): boolean {
  return run.state === 'pending' || run.state === 'running';
}

/** Marks a job to be skipped when it becomes runnable (seed 004). */
export async function skipJob(ctx: OperatorContext, runId: number, job: string): Promise<void> {
  const { run, tasks } = await load(ctx, runId);
  const task = taskOf(tasks, run, job);
  if (!isOpen(run)) throw new OrdoError('ORDO_BAD_STATE', `run ${runId} has ended (${run.state})`);
  if (task.state === 'running') throw new OrdoError('ORDO_BAD_STATE', `job "${job}" is running; abort it instead`);
  if (isTaskEnded(task.state)) throw new OrdoError('ORDO_BAD_STATE', `job "${job}" has already ended (${task.state})`);
  const row = { ...task, skipRequested: true };
  await write(ctx, run, [{ row, events: [ev(ctx, run, task, 'skip_requested')] }], null, []);
}

/** Aborts one job, or the whole run when `job` is undefined. */
export async function abort(ctx: OperatorContext, runId: number, job?: string): Promise<void> {
  const { run, tasks } = await load(ctx, runId);
  if (!isOpen(run)) throw new OrdoError('ORDO_BAD_STATE', `run ${runId} has ended (${run.state})`);
  const targets = job === undefined ? tasks.filter((t) => !isTaskEnded(t.state)) : [taskOf(tasks, run, job)];
  const reason = job === undefined ? 'run_aborted' : 'operator';
  if (job !== undefined && isTaskEnded(targets[0]!.state)) {
    throw new OrdoError('ORDO_BAD_STATE', `job "${job}" has already ended (${targets[0]!.state})`);
  }
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
  const events = job === undefined ? [ev(ctx, run, null, 'abort_requested')] : [];
  const finalize = orphaned && (job === undefined || tasks.every((t) => t === targets[0] || isTaskEnded(t.state)));
  const runPatch = finalize ? { state: job === undefined ? 'aborted' as const : 'failed' as const, endedAt: ctx.now } : null;
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
  const task = taskOf(tasks, run, job);
  const names = new Set([job]);
  if (mode !== 'only') {
    for (const d of downstreamOf(def, job)) {
      const t = tasks.find((x) => x.job === d);
      if (mode === 'downstream' || (t && t.state !== 'succeeded')) names.add(d);
    }
  }
  const chosen = tasks.filter((t) => names.has(t.job));
  const busy = chosen.find((t) => t.state === 'running' || t.state === 'ready');
  if (busy) throw new OrdoError('ORDO_BAD_STATE', `job "${busy.job}" is ${busy.state}; abort it or wait for it to end`);
  const writes: TaskWrite[] = chosen
    .filter((t) => t.state !== 'waiting')
    .map((t) => ({
      row: {
        ...t, state: 'waiting', attemptBase: t.attempts, notBefore: null, skipRequested: false, abortRequested: false,
        reason: null, exitCode: null, startedAt: null, endedAt: null, result: null,
      },
      events: [ev(ctx, run, t, 'task_restarted', { mode, from: job })],
    }));
  if (writes.length === 0) throw new OrdoError('ORDO_BAD_STATE', `job "${task.job}" is already waiting`);
  const reopen = !isOpen(run);
  await write(ctx, run, writes, reopen ? { state: 'running', endedAt: null, owner: null } : null,
    reopen ? [ev(ctx, run, null, 'run_reopened', { job, mode })] : []);
  return writes.map((w) => w.row.job);
}
