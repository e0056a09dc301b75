/**
 * Files a `file:` trigger watches: a path, or a pattern whose last part may hold `*` and `?` (for example
 * `incoming/*.csv`), relative to the project directory. Directories in the pattern must be literal.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

function toRegex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

export async function matchingFiles(projectDir: string, pattern: string): Promise<string[]> {
  const full = resolve(projectDir, pattern);
  const dir = dirname(full);
  const base = basename(full);
  if (!/[*?]/.test(base)) return [full];
  const re = toRegex(base);
  try {
    return (await readdir(dir)).filter((name) => re.test(name)).sort().map((name) => join(dir, name));
  } catch {
    return [];
  }
}
