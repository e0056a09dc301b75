/**
 * The state changes of a task, each applied to the in-memory row and recorded in the tick's batch with
 * its event. Keeps the run's counters (ready, running, ended) in step with the rows.
 */
import type { ActiveRun } from './active-run.js';
import type { BatchBuilder } from './batch.js';
import { mayRetry, retryDelay } from './outcome.js';
import type { AttemptOutcome } from './ports.js';
import type { AttemptRow, ResourceClaim, TaskRow, TaskState } from './store.js';

export class Transitions {
  constructor(private readonly batch: BatchBuilder, private readonly now: number, private readonly owner: string) {}

  private event(run: ActiveRun, task: TaskRow, kind: string, data?: Record<string, unknown>) {
    return { at: this.now, runId: run.row.id, taskId: task.id, job: task.job, kind, data };
  }

  ready(run: ActiveRun, task: TaskRow, notBefore: number | null = null): void {
    this.leave(run, task);
    task.state = 'ready';
    task.notBefore = notBefore;
    run.ready.add(task.job);
    run.newlyReady.add(task.job);
    if (notBefore !== null) run.delayed.add(task.job);
    run.readySince.set(task.job, this.now);
    this.batch.touch(task, this.event(run, task, 'task_ready', notBefore ? { notBefore } : undefined));
  }

  /** Ends a task that never ran: skipped (with why), aborted, failed without a process, or expired. */
  end(run: ActiveRun, task: TaskRow, state: 'skipped' | 'aborted' | 'failed' | 'expired', reason: string, error?: string, extra?: Record<string, unknown>): void {
    this.leave(run, task);
    task.state = state;
    task.reason = reason;
    task.endedAt = this.now;
    run.ended++;
    this.batch.touch(task, this.event(run, task, `task_${state}`, { reason, ...(error && { error }), ...extra }));
  }

  /** Claims a ready task: state running, a new attempt row, in the same transaction. Returns the token. */
  start(run: ActiveRun, task: TaskRow, claims: ResourceClaim[] = []): AttemptRow {
    const token = this.batch.tokenFor(task);
    this.leave(run, task);
    task.state = 'running';
    task.attempts += 1;
    task.notBefore = null;
    task.reason = null;
    task.startedAt = this.now;
    task.endedAt = null;
    task.exitCode = null;
    run.running++;
    const attempt: AttemptRow = {
      taskId: task.id, attempt: task.attempts, token, state: 'running', owner: this.owner, pid: null,
      startedAt: this.now, endedAt: null, exitCode: null, signal: null, error: null, result: null,
    };
    this.batch.touch(task, this.event(run, task, 'task_started', { attempt: task.attempts }), { insert: attempt });
    this.batch.acquire(task, claims);
    return attempt;
  }

  /** Applies an attempt's outcome: the task ends, or waits for its next attempt. */
  finish(run: ActiveRun, task: TaskRow, attempt: AttemptRow, outcome: AttemptOutcome): void {
    const finished: AttemptRow = {
      ...attempt, state: outcome.status, pid: outcome.pid ?? attempt.pid, endedAt: outcome.endedAt,
      exitCode: outcome.exitCode, signal: outcome.signal, error: outcome.error ?? null, result: outcome.result ?? null,
      usage: outcome.usage ?? null, limits: outcome.limits ?? null,
    };
    const data = {
      attempt: attempt.attempt, status: outcome.status, exitCode: outcome.exitCode, signal: outcome.signal,
      durationMs: outcome.endedAt - outcome.startedAt, ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    };
    this.leave(run, task);
    task.exitCode = outcome.exitCode;
    if (outcome.status === 'succeeded') {
      this.settle(run, task, 'succeeded', null);
      task.result = outcome.result ?? null;
      this.batch.touch(task, this.event(run, task, 'task_succeeded', data), { update: finished });
    } else if (outcome.status === 'aborted') {
      this.settle(run, task, 'aborted', task.reason === 'run_aborted' ? 'run_aborted' : 'operator');
      this.batch.touch(task, this.event(run, task, 'task_aborted', data), { update: finished });
    } else {
      this.failOrRetry(run, task, outcome.reason ?? outcome.status, data, finished);
    }
  }

  /**
   * An attempt started by an engine that stopped, taken over by this one: it stays running, the attempt row
   * names its new owner, and the task's rev moves on so that the previous engine's late writes are refused.
   */
  reattach(run: ActiveRun, task: TaskRow, attempt: AttemptRow): void {
    this.batch.touch(task, this.event(run, task, 'task_reattached', { attempt: attempt.attempt, previous: attempt.owner }),
      { update: { ...attempt, owner: this.owner } });
  }

  /** An attempt whose process was lost with the engine that started it: retried per policy. */
  lost(run: ActiveRun, task: TaskRow, attempt: AttemptRow): void {
    const finished: AttemptRow = { ...attempt, state: 'lost', endedAt: this.now, error: 'the engine that ran it stopped' };
    this.leave(run, task);
    this.failOrRetry(run, task, 'lost', { attempt: attempt.attempt, status: 'lost' }, finished);
  }

  private failOrRetry(run: ActiveRun, task: TaskRow, why: string, data: Record<string, unknown>, finished: AttemptRow) {
    const job = run.job(task.job);
    if (mayRetry(job.retry, task.attempts - task.attemptBase) && !task.abortRequested) {
      const notBefore = this.now + retryDelay(job.retry, task.attempts - task.attemptBase + 1);
      task.state = 'ready';
      task.notBefore = notBefore;
      task.reason = why;
      run.ready.add(task.job);
      run.newlyReady.add(task.job);
      run.delayed.add(task.job);
      run.readySince.set(task.job, this.now);
      this.batch.touch(task, this.event(run, task, 'task_attempt_failed', data), { update: finished });
      this.batch.touch(task, this.event(run, task, 'retry_scheduled', { nextAttempt: task.attempts + 1, notBefore }));
    } else {
      this.settle(run, task, 'failed', why === 'failed' ? null : why);
      this.batch.touch(task, this.event(run, task, 'task_failed', data), { update: finished });
    }
  }

  private settle(run: ActiveRun, task: TaskRow, state: TaskState, reason: string | null): void {
    task.state = state;
    task.reason = reason;
    task.endedAt = this.now;
    run.ended++;
  }

  /** Takes the task out of the counter of its current state. */
  private leave(run: ActiveRun, task: TaskRow): void {
    if (task.state === 'ready') {
      run.ready.delete(task.job);
      run.readySince.delete(task.job);
    } else if (task.state === 'running') {
      run.running--;
      if ((run.claims.get(task.job)?.length ?? 0) > 0) this.batch.release(task);
    }
    else if (task.state === 'waiting') run.candidates.delete(task.job);
  }
}
