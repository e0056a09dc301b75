/**
 * Runs `command` jobs as local processes. Each attempt gets its own process group (so a timeout or an abort
 * reaches the grandchildren too), files under its run's directory (layout in paths.ts: a shared input
 * document, a result path, capped stdout/stderr, and START/FINISH lines in the run's attempts.log), and an
 * environment that names those files.
 *
 * Before the spawn nothing is created once the run is under way (see run-files.ts): the input document is
 * shared with the earlier attempts that had the same input, the result file is the job's to create, and
 * the attempt's directory and stdout.log / stderr.log are created with the first byte of output (see
 * capped-log.ts). attempts.log lines are appended as they happen, to the run's file kept open by the
 * executor while the run has attempts in flight (and a few seconds after); the outcome is reported only
 * after the attempt's last line is written and the captured streams and the result file are settled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, resolve } from 'node:path';
import type { JobDef } from '../defs/model.js';
import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStatus, Executor } from '../engine/ports.js';
import { CappedLog } from './capped-log.js';
import { REPO_BIN, attemptDir, orderFile, outputFile } from './paths.js';
import { StreamOrderWriter } from './stream-order.js';
import { RunFiles } from './run-files.js';
import type { RecordKind } from './run-log.js';

export interface LocalExecutorOptions {
  /** Attempt files go under `<stateDir>/runs/`. */
  stateDir: string;
  /** A job's `cwd` is resolved against it; jobs without one run in it. */
  projectDir: string;
  /** Directories put in front of the jobs' PATH, before the repository's bin/ (which is always there). */
  pathPrepend?: string[];
  /** How long a run's attempts.log stays open after its last attempt in flight ended; 5 s by default. */
  idleCloseMs?: number;
}

export class LocalProcessExecutor implements Executor {
  readonly kinds = ['command'] as const;
  /** Runs with an attempt in flight, or one that ended less than idleCloseMs ago. */
  private readonly runs = new Map<string, RunFiles>();
  private readonly idleCloseMs: number;

  constructor(private readonly opts: LocalExecutorOptions) {
    this.idleCloseMs = opts.idleCloseMs ?? 5000;
  }

  start(req: AttemptRequest): AttemptHandle {
    const files = this.acquire(req.runId);
    const attempt = new LocalAttempt(req, this.opts, files);
    void attempt.done.then(() => this.release(files));
    return { done: attempt.done, abort: (reason) => attempt.stop('abort', reason) };
  }

