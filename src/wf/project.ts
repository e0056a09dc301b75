/**
 * Workflows and actions of a project directory: every `NAME.wf` and `NAME.ac` file of the project (see
 * defs/project-root.ts), compiled together, with the JSON Schemas of its `schemas/` folder
 * (`NAME.json` or `NAME.schema.json`) usable as parameter types.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { compileSources, type CompileResult } from '../lang/compile.js';
import { isObject, type JsonObject } from '../lang/json.js';
import type { SchemaMap } from '../lang/interfaces.js';
import type { Diagnostic } from '../defs/diagnostics.js';
import { OrdoError } from '../errors.js';
import type { FlowDef } from '../defs/model.js';
import { projectFiles, WORKFLOW_SOURCE } from '../defs/project-root.js';

export interface SourceFile {
  path: string;
  text: string;
}

/** The project's workflow and action files (which folders count: defs/project-root.ts). */
export function findSources(dir: string): string[] {
  return projectFiles(dir, WORKFLOW_SOURCE);
}

/** Reads files, naming each by its path relative to `base` (as diagnostics show it). */
export function readSources(paths: readonly string[], base: string): SourceFile[] {
  return paths.map((p) => ({ path: relative(base, resolve(p)) || p, text: readFileSync(p, 'utf8') }));
}

export function projectSchemas(dir: string): SchemaMap {
  const folder = join(dir, 'schemas');
  const schemas: Record<string, JsonObject> = {};
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return schemas;
  for (const f of readdirSync(folder)) {
    const m = /^(.+?)(\.schema)?\.json$/.exec(f);
    if (!m?.[1]) continue;
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(join(folder, f), 'utf8'));
    } catch (err) {
      throw new OrdoError('ORDO_INVALID_PROJECT', `schemas/${f}: not a JSON Schema: ${(err as Error).message}`);
    }
    if (isObject(value)) schemas[m[1]] = value;
  }
  return schemas;
}

/** A compiler bug's stack, for whoever reads this process's stderr (a server's log); clients see one line. */
function logInternalError(err: unknown, file: string): void {
  process.stderr.write(`ordo: internal compiler error in ${file} (please report it): ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
}

/** Compiles the given files (or, with none, every workflow and action file of the project). */
export function compileProjectSources(dir: string, files: readonly string[] = []): CompileResult & { files: string[] } {
  const paths = files.length > 0 ? files.map((f) => resolve(f)) : findSources(dir);
  const result = compileSources(readSources(paths, dir), { schemas: projectSchemas(dir), onInternalError: logInternalError });
  return { ...result, files: paths };
}

/** Jobs of kind workflow must name a workflow of the project (checked by `ordo validate`, which sees both). */
export function checkWorkflowJobs(flows: Iterable<FlowDef>, workflows: ReadonlyMap<string, unknown>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const known = [...workflows.keys()].sort().join(', ') || 'none';
  for (const flow of flows) {
    for (const job of flow.jobs) {
      if (job.kind !== 'workflow' || job.workflow === undefined || workflows.has(job.workflow)) continue;
      out.push({
        code: 'ORDO_UNKNOWN_WORKFLOW', severity: 'error', at: job.at ?? { file: flow.file ?? '', line: 1, column: 1 },
        message: `job "${job.name}" of flow "${flow.name}" runs workflow "${job.workflow}", which the project does not have (workflows: ${known})`,
      });
    }
  }
  return out;
}
