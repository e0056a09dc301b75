/**
 * One command attempt on this host, run under its supervisor (bin/ordo-supervise, supervisor.ts): started
 * here, or re-attached after the engine that started it stopped. Either way this object enforces the
 * job's timeout, stops it on an abort, and reports its end once: from the supervisor's status file, which
 * holds the true exit status and times whoever reads it.
 *
 * A started attempt ends when its supervisor (our child) exits. A re-attached one is watched by polling the
 * status file and the supervisor's liveness (pid and start time, against pid reuse). An attempt whose
 * supervisor left no record is given RECORD_GRACE_MS from its claim for one to appear (the engine that
 * claimed it may have died a moment after the spawn), then reported lost, to be retried by the job's policy.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import type { JobDef } from '../defs/model.js';
import type { AttemptOutcome, AttemptRequest, AttemptStatus } from '../engine/ports.js';
import { maskText, maskValue } from '../secrets/mask.js';
import { formatBytes } from '../defs/limits.js';
import { applyLimits, oomKilled, removeCgroups } from './attempt-limits.js';
import { orderFile, outputFile, procFile, resultFile } from './paths.js';
import type { RunFiles } from './run-files.js';
import type { Spawner, SupervisorHandle } from './spawner.js';
import type { RecordKind } from './run-log.js';
import {
  bootId, readRecord, readStatus, readStopNote, signalGroup, spawnSupervisor, supervisorAlive, writeStopNote,
  type StopNote, type SupervisorRecord, type SupervisorStatus,
} from './supervisor.js';

/** How long after its claim an attempt without a supervisor record may still get one. */
export const RECORD_GRACE_MS = 5000;
/** How often a re-attached attempt looks at its supervisor. */
const WATCH_MS = 100;

export interface AttemptEnvironment {
  stateDir: string;
  projectDir: string;
  /** The job's environment (built by the executor). */
  env: (paths: { input: string; result: string }, dir: string) => NodeJS.ProcessEnv;
  attemptDir: string;
  recordGraceMs: number;
  /** Forks the supervisors (spawner.ts); without it they are spawned from this process. */
  spawner?: Spawner;
}

export class LocalAttempt {
  readonly done: Promise<AttemptOutcome>;
  private resolveDone!: (outcome: AttemptOutcome) => void;
  private startedAt: number;
  private paths: { input: string; result: string } | undefined;
  /** How each of the job's limits is enforced (shown in the attempt), once started. */
  private applied: Record<string, string> | undefined;
  private readonly proc: { record: string; status: string; stop: string };
  private child: SupervisorHandle | undefined;
  private record: SupervisorRecord | undefined;
  private startError: string | undefined;
  /** Set once a timeout or an abort asked the job to stop; the first one decides the status. */
  private stopping: StopNote | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private ended = false;
  /** True while abandon() kills the job (the only signal allowed at the end). */
  private abandoning = false;
  /** Called once when this attempt is let go of without an outcome (abandon). */
  onAbandon: (() => void) | undefined;

  constructor(private readonly req: AttemptRequest, private readonly ctx: AttemptEnvironment, private readonly files: RunFiles,
    mode: { kind: 'start' } | { kind: 'reattach'; startedAt: number }) {
    this.done = new Promise((r) => (this.resolveDone = r));
    const { stateDir } = ctx;
    this.proc = {
      record: procFile(stateDir, req.runId, req.job.name, req.attempt, 'pid'),
      status: procFile(stateDir, req.runId, req.job.name, req.attempt, 'status'),
      stop: procFile(stateDir, req.runId, req.job.name, req.attempt, 'stop'),
    };
    if (mode.kind === 'reattach') {
      this.startedAt = mode.startedAt;
      this.paths = { input: '', result: resultFile(stateDir, req.runId, req.job.name, req.attempt) };
      this.reattach();
    } else {
      this.startedAt = Date.now();
      this.start();
    }
  }

