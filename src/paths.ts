/**
 * Where Ordo's own files are, wherever it is run from. Compiled modules live in dist/src/, so the
 * repository (or installed package) root is two levels above this file's folder.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, here.endsWith(join('dist', 'src')) ? '../..' : '..');

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

/**
 * The whole benchmark set of task graphs (STG, WfCommons): `$ORDO_BENCHMARKS`, or undefined when it is not set.
 * It is not part of the repository; the few graphs the tests need are in test/fixtures/benchmarks.
 */
export function benchmarksDir(): string | undefined {
  const dir = process.env.ORDO_BENCHMARKS;
  return dir !== undefined && dir.length > 0 ? dir : undefined;
}
