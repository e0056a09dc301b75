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

/** The shared benchmark task graphs (../shared/benchmarks beside the repository), or $ORDO_BENCHMARKS. */
export function benchmarksDir(): string {
  return process.env.ORDO_BENCHMARKS ?? join(REPO_ROOT, '..', 'shared', 'benchmarks');
}
