/**
 * An executor whose attempts end when and how a test decides: by a script per job (outcome and
 * duration on the fake clock), or by hand with `complete()`. Records every request it received.
 */
import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStatus, Clock, Executor } from '../engine/ports.js';

export interface Step {
  status?: AttemptStatus;
  exitCode?: number;
  result?: Record<string, unknown>;
  /** Fake-clock milliseconds before the attempt ends; undefined = wait for `complete()`. */
  durationMs?: number;
}

/** One entry per attempt, in order; the last entry repeats. */
export type Script = Record<string, Step[]>;

interface Open {
  req: AttemptRequest;
  resolve: (o: AttemptOutcome) => void;
  startedAt: number;
}

export class ScriptedExecutor implements Executor {
  readonly kinds = ['command', 'noop'] as const;
  readonly requests: AttemptRequest[] = [];
  private readonly open = new Map<string, Open>();

  constructor(private readonly clock: Clock, private readonly script: Script = {}, private readonly defaultMs = 1000) {}

  start(req: AttemptRequest): AttemptHandle {
    this.requests.push(req);
    const startedAt = this.clock.now();
    let resolve!: (o: AttemptOutcome) => void;
    const done = new Promise<AttemptOutcome>((r) => (resolve = r));
    const key = `${req.runId}/${req.job.name}`;
    const open: Open = { req, resolve, startedAt };
    this.open.set(key, open);
    const steps = this.script[req.job.name];
    const step = steps?.[Math.min(req.attempt, steps.length) - 1] ?? { durationMs: this.defaultMs };
    if (step.durationMs !== undefined) {
      this.clock.setTimer(step.durationMs, () => this.finish(key, step));
    }
    return { done, abort: () => this.finish(key, { status: 'aborted', exitCode: undefined }) };
  }

  /** Ends the running attempt of `job` in run `runId` (for steps without a duration). */
  complete(runId: number | string, job: string, step: Step = {}): void {
    this.finish(`${runId}/${job}`, step);
  }

  /** Jobs whose attempt is running now. */
  get running(): string[] {
    return [...this.open.values()].map((o) => o.req.job.name).sort();
  }

  private finish(key: string, step: Step): void {
    const open = this.open.get(key);
    if (!open) return;
    this.open.delete(key);
    const status = step.status ?? 'succeeded';
    open.resolve({
      status,
      exitCode: step.exitCode ?? (status === 'succeeded' ? 0 : status === 'aborted' ? null : 1),
      signal: status === 'aborted' ? 'SIGTERM' : null,
      result: step.result,
      startedAt: open.startedAt,
      endedAt: this.clock.now(),
    });
  }
}
