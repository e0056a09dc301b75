/**
 * Where attempt files live under the state directory, and where the `ordo` shim is. The CLI (`ordo logs`)
 * and the executors both go through these functions, so the layout is defined in one place:
 *
 *   <stateDir>/runs/<runId>/
 *     attempts.log                   START/FINISH (and TIMEOUT, ABORT, KILL, ERROR) lines of every attempt
 *                                    of the run, each naming its job and attempt (see run-log.ts)
 *     inputs/<sha1>.json             ORDO_INPUT: the input document `{params, results}`, one read-only file
 *                                    per distinct content, shared by the attempts that have that input
 *     results/<job>.<attempt>.json   ORDO_RESULT: written by the job, if at all
 *     procs/<job>.<attempt>.pid      the attempt's supervisor: its pid, start time, boot id and the job's
 *                                    process group (see bin/ordo-supervise and supervisor.ts)
 *     procs/<job>.<attempt>.status   how the job ended (exit code or signal, true start and end), written
 *                                    by the supervisor; procs/<job>.<attempt>.stop: who stopped it, and why
 *     <job>/<attempt>/               ORDO_LOG_DIR: created with the attempt's first byte of output
 *       stdout.log, stderr.log       each created with its first byte
 *       order.idx                    the order of the two streams' output, once the job switched between
 *                                    them (see stream-order.ts)
 *
 * So an attempt creates no file or directory before its process starts: the run's directories and the
 * run's attempts.log are created once per run, an input file once per distinct input, and the rest only
 * when the job writes something. (Job names cannot contain dots, so `<job>.<attempt>.json` is unambiguous,
 * and a job named `inputs` or `results` only adds numbered directories next to those files.)
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The captured streams: the job's stdout and stderr, both interleaved as written (`all`), and Ordo's own
 * START/FINISH record.
 */
export type LogStream = 'all' | 'stdout' | 'stderr' | 'attempt';
/** The streams that are files of their own, per attempt. */
export type OutputStream = 'stdout' | 'stderr';

export function runDir(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', runId);
}

/** The run's record of its attempts, one line per event (see run-log.ts). */
export function runLogFile(stateDir: string, runId: string): string {
  return join(runDir(stateDir, runId), 'attempts.log');
}

export function inputsDir(stateDir: string, runId: string): string {
  return join(runDir(stateDir, runId), 'inputs');
}

/** An input document, named by the SHA-1 of its content (hex). */
export function inputFile(stateDir: string, runId: string, digest: string): string {
  return join(inputsDir(stateDir, runId), `${digest}.json`);
}

export function resultsDir(stateDir: string, runId: string): string {
  return join(runDir(stateDir, runId), 'results');
}

export function resultFile(stateDir: string, runId: string, job: string, attempt: number): string {
  return join(resultsDir(stateDir, runId), `${job}.${attempt}.json`);
}

export function procsDir(stateDir: string, runId: string): string {
  return join(runDir(stateDir, runId), 'procs');
}

/** The supervisor's files of one attempt: its record (`pid`), the job's end (`status`), a stop request (`stop`). */
export type ProcFile = 'pid' | 'status' | 'stop';

export function procFile(stateDir: string, runId: string, job: string, attempt: number, kind: ProcFile): string {
  return join(procsDir(stateDir, runId), `${job}.${attempt}.${kind}`);
}

/** The attempt's own directory (ORDO_LOG_DIR); it exists only once the attempt wrote output. */
export function attemptDir(stateDir: string, runId: string, job: string, attempt: number): string {
  return join(runDir(stateDir, runId), job, String(attempt));
}

export function outputFile(stateDir: string, runId: string, job: string, attempt: number, stream: OutputStream): string {
  return join(attemptDir(stateDir, runId, job, attempt), `${stream}.log`);
}

/** The order of an attempt's stdout and stderr output (stream-order.ts); absent when it never switched. */
export function orderFile(stateDir: string, runId: string, job: string, attempt: number): string {
  return join(attemptDir(stateDir, runId, job, attempt), 'order.idx');
}

/** Before the run-wide attempts.log, each attempt directory had its own; still read for older runs. */
export function legacyAttemptLogFile(stateDir: string, runId: string, job: string, attempt: number): string {
  return join(attemptDir(stateDir, runId, job, attempt), 'attempt.log');
}

/**
 * The package root: the nearest ancestor holding package.json. Walking up (rather than counting `..`)
 * gives the same answer from src/exec/ (ts sources) and from dist/src/exec/ (compiled).
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(from, '..', '..'); // not inside a package: assume src/exec/
  }
}

/** The repository's bin/ (the `ordo` shell shim), put first on jobs' PATH so that jobs can call `ordo`. */
export const REPO_BIN = join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), 'bin');
