/**
 * The collected result of a batch (seed 002's "executed batch file"): per host its state, exit status,
 * duration and the tail of its output; the batch's state and totals. A view over the batch's run, built
 * when asked, so it is always what the store says (also while the batch runs, and after a server restart).
 */
import { allowedFailures, ruleText, thresholdText } from '../defs/batch-model.js';
import type { AttemptRow, RunRow, TaskRow } from '../engine/store.js';
import type { BatchRow } from '../store/batches.js';
import { thresholdJob } from './flow.js';

/** `not run`: the threshold stopped the batch before the host's group (or an operator skipped it). */
export type HostOutcome = 'ok' | 'failed' | 'not run' | 'running' | 'waiting';
export type BatchState = 'running' | 'succeeded' | 'failed' | 'stopped' | 'aborted';

export interface HostResult {
  host: string;
  group: number;
  outcome: HostOutcome;
  /** The task's state in the run (`ordo show RUN` says the same). */
  state: string;
  exitCode: number | null;
  signal: string | null;
  attempts: number;
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
  /** Which entry of the command map chose its command. */
  rule: string;
  /** Why it failed without an exit status (start error, timeout, lost host), when it did. */
  error: string | null;
  /** The last lines of its output (stdout, else stderr). */
  output: string;
}

export interface BatchRecord {
  id: number;
  name: string;
  run: number;
  parent: number | null;
  source: string;
  createdAt: number;
  createdBy: string;
  state: BatchState;
  /** The group after which the threshold stopped the batch. */
  stoppedAfter: number | null;
  maxFailures: string;
  allowedFailures: number;
  groups: number;
  totals: { hosts: number; ok: number; failed: number; notRun: number; running: number; durationMs: number | null };
  hosts: HostResult[];
}

/** Reads what the record needs beyond the run's rows: a task's latest attempt and its output tail. */
export interface RecordSource {
  lastAttempt(task: TaskRow): Promise<AttemptRow | undefined>;
  /** The last `bytes` of the attempt's output ('' when none). */
  tail(job: string, attempt: number, bytes: number): Promise<string>;
}

export const TAIL_LINES = 5;
const TAIL_BYTES = 2048;

function outcomeOf(task: TaskRow | undefined): HostOutcome {
  switch (task?.state) {
    case 'succeeded': return 'ok';
    case 'failed': case 'aborted': case 'expired': return 'failed';
    case 'skipped': return 'not run';
    case 'running': return 'running';
    default: return 'waiting';
  }
}

function lastLines(text: string, n: number): string {
  return text.replace(/\s+$/, '').split('\n').slice(-n).join('\n');
}

export async function batchRecord(batch: BatchRow, run: RunRow, tasks: TaskRow[], source: RecordSource): Promise<BatchRecord> {
  const byJob = new Map(tasks.map((t) => [t.job, t]));
  const hosts: HostResult[] = [];
  for (const [g, group] of batch.plan.groups.entries()) {
    for (const host of group) {
      const task = byJob.get(host);
      const attempt = task && task.attempts > 0 ? await source.lastAttempt(task) : undefined;
      const output = attempt ? lastLines(await source.tail(host, attempt.attempt, TAIL_BYTES), TAIL_LINES) : '';
      const startedAt = attempt?.startedAt ?? null;
      const endedAt = attempt?.endedAt ?? null;
      hosts.push({
        host, group: g + 1, outcome: outcomeOf(task), state: task?.state ?? 'waiting', exitCode: attempt?.exitCode ?? null,
        signal: attempt?.signal ?? null, attempts: task?.attempts ?? 0, startedAt, endedAt,
        durationMs: startedAt !== null && endedAt !== null ? endedAt - startedAt : null, rule: ruleText(batch.plan.commands[host]!.rule),
        error: attempt?.error ?? (task?.state === 'skipped' ? skipWhy(task, batch.plan.groups.length > 1) : null), output,
      });
    }
  }
  const count = (o: HostOutcome) => hosts.filter((h) => h.outcome === o).length;
  const stopped = batch.plan.groups.findIndex((_, g) => byJob.get(thresholdJob(g + 1))?.state === 'skipped' && byJob.get(thresholdJob(g + 1))?.reason === 'unsatisfiable');
  const totals = {
    hosts: hosts.length, ok: count('ok'), failed: count('failed'), notRun: count('not run'), running: count('running') + count('waiting'),
    durationMs: run.startedAt !== null && run.endedAt !== null ? run.endedAt - run.startedAt : null,
  };
  let state: BatchState;
  if (run.state === 'pending' || run.state === 'running') state = 'running';
  else if (run.state === 'aborted') state = 'aborted';
  else if (stopped >= 0) state = 'stopped';
  else state = totals.failed + totals.notRun > 0 ? 'failed' : 'succeeded';
  return {
    id: batch.id, name: batch.name, run: run.id, parent: batch.parentId, source: batch.source, createdAt: batch.createdAt, createdBy: batch.createdBy,
    state, stoppedAfter: stopped >= 0 ? stopped + 1 : null, maxFailures: thresholdText(batch.plan.threshold),
    allowedFailures: allowedFailures(batch.plan.threshold, hosts.length), groups: batch.plan.groups.length, totals, hosts,
  };
}

function skipWhy(task: TaskRow, grouped: boolean): string {
  if (task.reason === 'unsatisfiable' && grouped) return 'the failure threshold stopped the batch before this group';
  return `not run (${task.reason ?? 'skipped'})`;
}

/** The hosts a rerun of `--failed` covers: those that failed or did not run, in their groups. */
export function hostsToRerun(record: BatchRecord): Set<string> {
  return new Set(record.hosts.filter((h) => h.outcome === 'failed' || h.outcome === 'not run').map((h) => h.host));
}
