/**
 * The engine's one timer on the injected clock: the earliest of the runs' wake-up times (a sleep's end, a
 * lock or event wait's limit), their own timeouts, and the deadlines of claimed tasks (action timeouts).
 */
import type { Clock, TimerHandle } from '../engine/ports.js';
import type { LiveRun } from './live.js';

export interface Due {
  runs: number[];
  /** Claimed tasks whose deadline passed, as (run, step). */
  tasks: Array<{ runId: number; step: number }>;
}

export class Timers {
  private readonly tasks = new Map<string, { runId: number; step: number; at: number }>();
  private armed: { at: number; handle: TimerHandle } | null = null;
  private stopped = false;

  constructor(private readonly clock: Clock, private readonly runs: () => Iterable<LiveRun>, private readonly onDue: (due: Due) => void) {}

  task(runId: number, step: number, at: number): void {
    this.tasks.set(`${runId}.${step}`, { runId, step, at });
  }

  dropTask(runId: number, step: number): void {
    this.tasks.delete(`${runId}.${step}`);
  }

  dropRun(runId: number): void {
    for (const [id, t] of this.tasks) if (t.runId === runId) this.tasks.delete(id);
  }

  private static wakeOf(run: LiveRun): number {
    const w = run.state.status === 'waiting' && run.wakeAt !== null ? run.wakeAt : Infinity;
    return Math.min(w, run.deadlineAt ?? Infinity);
  }

  /** Sets the timer for the earliest instant among the runs and the tasks. */
  arm(): void {
    if (this.stopped) return;
    let next = Infinity;
    for (const run of this.runs()) next = Math.min(next, Timers.wakeOf(run));
    for (const t of this.tasks.values()) next = Math.min(next, t.at);
    if (this.armed?.at === next) return;
    if (this.armed) this.clock.clearTimer(this.armed.handle);
    this.armed = null;
    if (next === Infinity) return;
    const handle = this.clock.setTimer(next - this.clock.now(), () => {
      this.armed = null;
      this.fire();
    });
    this.armed = { at: next, handle };
  }

  private fire(): void {
    const now = this.clock.now();
    const due: Due = { runs: [], tasks: [] };
    for (const run of this.runs()) if (Timers.wakeOf(run) <= now) due.runs.push(run.id);
    for (const [key, t] of this.tasks) {
      if (t.at > now) continue;
      this.tasks.delete(key);
      due.tasks.push({ runId: t.runId, step: t.step });
    }
    this.onDue(due);
  }

  stop(): void {
    this.stopped = true;
    if (this.armed) this.clock.clearTimer(this.armed.handle);
    this.armed = null;
  }
}