  private start(): void {
    const { req } = this;
    try {
      this.paths = this.files.prepare(req.job.name, req.attempt, req.input);
    } catch (err) {
      this.fail(`cannot prepare the attempt files: ${oneLine(err)}`);
      return;
    }
    let argv = commandArgv(req.job);
    if (typeof argv === 'string') {
      this.fail(argv);
      return;
    }
    let cgroups: string[] = [];
    if (req.job.limits) {
      const limits = applyLimits(req.job.limits, this.cgroupName());
      argv = [...limits.argvPrefix, ...argv];
      cgroups = limits.cgroups;
      this.applied = limits.applied;
      this.note('LIMITS', Object.entries(limits.applied).map(([k, v]) => `${k}=${v}`).join(' '));
    }
    const cwd = resolve(this.ctx.projectDir, req.job.cwd ?? '.');
    if (!existsSync(cwd)) {
      // Named as the job's definition names it (relative to the project), never by the server's own path.
      this.fail(`cannot start ${JSON.stringify(argv[0])}: working directory ${JSON.stringify(req.job.cwd ?? '.')} (of the project) does not exist`);
      return;
    }
    const { stateDir } = this.ctx;
    const streams = {
      stdout: outputFile(stateDir, req.runId, req.job.name, req.attempt, 'stdout'),
      stderr: outputFile(stateDir, req.runId, req.job.name, req.attempt, 'stderr'),
      order: orderFile(stateDir, req.runId, req.job.name, req.attempt),
    };
    let child: SupervisorHandle;
    try {
      child = spawnSupervisor(argv, { ...this.proc, ...streams }, req.logMaxBytes, cwd, this.ctx.env(this.paths, this.ctx.attemptDir),
        { mask: req.mask, cgroups, spawner: this.ctx.spawner });
    } catch (err) {
      this.fail(`cannot start the supervisor: ${oneLine(err)}`);
      return;
    }
    this.child = child;
    child.on('spawn', () => this.note('START', `pid=${child.pid ?? '-'} argv=${JSON.stringify(argv)}`));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) this.fail(`cannot start the supervisor (perl): ${err.code ?? err.message}`);
    });
    child.on('exit', () => void this.settle());
    // The spawner died: the supervisor goes on; watch its files as after a re-attach.
    child.on('orphaned', () => this.watch());
    this.armTimeout();
  }

  private reattach(): void {
    const note = readStopNote(this.proc.stop);
    if (note) this.stopping = note;
    this.note('REATTACH', `after the engine that started it stopped`);
    this.watch();
    this.armTimeout();
    // A stop that was under way when the previous engine went: its SIGKILL still comes on time.
    if (note && !this.ended) this.after(note.at + this.req.job.killGraceMs - Date.now(), () => this.signalJob('SIGKILL'));
  }

  /** Polls a re-attached attempt's supervisor until it recorded the job's end, or is known gone. */
  private watch(): void {
    if (this.ended) return;
    if (existsSync(this.proc.status)) {
      void this.settle();
      return;
    }
    const record = (this.record ??= readRecord(this.proc.record));
    if (record && !supervisorAlive(record)) {
      // It may have written the status between our two looks.
      if (existsSync(this.proc.status)) void this.settle();
      else this.lose('its supervisor died without recording how the job ended', record);
      return;
    }
    if (!record && Date.now() >= this.startedAt + this.ctx.recordGraceMs) {
      this.lose('the engine that started it stopped before the job started', undefined);
      return;
    }
    this.after(WATCH_MS, () => this.watch());
  }

  private armTimeout(): void {
    const { timeoutMs } = this.req.job;
    if (timeoutMs === undefined || this.ended) return;
    this.after(this.startedAt + timeoutMs - Date.now(), () => this.stop('timeout', `after ${timeoutMs}ms`));
  }

  /** Timeout or abort: SIGTERM to the job's group now, SIGKILL after the job's grace period if it is still there. */
  stop(kind: 'timeout' | 'abort', reason: string): void {
    if (this.ended) return;
    this.note(kind === 'timeout' ? 'TIMEOUT' : 'ABORT', oneLine(reason));
    if (this.stopping) return;
    this.stopping = { kind, at: Date.now(), reason };
    writeStopNote(this.proc.stop, this.stopping);
    this.signalJob('SIGTERM');
    this.after(this.req.job.killGraceMs, () => {
      if (this.signalJob('SIGKILL')) this.note('KILL', `SIGKILL to process group ${this.record?.pgid ?? '-'} after ${this.req.job.killGraceMs}ms`);
    });
  }

  /**
   * This engine lost the run: stop watching. With `kill`, the job's group is killed at once (nobody else
   * took the attempt over); without, it goes on under the engine that did.
   */
  abandon(kill: boolean): void {
    if (this.ended) return;
    this.abandoning = true;
    if (kill) this.signalJob('SIGKILL');
    this.abandoning = false;
    this.note(kill ? 'KILL' : 'DETACH', 'this engine lost the run to another');
    this.ended = true;
    this.clearTimers();
    this.child?.removeAllListeners('exit');
    this.child?.removeAllListeners('orphaned');
    this.child?.unref();
    this.onAbandon?.();
  }

  /** Signals the job's process group once the supervisor has recorded it (it does so within milliseconds). */
  private signalJob(signal: NodeJS.Signals): boolean {
    if (this.ended && !this.abandoning) return false;
    this.record ??= readRecord(this.proc.record);
    if (this.record) return signalGroup(this.record.pgid, signal);
    if (!this.ended) this.after(20, () => this.signalJob(signal));
    return false;
  }

  private async settle(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    const status = readStatus(this.proc.status, this.proc.record);
    this.record ??= readRecord(this.proc.record);
    const pgid = this.record?.pgid;
    if (this.stopping && pgid !== undefined) killStragglers(pgid, this.stopping.at + this.req.job.killGraceMs);
    if (!status) {
      // The supervisor was killed: whatever is left of the job must not outlive this report.
      if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
      this.report('failed', null, null, Date.now(), 'the supervisor ended without recording how the job ended', pgid);
      return;
    }
    if (status.error !== undefined) {
      const why = status.error.startsWith('cannot join the cgroup') ? status.error : errnoCode(status.error);
      this.report('failed', null, null, status.endedAt, `cannot start ${JSON.stringify(commandArgv(this.req.job)[0] ?? '')}: ${why}`, status.pid, status);
      return;
    }
    const stop = this.stopping ?? readStopNote(this.proc.stop);
    const limits = this.req.job.limits;
    if (limits?.memoryBytes !== undefined && stop?.kind !== 'abort' && oomKilled(this.cgroupName())) {
      // The kernel killed a process of the tree for the memory limit: that is why it failed, whatever the exit.
      this.report('failed', status.exitCode, status.signal, status.endedAt, `killed by its memory limit (${formatBytes(limits.memoryBytes)}): out of memory`,
        status.pid, status, undefined, 'oom');
      return;
    }
    let outcome: AttemptStatus = stop?.kind === 'timeout' ? 'timeout' : stop?.kind === 'abort' ? 'aborted'
      : status.exitCode !== null && this.req.job.successCodes.includes(status.exitCode) ? 'succeeded' : 'failed';
    let error: string | undefined;
    let result: Record<string, unknown> | undefined;
    if (this.paths) {
      const read = await readResult(this.paths.result, this.req.mask);
      result = read.result;
      if (read.error !== undefined) {
        error = read.error;
        if (outcome === 'succeeded') outcome = 'failed';
      }
    }
    this.report(outcome, status.exitCode, status.signal, status.endedAt, error, status.pid, status, result);
  }

  private fail(error: string): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    this.report('failed', null, null, Date.now(), error, undefined);
  }

  private lose(why: string, record: SupervisorRecord | undefined): void {
    this.ended = true;
    this.clearTimers();
    // A record of another boot names a group id that means nothing (or someone else) now.
    if (record && record.bootId === bootId()) signalGroup(record.pgid, 'SIGKILL');
    this.report('lost', null, null, Date.now(), `lost: ${why}`, record?.pgid);
  }

  private report(status: AttemptStatus, exitCode: number | null, signal: string | null, endedAt: number, error: string | undefined,
    pid: number | undefined, supervised?: SupervisorStatus, result?: Record<string, unknown>, reason?: string): void {
    const startedAt = supervised?.startedAt || this.startedAt;
    if (this.req.job.limits) removeCgroups(this.cgroupName());
    // The error reaches API clients (attempts of runs.get): Node's messages name files by absolute path.
    if (error !== undefined) error = hidePaths(error, this.ctx);
    if (error !== undefined) this.note('ERROR', error);
    this.note('FINISH', `duration=${endedAt - startedAt}ms status=${status} exit=${exitCode ?? '-'} signal=${signal ?? '-'}`);
    this.resolveDone({
      status, exitCode, signal, startedAt, endedAt,
      ...(result !== undefined && { result }),
      ...(error !== undefined && { error }),
      ...(pid !== undefined && { pid }),
      ...(supervised?.usage && { usage: supervised.usage }),
      ...(reason !== undefined && { reason }),
      ...(this.applied && { limits: this.applied }),
    });
  }

  /** The attempt's cgroups' name: the same for the engine that re-attaches; unique per state directory. */
  private cgroupName(): string {
    const home = createHash('sha256').update(this.ctx.stateDir).digest('hex').slice(0, 8);
    return `${home}-r${this.req.runId}-${this.req.job.name}-${this.req.attempt}`;
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, ms));
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** One line of the run's attempts.log (see run-log.ts); never throws. */
  private note(kind: RecordKind, detail: string): void {
    this.files.record(kind, this.req.job.name, this.req.attempt, this.req.mask ? maskText(detail, this.req.mask) : detail);
  }
}