  /**
   * Closes the attempts.log files of runs without an attempt in flight now, rather than after their idle
   * delay. Not needed for the process to exit (the delays do not keep it alive); useful before removing
   * the state directory, and at shutdown.
   */
  close(): void {
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

/** The argv to spawn, or why there is none. */
function commandArgv(job: JobDef): string[] | string {
  const cmd = job.command;
  if (!cmd) return `job "${job.name}" has no command`;
  const argv = cmd.kind === 'argv' ? cmd.argv : [...cmd.shell, cmd.script];
  return argv.length > 0 && argv[0] !== '' ? argv : `job "${job.name}" has an empty command`;
}

class LocalAttempt {
  readonly done: Promise<AttemptOutcome>;
  private resolveDone!: (outcome: AttemptOutcome) => void;
  private readonly startedAt = Date.now();
  /** ORDO_INPUT and ORDO_RESULT; unset when they could not be made ready (then nothing is spawned). */
  private paths: { input: string; result: string } | undefined;
  private readonly logs: Array<{ close(): Promise<void> }> = [];
  private child: ChildProcess | undefined;
  private spawnError: string | undefined;
  /** Set once a timeout or an abort asked the process group to stop; the first one decides the status. */
  private stopping: { kind: 'timeout' | 'abort'; at: number } | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(private readonly req: AttemptRequest, private readonly opts: LocalExecutorOptions, private readonly files: RunFiles) {
    this.done = new Promise((r) => (this.resolveDone = r));
    let paths: { input: string; result: string };
    try {
      paths = this.paths = files.prepare(req.job.name, req.attempt, req.input);
    } catch (err) {
      this.spawnError = `cannot prepare the attempt files: ${oneLine(err)}`;
      void this.finish(null, null);
      return;
    }
    const argv = commandArgv(req.job);
    if (typeof argv === 'string') {
      this.spawnError = argv;
      void this.finish(null, null);
      return;
    }
    this.launch(argv, paths);
  }

  private launch(argv: string[], paths: { input: string; result: string }): void {
    const { req } = this;
    const { stateDir } = this.opts;
    const cwd = resolve(this.opts.projectDir, req.job.cwd ?? '.');
    const dir = attemptDir(stateDir, req.runId, req.job.name, req.attempt);
    // The attempt's directory is made by whichever stream has output first, if any has.
    let dirMade = false;
    const makeDir = () => {
      if (!dirMade) mkdirSync(dir, { recursive: true });
      dirMade = true;
    };
    const order = new StreamOrderWriter(orderFile(stateDir, req.runId, req.job.name, req.attempt));
    const stdout = new CappedLog(outputFile(stateDir, req.runId, req.job.name, req.attempt, 'stdout'), req.logMaxBytes, makeDir,
      (n) => order.note('stdout', n));
    const stderr = new CappedLog(outputFile(stateDir, req.runId, req.job.name, req.attempt, 'stderr'), req.logMaxBytes, makeDir,
      (n) => order.note('stderr', n));
    this.logs.push(stdout, stderr, order);
    let child: ChildProcess;
    try {
      // detached: the child leads a new process group, so that signals to -pid reach everything it started.
      const env = this.environment(paths, dir);
      child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      this.spawnError = `cannot start ${JSON.stringify(argv[0])}: ${oneLine(err)}`;
      void this.finish(null, null);
      return;
    }
    this.child = child;
    this.record('START', `pid=${child.pid ?? '-'} argv=${JSON.stringify(argv)}`);
    if (child.stdout) stdout.attach(child.stdout);
    if (child.stderr) stderr.attach(child.stderr);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return; // only spawn failures end the attempt; the pipes still decide the rest
      // Named as the job's definition names it (relative to the project), never by the server's own path.
      const why = err.code === 'ENOENT' && !existsSync(cwd) ? `working directory ${JSON.stringify(req.job.cwd ?? '.')} (of the project) does not exist` : (err.code ?? err.message);
      this.spawnError = `cannot start ${JSON.stringify(argv[0])}: ${why}`;
      void this.finish(null, null);
    });
    // 'close', not 'exit': only then has every byte of stdout/stderr been read.
    child.on('close', (code, signal) => void this.finish(code, signal));
    if (req.job.timeoutMs !== undefined && child.pid !== undefined) {
      this.timeoutTimer = setTimeout(() => this.stop('timeout', `after ${req.job.timeoutMs}ms`), req.job.timeoutMs);
    }
  }

  private environment(paths: { input: string; result: string }, dir: string): NodeJS.ProcessEnv {
    // Copied key by key: spreading process.env (an object backed by the C library's environment) takes
    // V8's slow path for object spread, which costs about as much again.
    const env: NodeJS.ProcessEnv = {};
    const inherited = process.env;
    for (const key of Object.keys(inherited)) env[key] = inherited[key];
    Object.assign(env, this.req.job.env, this.req.env);
    env.ORDO_INPUT = paths.input;
    env.ORDO_RESULT = paths.result;
    env.ORDO_LOG_DIR = dir;
    const path = [...(this.opts.pathPrepend ?? []), REPO_BIN, env.PATH ?? ''].filter((p) => p !== '');
    env.PATH = path.join(delimiter);
    return env;
  }

