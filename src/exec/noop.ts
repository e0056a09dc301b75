/**
 * Runs `noop` jobs: no process, no files. It ends on a microtask, so that flows of no-op jobs measure the
 * engine and the store alone. `ORDO_NOOP_FAIL=1` in the job's env makes it fail, for tests and demos.
 */
import type { AttemptHandle, AttemptOutcome, AttemptRequest, Executor } from '../engine/ports.js';

export class NoopExecutor implements Executor {
  readonly kinds = ['noop'] as const;

  start(req: AttemptRequest): AttemptHandle {
    const startedAt = Date.now();
    let aborted = false;
    // The outcome is decided on the microtask, so an abort() right after start() still counts.
    const done = Promise.resolve().then((): AttemptOutcome => {
      const fail = req.job.env.ORDO_NOOP_FAIL === '1';
      const endedAt = Date.now();
      if (aborted) return { status: 'aborted', exitCode: null, signal: null, startedAt, endedAt };
      return fail
        ? { status: 'failed', exitCode: 1, signal: null, startedAt, endedAt }
        : { status: 'succeeded', exitCode: 0, signal: null, startedAt, endedAt };
    });
    return {
      done,
      abort: () => {
        aborted = true;
      },
    };
  }
}
