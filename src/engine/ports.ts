/**
 * The interfaces the engine needs from the outside world. The engine imports no adapter, no process API
 * and no HTTP: executors, the clock and the store are handed to it.
 */
import type { JobDef } from '../defs/model.js';

/** Injected time, so that retries, timeouts and calendars are tested without sleeping. */
export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}
export interface TimerHandle {
  readonly id: number;
}

/** What the engine hands an executor for one attempt of one task. Everything is already expanded. */
export interface AttemptRequest {
  runId: string;
  taskId: number;
  flow: string;
  /** The job with its `${{ }}` expressions already expanded (argv, shell script, env values, cwd). */
  job: JobDef;
  /** 1-based. */
  attempt: number;
  /** Fencing token of the claim; a result reported with a stale token is refused by the store. */
  token: number;
  /** `{params, results}`: the run's parameters and the results of the jobs it waits on (the file ORDO_INPUT names). */
  input: Record<string, unknown>;
  /** Environment the engine adds: ORDO_RUN_ID, ORDO_JOB, ORDO_ATTEMPT and where the store is. */
  env: Record<string, string>;
  /** Cap of each captured stream, in bytes. */
  logMaxBytes: number;
  /** Secret values the job was given: hidden (as `***`) in its output, error and result (docs/secrets.md). */
  mask?: string[];
}

/** `lost`: a re-attached attempt whose process is gone without a recorded end (retried by the job's policy). */
export type AttemptStatus = 'succeeded' | 'failed' | 'timeout' | 'aborted' | 'lost';

/** What an attempt's process tree used (docs/history.md). */
export interface AttemptUsage {
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Peak resident set of the largest process of the tree, in KiB (absent where the platform does not tell). */
  maxRssKb?: number;
}

export interface AttemptOutcome {
  status: AttemptStatus;
  exitCode: number | null;
  signal: string | null;
  /** The JSON object the job wrote to ORDO_RESULT, if any. */
  result?: Record<string, unknown>;
  /** A one-line reason for failures the process itself did not report (spawn error, bad result file). */
  error?: string;
  startedAt: number;
  endedAt: number;
  usage?: AttemptUsage;
  /** Why it failed, when more precise than its status: `oom` (killed by its memory limit). */
  reason?: string;
  /** How each of the job's limits was enforced: `{memory: '512MiB (cgroup v1)', nofile: '1024 (rlimit)'}`. */
  limits?: Record<string, string>;
  /** Process id, for the operator and for recovery. */
  pid?: number;
}

export interface AttemptHandle {
  /** Settles once; never rejects (failures are outcomes). */
  readonly done: Promise<AttemptOutcome>;
  /** Stop the attempt (SIGTERM to its process group, SIGKILL after the grace period). */
  abort(reason: string): void;
  /**
   * This engine lost the run to another: stop watching the attempt, and with `kill` kill it at once (nobody
   * took it over). `done` then never settles.
   */
  abandon?(kill: boolean): void;
}

export interface Executor {
  /** The job kinds this executor runs. */
  readonly kinds: readonly string[];
  start(req: AttemptRequest): AttemptHandle;
  /**
   * Takes over an attempt started earlier (by an engine that stopped) that the store still has running,
   * instead of running it again: its end is reported if it ended meanwhile, it is watched (with its timeout,
   * counted from `startedAt`) if it still runs, and it ends `lost` if it is gone without a recorded end.
   * Executors without it have their running attempts marked lost when another engine adopts the run.
   */
  reattach?(req: AttemptRequest, startedAt: number): AttemptHandle;
}
