/**
 * What counts as a project, and which of its files are definitions. A directory with `ordo.yaml` is a
 * project's root: its definition files are read from it and every folder below it, except dot folders
 * (`.ordo`, `.git`), `node_modules`, `dist`, and folders with an `ordo.yaml` of their own (other projects).
 * A directory without `ordo.yaml` is a project only when definition files (flows, templates, workflows) lie
 * directly in it, and then only those are read: run from a repository's root, Ordo never wanders into its
 * tests or examples.
 */
import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

export const SETTINGS_FILE = 'ordo.yaml';
const SKIPPED_DIRS = new Set(['node_modules', 'dist']);
const YAML = /\.ya?ml$/;
const WORKFLOW = /\.(wf|ac)$/;

export function hasSettingsFile(dir: string): boolean {
  return existsSync(join(dir, SETTINGS_FILE));
}

function entries(dir: string): Dirent[] {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
}

/** True when `dir` has ordo.yaml, a workflow or action file, or a YAML file declaring a flow, its jobs or templates. */
export function isProjectDir(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    if (hasSettingsFile(dir)) return true;
    return entries(dir).some((e) => e.isFile() && (WORKFLOW.test(e.name)
      || (YAML.test(e.name) && /^\uFEFF?(flow|jobs|templates)\s*:/m.test(readFileSync(join(dir, e.name), 'utf8')))));
  } catch {
    return false;
  }
}

/** The project's files whose names match `pattern`, sorted (throws when `dir` cannot be read). */
export function projectFiles(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string, deep: boolean): void => {
    for (const e of entries(d)) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        if (deep && !SKIPPED_DIRS.has(e.name) && !hasSettingsFile(path)) walk(path, true);
      } else if (e.isFile() && pattern.test(e.name)) out.push(path);
    }
  };
  walk(dir, hasSettingsFile(dir));
  return out.sort();
}

export const DEFINITION_YAML = YAML;
export const WORKFLOW_SOURCE = WORKFLOW;