/** The state directory as `$ORDO_HOME`, the project directory as `.`: no absolute server path in a message. */
function hidePaths(text: string, ctx: { stateDir: string; projectDir: string }): string {
  const swap = (t: string, dir: string, name: string) => (dir.length > 1 ? t.split(resolve(dir)).join(name) : t);
  return swap(swap(text, ctx.stateDir, '$ORDO_HOME'), ctx.projectDir, '.');
}

/** The argv to run, or why there is none. */
function commandArgv(job: JobDef): string[] | string {
  const cmd = job.command;
  if (!cmd) return `job "${job.name}" has no command`;
  const argv = cmd.kind === 'argv' ? cmd.argv : [...cmd.shell, cmd.script];
  return argv.length > 0 && argv[0] !== '' ? argv : `job "${job.name}" has an empty command`;
}

/** exec's error text ("No such file or directory") as its errno code (ENOENT), as Node reports spawn errors. */
function errnoCode(message: string): string {
  const wanted = message.toLowerCase();
  for (const [code, text] of getSystemErrorMap().values()) if (text.toLowerCase() === wanted) return code;
  return message;
}

/**
 * Polls the group of a stopped job whose leader has exited and SIGKILLs what remains at the deadline. While
 * any member lives the group id cannot be reused, so polling (not one late blind kill) keeps us from
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

/** The job's ORDO_RESULT object; with `mask`, a file holding a secret value is rewritten masked (the file stays as the result's record). */
async function readResult(path: string, mask?: readonly string[]): Promise<{ result?: Record<string, unknown>; error?: string }> {
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
  if (mask && mask.length > 0) {
    const masked = maskValue(value, mask);
    const again = JSON.stringify(masked);
    if (again !== JSON.stringify(value)) await writeFile(path, again).catch(() => {});
    return { result: masked as Record<string, unknown> };
  }
  return { result: value as Record<string, unknown> };
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}
