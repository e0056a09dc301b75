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
