/**
 * The engine's side of bin/ordo-supervise, the small process that runs each command attempt so that the
 * job outlives the engine that started it. The supervisor writes two files under the run's procs/
 * directory: a record (its pid, its start time, the boot id and the job's process group) before the job
 * starts, and a status (how the job ended, with the true times) once it has. Whichever engine drives the
 * run later reads them: a status means the attempt ended; a live supervisor means it is still running and
 * can be watched, timed out and aborted; neither means it was lost.
 */
import { spawn } from 'node:child_process';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { AttemptUsage } from '../engine/ports.js';
import { REPO_BIN } from './paths.js';
import { SupervisorHandle, type Spawner } from './spawner.js';

export const SUPERVISOR = join(REPO_BIN, 'ordo-supervise');

export interface SupervisorFiles {
  record: string;
  status: string;
  stdout: string;
  stderr: string;
  /** The order of the two streams' bytes (stream-order.ts), written once the job switches streams. */
  order: string;
}

/** What the supervisor wrote before the job started. */
export interface SupervisorRecord {
  pid: number;
  /** Start time of the supervisor in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTicks: string;
  bootId: string;
  /** The job's process group: signals for the job go to -pgid. */
  pgid: number;
}

/** What the supervisor wrote after the job ended. */
export interface SupervisorStatus {
  exitCode: number | null;
  signal: string | null;
  startedAt: number;
  endedAt: number;
  pid: number;
  /** The command could not be executed (exec's error text). */
  error?: string;
  /** What the job's process tree used (CPU of the job and the descendants it waited for; the largest peak RSS). */
  usage?: AttemptUsage;
}

/** The supervisor's `usage` object, when it is one. */
function usageOf(raw: Record<string, unknown> | undefined): AttemptUsage | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
  const userMs = n(raw.userMs);
  const systemMs = n(raw.systemMs);
  if (userMs === undefined || systemMs === undefined) return undefined;
  const maxRssKb = n(raw.maxRssKb);
  return { cpuUserMs: userMs, cpuSystemMs: systemMs, ...(maxRssKb !== undefined && { maxRssKb }) };
}

/**
 * Starts the supervisor of one attempt, detached (a session of its own); its stdio goes nowhere. It is forked by
 * the executor's spawner (spawner.ts) when there is one, else spawned from this process. `mask`: secret
 * values to write as `***` in the job's output; they go to the supervisor in a file only its owner can read,
 * which it reads and removes before the job starts (never in its argv, which every local user can see).
 */
export function spawnSupervisor(argv: string[], files: SupervisorFiles, capBytes: number, cwd: string, env: NodeJS.ProcessEnv,
  opts: { mask?: readonly string[]; cgroups?: readonly string[]; spawner?: Spawner } = {}): SupervisorHandle {
  const args = [SUPERVISOR, files.record, files.status, files.stdout, files.stderr, files.order, String(capBytes), '--', ...argv];
  const mask = opts.mask ?? [];
  // The cgroups the job joins before it execs (its limits: docs/limits.md).
  let supervisorEnv = opts.cgroups?.length ? { ...env, ORDO_SUPERVISE_CGROUPS: opts.cgroups.join(':') } : env;
  if (mask.length > 0) {
    const maskFile = `${files.record}.mask`;
    writeFileSync(maskFile, mask.map((m) => `${Buffer.from(m, 'utf8').toString('hex')}\n`).join(''), { mode: 0o600 });
    supervisorEnv = { ...supervisorEnv, ORDO_SUPERVISE_MASK: maskFile };
  }
  if (opts.spawner?.usable) return opts.spawner.start(args.slice(1), cwd, supervisorEnv);
  return SupervisorHandle.of(spawn('perl', args, { cwd, env: supervisorEnv, detached: true, stdio: 'ignore' }));
}

export function readRecord(path: string): SupervisorRecord | undefined {
  const text = readText(path);
  const m = text?.match(/^(\d+) (\d+) (\S+) (\d+)\n$/);
  if (!m) return undefined;
  return { pid: Number(m[1]), startTicks: m[2]!, bootId: m[3]!, pgid: Number(m[4]) };
}

/**
 * The job's end, once the supervisor recorded it. Its times are the files' modification times: the record
 * was written just before the job was let go, the status just after it ended.
 */
export function readStatus(path: string, recordPath: string): SupervisorStatus | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  let raw: { exitCode?: unknown; signal?: unknown; pid?: unknown; error?: unknown; usage?: Record<string, unknown> };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return undefined; // written by rename: a partial file is never seen, so this is someone else's garbage
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    exitCode: num(raw.exitCode),
    signal: signalName(num(raw.signal)),
    startedAt: mtimeOf(recordPath) ?? 0,
    endedAt: mtimeOf(path) ?? Date.now(),
    pid: num(raw.pid) ?? 0,
    ...(usageOf(raw.usage) && { usage: usageOf(raw.usage) }),
    ...(typeof raw.error === 'string' && { error: raw.error }),
  };
}

/** Whether the supervisor of this record still runs: same boot, same pid, same start time. */
export function supervisorAlive(record: SupervisorRecord): boolean {
  if (record.bootId !== bootId()) return false;
  const stat = readText(`/proc/${record.pid}/stat`);
  if (stat === undefined) return false;
  const fields = statFields(stat);
  // A zombie has ended: it only waits for its parent (an engine that started it) to reap it.
  return fields[0] !== 'Z' && fields[19] === record.startTicks;
}

/** The fields of a /proc/PID/stat line from the third (the state) on, counted after the command name's ')'. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/);
}

let cachedBootId: string | undefined;
export function bootId(): string {
  cachedBootId ??= readText('/proc/sys/kernel/random/boot_id')?.trim() || '-';
  return cachedBootId;
}

/** A stop request, written before the signal so that an engine that adopts the run knows why the job ended. */
export interface StopNote {
  kind: 'timeout' | 'abort';
  at: number;
  reason: string;
}

export function writeStopNote(path: string, note: StopNote): void {
  try {
    writeFileSync(`${path}.tmp`, `${JSON.stringify(note)}\n`);
    renameSync(`${path}.tmp`, path);
  } catch {
    // The stop itself matters more than its note: an unwritable state directory must not keep the job alive.
  }
}

export function readStopNote(path: string): StopNote | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    const note = JSON.parse(text) as StopNote;
    return note.kind === 'timeout' || note.kind === 'abort' ? note : undefined;
  } catch {
    return undefined;
  }
}

/** Signals a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!(pgid > 1)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

function signalName(n: number | null): string | null {
  return n === null ? null : SIGNAL_NAMES.get(n) ?? `SIG${n}`;
}

function mtimeOf(path: string): number | undefined {
  try {
    return Math.round(statSync(path).mtimeMs);
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
