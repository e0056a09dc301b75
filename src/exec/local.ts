/**
 * Runs `command` jobs as local processes, each under its own supervisor (local-attempt.ts, supervisor.ts) so
 * that the job outlives this engine and any engine that adopts the run re-attaches to it (`reattach`).
 * Each attempt gets its own process group (so a timeout or an abort reaches the grandchildren too), files
 * under its run's directory (layout in paths.ts: a shared input document, a result path, capped
 * stdout/stderr, the supervisor's record and status, and START/FINISH lines in the run's attempts.log), and
 * an environment that names those files.
 *
 * Before the spawn nothing is created once the run is under way (see run-files.ts): the input document is
 * shared with the earlier attempts that had the same input, the result file is the job's to create, and
 * the attempt's directory and stdout.log / stderr.log are created with the first byte of output (by the
 * supervisor). attempts.log lines are appended as they happen, to the run's file kept open by the
 * executor while the run has attempts in flight (and a few seconds after); the outcome is reported only
 * after the attempt's last line is written and the captured streams and the result file are settled.
 */
import { delimiter } from 'node:path';
import type { AttemptHandle, AttemptRequest, Executor } from '../engine/ports.js';
import { LocalAttempt, RECORD_GRACE_MS } from './local-attempt.js';
import { REPO_BIN, attemptDir } from './paths.js';
import { RunFiles } from './run-files.js';
import { Spawner } from './spawner.js';

export interface LocalExecutorOptions {
  /** Attempt files go under `<stateDir>/runs/`. */
  stateDir: string;
  /** A job's `cwd` is resolved against it; jobs without one run in it. */
  projectDir: string;
  /** Directories put in front of the jobs' PATH, before the repository's bin/ (which is always there). */
  pathPrepend?: string[];
  /** How long a run's attempts.log stays open after its last attempt in flight ended; 5 s by default. */
  idleCloseMs?: number;
  /**
   * A re-attached attempt without a supervisor record is lost once this long has passed since its claim
   * (RECORD_GRACE_MS by default): the engine that claimed it may have died just after the spawn.
   */
  recordGraceMs?: number;
}

export class LocalProcessExecutor implements Executor {
  readonly kinds = ['command'] as const;
  /** Runs with an attempt in flight, or one that ended less than idleCloseMs ago. */
  private readonly runs = new Map<string, RunFiles>();
  private readonly inFlight = new Set<LocalAttempt>();
  private readonly idleCloseMs: number;
  /** Forks the attempts' supervisors from a small process of its own (spawner.ts), started with the first attempt. */
  private readonly spawner = new Spawner();

  constructor(private readonly opts: LocalExecutorOptions) {
    this.idleCloseMs = opts.idleCloseMs ?? 5000;
  }

  start(req: AttemptRequest): AttemptHandle {
    return this.attempt(req, { kind: 'start' });
  }

  /** Takes over an attempt that another engine (or this one, before a restart) started and did not see end. */
  reattach(req: AttemptRequest, startedAt: number): AttemptHandle {
    return this.attempt(req, { kind: 'reattach', startedAt });
  }

  private attempt(req: AttemptRequest, mode: { kind: 'start' } | { kind: 'reattach'; startedAt: number }): AttemptHandle {
    const files = this.acquire(req.runId);
    const dir = attemptDir(this.opts.stateDir, req.runId, req.job.name, req.attempt);
    const ctx = {
      stateDir: this.opts.stateDir, projectDir: this.opts.projectDir, attemptDir: dir, env: this.environment(req),
      recordGraceMs: this.opts.recordGraceMs ?? RECORD_GRACE_MS, spawner: this.spawner,
    };
    const attempt = new LocalAttempt(req, ctx, files, mode);
    this.inFlight.add(attempt);
    let released = false;
    const release = () => {
      if (!released) this.release(files);
      released = true;
      this.inFlight.delete(attempt);
    };
    void attempt.done.then(release);
    attempt.onAbandon = release;
    return {
      done: attempt.done,
      abort: (reason) => attempt.stop('abort', reason),
      abandon: (kill) => attempt.abandon(kill),
    };
  }

  private environment(req: AttemptRequest) {
    return (paths: { input: string; result: string }, dir: string): NodeJS.ProcessEnv => {
      // Copied key by key: spreading process.env (an object backed by the C library's environment) takes
      // V8's slow path for object spread, which costs about as much again.
      const env: NodeJS.ProcessEnv = {};
      const inherited = process.env;
      for (const key of Object.keys(inherited)) env[key] = inherited[key];
      Object.assign(env, req.job.env, req.env);
      env.ORDO_INPUT = paths.input;
      env.ORDO_RESULT = paths.result;
      env.ORDO_LOG_DIR = dir;
      const path = [...(this.opts.pathPrepend ?? []), REPO_BIN, env.PATH ?? ''].filter((p) => p !== '');
      env.PATH = path.join(delimiter);
      return env;
    };
  }

  /**
   * At shutdown: lets go of the attempts in flight, which go on under their supervisors (the engine that
   * next drives their runs re-attaches to them) and must not keep this process alive; and closes the
   * attempts.log files now rather than after their idle delay.
   */
  close(): void {
    for (const attempt of [...this.inFlight]) attempt.abandon(false);
    this.spawner.close();
    for (const files of [...this.runs.values()]) {
      if (files.active > 0) continue;
      clearTimeout(files.idleTimer);
      files.idleTimer = undefined;
      this.runs.delete(files.runId);
      files.close();
    }
  }

  private acquire(runId: string): RunFiles {
    let files = this.runs.get(runId);
    if (!files) {
      files = new RunFiles(this.opts.stateDir, runId);
      this.runs.set(runId, files);
    }
    files.active++;
    return files;
  }

  /**
   * The run's last attempt in flight ended. Its files are let go idleCloseMs later if no attempt of the
   * run started meanwhile; the timer is armed once per idle spell (not once per attempt) and re-armed for
   * the time left when it finds the run busy again and idle since.
   */
  private release(files: RunFiles): void {
    if (--files.active > 0) return;
    files.idleSince = Date.now();
    files.idleTimer ??= setTimeout(() => this.sweep(files), this.idleCloseMs).unref();
  }

  private sweep(files: RunFiles): void {
    files.idleTimer = undefined;
    if (files.active > 0) return; // the release that ends this busy spell arms the timer again
    const left = files.idleSince + this.idleCloseMs - Date.now();
    if (left > 0) {
      files.idleTimer = setTimeout(() => this.sweep(files), left).unref();
      return;
    }
    if (this.runs.get(files.runId) === files) this.runs.delete(files.runId);
    files.close();
  }
}

