/**
 * Where an attempt's files live under the state directory, and where the `ordo` shim is. The CLI (`ordo
 * logs`) and the executors both go through these functions, so the layout is defined in one place:
 *   <stateDir>/runs/<runId>/<job>/<attempt>/{stdout.log, stderr.log, attempt.log, input.json, result.json}
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The captured streams: the job's stdout and stderr, and Ordo's own START/FINISH record. */
export type LogStream = 'stdout' | 'stderr' | 'attempt';
export type AttemptFileKind = LogStream | 'input' | 'result';

const FILE_NAMES: Record<AttemptFileKind, string> = {
  stdout: 'stdout.log',
  stderr: 'stderr.log',
  attempt: 'attempt.log',
  input: 'input.json',
  result: 'result.json',
};

export function attemptDir(stateDir: string, runId: string, job: string, attempt: number): string {
  return join(stateDir, 'runs', runId, job, String(attempt));
}

export function attemptFile(stateDir: string, runId: string, job: string, attempt: number, kind: AttemptFileKind): string {
  return join(attemptDir(stateDir, runId, job, attempt), FILE_NAMES[kind]);
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
