/**
 * Runs `command` jobs as local processes. Each attempt gets its own process group (so a timeout or an abort
 * reaches the grandchildren too), its own directory of files (input, result, capped stdout/stderr, and an
 * attempt.log of START/FINISH lines), and an environment that names those files.
 *
 * The directory and input.json are written synchronously, before the spawn (the job may read its input at
 * once, and spawn() blocks the event loop anyway); attempt.log lines are appended asynchronously, in order,
 * and the outcome is reported only after the last one, the captured streams and result.json are settled.
 * stdout.log / stderr.log are created with the first byte of output (see capped-log.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { delimiter, resolve } from 'node:path';
import type { JobDef } from '../defs/model.js';
import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStatus, Executor } from '../engine/ports.js';
import { CappedLog } from './capped-log.js';
import { REPO_BIN, attemptDir, attemptFile, type AttemptFileKind } from './paths.js';

export interface LocalExecutorOptions {
  /** Attempt files go under `<stateDir>/runs/`. */
  stateDir: string;
  /** A job's `cwd` is resolved against it; jobs without one run in it. */
  projectDir: string;
  /** Directories put in front of the jobs' PATH, before the repository's bin/ (which is always there). */
  pathPrepend?: string[];
}

export class LocalProcessExecutor implements Executor {
  readonly kinds = ['command'] as const;

  constructor(private readonly opts: LocalExecutorOptions) {}

  start(req: AttemptRequest): AttemptHandle {
    const attempt = new LocalAttempt(req, this.opts);
    return { done: attempt.done, abort: (reason) => attempt.stop('abort', reason) };
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
  private readonly file: (kind: AttemptFileKind) => string;
  private readonly logs: CappedLog[] = [];
  private child: ChildProcess | undefined;
  private spawnError: string | undefined;
  /** Set once a timeout or an abort asked the process group to stop; the first one decides the status. */
  private stopping: { kind: 'timeout' | 'abort'; at: number } | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private ended = false;
  /** attempt.log appends, in order. */
  private logWrites: Promise<void> = Promise.resolve();

  constructor(private readonly req: AttemptRequest, private readonly opts: LocalExecutorOptions) {
    this.done = new Promise((r) => (this.resolveDone = r));
    this.file = (kind) => attemptFile(opts.stateDir, req.runId, req.job.name, req.attempt, kind);
    try {
      const created = mkdirSync(attemptDir(this.opts.stateDir, req.runId, req.job.name, req.attempt), { recursive: true });
      if (created === undefined) {
        // The directory was there: files of an earlier try of this attempt must not pass for this one's.
        for (const kind of ['result', 'stdout', 'stderr'] as const) rmSync(this.file(kind), { force: true });
      }
      writeFileSync(this.file('input'), `${JSON.stringify(req.input, null, 2)}\n`);
    } catch (err) {
      this.spawnError = `cannot prepare the attempt directory: ${oneLine(err)}`;
      void this.finish(null, null);
      return;
    }
    const argv = commandArgv(req.job);
    if (typeof argv === 'string') {
      this.spawnError = argv;
      void this.finish(null, null);
      return;
    }
    this.launch(argv);
  }

  private launch(argv: string[]): void {
    const { req } = this;
    const cwd = resolve(this.opts.projectDir, req.job.cwd ?? '.');
    const stdout = new CappedLog(this.file('stdout'), req.logMaxBytes);
    const stderr = new CappedLog(this.file('stderr'), req.logMaxBytes);
    this.logs.push(stdout, stderr);
    let child: ChildProcess;
    try {
      // detached: the child leads a new process group, so that signals to -pid reach everything it started.
      child = spawn(argv[0]!, argv.slice(1), { cwd, env: this.environment(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      this.spawnError = `cannot start ${JSON.stringify(argv[0])}: ${oneLine(err)}`;
      void this.finish(null, null);
      return;
    }
    this.child = child;
    void this.record(`START ${iso()} pid=${child.pid ?? '-'} attempt=${req.attempt} argv=${JSON.stringify(argv)}`);
    if (child.stdout) stdout.attach(child.stdout);
    if (child.stderr) stderr.attach(child.stderr);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return; // only spawn failures end the attempt; the pipes still decide the rest
      const why = err.code === 'ENOENT' && !existsSync(cwd) ? `working directory ${JSON.stringify(cwd)} does not exist` : (err.code ?? err.message);
      this.spawnError = `cannot start ${JSON.stringify(argv[0])}: ${why}`;
      void this.finish(null, null);
    });
    // 'close', not 'exit': only then has every byte of stdout/stderr been read.
    child.on('close', (code, signal) => void this.finish(code, signal));
    if (req.job.timeoutMs !== undefined && child.pid !== undefined) {
      this.timeoutTimer = setTimeout(() => this.stop('timeout', `after ${req.job.timeoutMs}ms`), req.job.timeoutMs);
    }
  }

  private environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.req.job.env,
      ...this.req.env,
      ORDO_INPUT: this.file('input'),
      ORDO_RESULT: this.file('result'),
      ORDO_LOG_DIR: attemptDir(this.opts.stateDir, this.req.runId, this.req.job.name, this.req.attempt),
    };
    const path = [...(this.opts.pathPrepend ?? []), REPO_BIN, env.PATH ?? ''].filter((p) => p !== '');
    env.PATH = path.join(delimiter);
    return env;
  }

  /** Timeout or abort: SIGTERM to the group now, SIGKILL after the job's grace period if it is still there. */
  stop(kind: 'timeout' | 'abort', reason: string): void {
    if (this.ended) return;
    void this.record(kind === 'timeout' ? `TIMEOUT ${iso()} ${reason}` : `ABORT ${iso()} ${oneLine(reason)}`);
    if (this.stopping) return;
    this.stopping = { kind, at: Date.now() };
    const pid = this.child?.pid;
    if (pid === undefined) return; // never started: the spawn error ends the attempt
    signalGroup(pid, 'SIGTERM');
    this.killTimer = setTimeout(() => {
      void this.record(`KILL ${iso()} SIGKILL to process group ${pid} after ${this.req.job.killGraceMs}ms`);
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
    if (started) {
      const read = await readResult(this.file('result'));
      result = read.result;
      if (read.error !== undefined) {
        error = read.error;
        if (status === 'succeeded') status = 'failed';
      }
    }
    if (error !== undefined) void this.record(`ERROR ${iso()} ${error}`);
    await this.record(`FINISH ${iso()} duration=${endedAt - this.startedAt}ms status=${status} exit=${exitCode ?? '-'} signal=${signal ?? '-'}`);
    this.resolveDone({
      status, exitCode, signal, startedAt: this.startedAt, endedAt,
      ...(result !== undefined && { result }),
      ...(error !== undefined && { error }),
      ...(pid !== undefined && { pid }),
    });
  }

  /** One line of attempt.log. Losing it (unwritable state directory) must not fail the attempt. */
  private record(line: string): Promise<void> {
    this.logWrites = this.logWrites
      .then(() => appendFile(this.file('attempt'), `${line}\n`))
      .catch(() => undefined); // nothing better to do: the outcome still reaches the engine
    return this.logWrites;
  }
}

async function readResult(path: string): Promise<{ result?: Record<string, unknown>; error?: string }> {
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

function iso(): string {
  return new Date().toISOString();
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}