  /** Timeout or abort: SIGTERM to the group now, SIGKILL after the job's grace period if it is still there. */
  stop(kind: 'timeout' | 'abort', reason: string): void {
    if (this.ended) return;
    this.record(kind === 'timeout' ? 'TIMEOUT' : 'ABORT', oneLine(reason));
    if (this.stopping) return;
    this.stopping = { kind, at: Date.now() };
    const pid = this.child?.pid;
    if (pid === undefined) return; // never started: the spawn error ends the attempt
    signalGroup(pid, 'SIGTERM');
    this.killTimer = setTimeout(() => {
      this.record('KILL', `SIGKILL to process group ${pid} after ${this.req.job.killGraceMs}ms`);
      signalGroup(pid, 'SIGKILL');
    }, this.req.job.killGraceMs);
  }

  private async finish(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const endedAt = Date.now();
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.killTimer);
    const pid = this.child?.pid;
    if (this.stopping && pid !== undefined) {
      // The leader is gone, but members of its group that ignored SIGTERM still get their SIGKILL on time.
      killStragglers(pid, this.stopping.at + this.req.job.killGraceMs);
    }
    await Promise.all(this.logs.map((log) => log.close()));

    const started = this.child !== undefined && this.spawnError === undefined;
    const exitCode = started ? code : null;
    let status: AttemptStatus = this.stopping?.kind === 'timeout' ? 'timeout'
      : this.stopping?.kind === 'abort' ? 'aborted'
      : started && code !== null && this.req.job.successCodes.includes(code) ? 'succeeded' : 'failed';
    let error = this.spawnError;
    let result: Record<string, unknown> | undefined;
    if (started && this.paths) {
      const read = await readResult(this.paths.result);
      result = read.result;
      if (read.error !== undefined) {
        error = read.error;
        if (status === 'succeeded') status = 'failed';
      }
    }
    // The error reaches API clients (attempts of runs.get): Node's messages name files by absolute path.
    if (error !== undefined) error = hidePaths(error, this.opts);
    if (error !== undefined) this.record('ERROR', error);
    this.record('FINISH', `duration=${endedAt - this.startedAt}ms status=${status} exit=${exitCode ?? '-'} signal=${signal ?? '-'}`);
    this.resolveDone({
      status, exitCode, signal, startedAt: this.startedAt, endedAt,
      ...(result !== undefined && { result }),
      ...(error !== undefined && { error }),
      ...(pid !== undefined && { pid }),
    });
  }

  /**
   * One line of the run's attempts.log, written before this returns (see run-log.ts). Losing one
   * (unwritable state directory) must not fail the attempt: this never throws.
   */
  private record(kind: RecordKind, detail: string): void {
    this.files.record(kind, this.req.job.name, this.req.attempt, detail);
  }
}

async function readResult(path: string): Promise<{ result?: Record<string, unknown>; error?: string }> {
  // Most jobs write no result: answer that without a round trip through the thread pool. The process has
  // ended, so a file that is not there now will not be.
  if (!existsSync(path)) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { error: `cannot read the ORDO_RESULT file: ${oneLine(err)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `ORDO_RESULT file is not a JSON object: ${oneLine(err)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { error: `ORDO_RESULT file is not a JSON object: it holds ${what}` };
  }
  return { result: value as Record<string, unknown> };
}

/** Signals a whole process group; a group that is already gone is not an error. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls the group of a stopped attempt whose leader has exited and SIGKILLs what remains at the deadline.
 * While any member lives the group id cannot be reused, so polling (not one late blind kill) keeps us from
 * signalling an unrelated group that got the recycled id. Unref'd: it must not keep the process alive.
 */
function killStragglers(pgid: number, deadline: number): void {
  const check = () => {
    if (!signalGroup(pgid, 0)) return;
    if (Date.now() >= deadline) {
      signalGroup(pgid, 'SIGKILL');
      return;
    }
    setTimeout(check, Math.min(100, deadline - Date.now())).unref();
  };
  check();
}

/** The state directory as `$ORDO_HOME`, the project directory as `.`: no absolute server path in a message. */
function hidePaths(text: string, opts: LocalExecutorOptions): string {
  const swap = (t: string, dir: string, name: string) => (dir.length > 1 ? t.split(resolve(dir)).join(name) : t);
  return swap(swap(text, opts.stateDir, '$ORDO_HOME'), opts.projectDir, '.');
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}
