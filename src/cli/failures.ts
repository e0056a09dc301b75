/**
 * A failed run explains itself: after `ordo run` and under `ordo show RUN`, each failed job with what
 * stopped it (the start error, or the last lines it wrote to stderr; stdout when stderr is empty) and the
 * command that shows the rest. Bounded: a few jobs, a few lines, short lines, and only the end of a log is read.
 */
import type { AttemptRow, RunRow, TaskRow } from '../engine/store.js';
import { readAttemptTail } from '../exec/logs.js';
import type { OutputStream } from '../exec/paths.js';
import type { OrdoStore } from '../store/ordo-store.js';

/** Where the attempts and the end of a log come from: the store and state directory, or a server. */
export interface FailureSource {
  /** The job's latest attempt, if it had one. */
  lastAttempt(task: TaskRow): Promise<AttemptRow | undefined>;
  /** Up to `bytes` from the end of one stream of an attempt ('' when it wrote nothing). */
  tail(job: string, attempt: number, stream: OutputStream, bytes: number): Promise<string>;
}

export const MAX_JOBS = 10;
export const TAIL_LINES = 5;
const LINE_CHARS = 200;
const TAIL_BYTES = 4096;

export interface FailedJob {
  job: string;
  reason: string | null;
  attempt: number | null;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  /** The stream the lines come from, and its last lines. */
  stream: OutputStream | null;
  lines: string[];
}

export async function failedJobs(tasks: readonly TaskRow[], source: FailureSource): Promise<{ jobs: FailedJob[]; more: number }> {
  const failed = tasks.filter((t) => t.state === 'failed');
  const jobs: FailedJob[] = [];
  for (const t of failed.slice(0, MAX_JOBS)) {
    const a = await source.lastAttempt(t);
    const job: FailedJob = {
      job: t.job, reason: t.reason, attempt: a?.attempt ?? null, exitCode: a?.exitCode ?? t.exitCode, signal: a?.signal ?? null,
      error: a?.error ?? null, stream: null, lines: [],
    };
    if (a) {
      for (const stream of ['stderr', 'stdout'] as const) {
        const lines = lastLines(await source.tail(t.job, a.attempt, stream, TAIL_BYTES).catch(() => ''));
        if (lines.length > 0) {
          Object.assign(job, { stream, lines });
          break;
        }
      }
    }
    jobs.push(job);
  }
  return { jobs, more: Math.max(0, failed.length - MAX_JOBS) };
}

/** The last few non-blank lines of some text, each cut to a readable length. */
export function lastLines(text: string): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  // The first line of a tail read from the middle of a file may be a partial line: it is still shown.
  return lines.slice(-TAIL_LINES).map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}…` : l));
}

export function formatFailures(run: RunRow, found: { jobs: FailedJob[]; more: number }): string {
  if (found.jobs.length === 0) return '';
  let out = '';
  for (const f of found.jobs) {
    const how = [
      f.attempt !== null ? `attempt ${f.attempt}` : null,
      f.exitCode !== null ? `exit ${f.exitCode}` : null,
      f.signal ? `signal ${f.signal}` : null,
      f.reason && f.reason !== 'failed' ? f.reason : null,
    ].filter((x) => x !== null).join(', ');
    out += `\n${f.job} failed${how ? ` (${how})` : ''}\n`;
    if (f.error) out += `  error: ${f.error}\n`;
    if (f.stream) {
      out += `  last ${f.stream === 'stdout' ? 'output (stdout; stderr is empty)' : 'lines of stderr'}:\n`;
      for (const l of f.lines) out += `    ${l}\n`;
    } else if (!f.error && f.attempt !== null) out += '  (no output)\n';
    if (f.attempt !== null) out += `  more: ordo logs ${run.id} ${f.job}\n`;
  }
  if (found.more > 0) out += `\nand ${found.more} more failed job(s): ordo show ${run.id}\n`;
  return out;
}

/** The source for a run in this project's store and state directory. */
export function localFailureSource(store: Pick<OrdoStore, 'getAttempts'>, stateDir: string, runId: number): FailureSource {
  return {
    lastAttempt: async (task) => (await store.getAttempts(task.id)).at(-1),
    tail: (job, attempt, stream, bytes) => readAttemptTail(stateDir, String(runId), job, attempt, stream, bytes),
  };
}
