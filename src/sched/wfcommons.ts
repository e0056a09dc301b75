/**
 * Parser for WfCommons workflow instances in WfFormat 1.5 JSON: the task graph is in
 * `workflow.specification.tasks[]` (`id`, `parents`, `children`), the measured runtimes in
 * `workflow.execution.tasks[]` (`id`, `runtimeInSeconds`), joined on `id`. Durations are in seconds.
 * Takes file text.
 */
import { buildTaskGraph, type TaskGraph } from './graph.js';

export interface WfCommonsWorkflow {
  name: string;
  schemaVersion: string;
  graph: TaskGraph;
  /** The makespan the original system recorded (seconds, overheads included), when present. */
  recordedMakespan?: number;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function obj(v: Json | undefined, what: string): { [k: string]: Json } {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error(`WfCommons: ${what} should be an object`);
  }
  return v;
}

function arr(v: Json | undefined, what: string): Json[] {
  if (!Array.isArray(v)) throw new Error(`WfCommons: ${what} should be an array`);
  return v;
}

function str(v: Json | undefined, what: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`WfCommons: ${what} should be a non-empty string`);
  return v;
}

function strList(v: Json | undefined, what: string): string[] {
  if (v === undefined) return [];
  return arr(v, what).map((x, i) => str(x, `${what}[${i}]`));
}

/** Parses WfFormat 1.5 JSON text into a task graph with runtimes in seconds. */
export function parseWfCommons(text: string): WfCommonsWorkflow {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (e) {
    throw new Error(`WfCommons: invalid JSON: ${(e as Error).message}`);
  }
  const top = obj(root, 'the document');
  const schemaVersion = typeof top['schemaVersion'] === 'string' ? top['schemaVersion'] : '';
  const workflow = obj(top['workflow'], 'workflow');
  const spec = arr(obj(workflow['specification'], 'workflow.specification')['tasks'], 'workflow.specification.tasks');
  const execution = obj(workflow['execution'], 'workflow.execution');
  const exec = arr(execution['tasks'], 'workflow.execution.tasks');

  const runtime = new Map<string, number>();
  exec.forEach((t, i) => {
    const o = obj(t, `workflow.execution.tasks[${i}]`);
    const id = str(o['id'], `workflow.execution.tasks[${i}].id`);
    const rt = o['runtimeInSeconds'];
    if (typeof rt !== 'number' || !Number.isFinite(rt) || rt < 0) {
      throw new Error(`WfCommons: task "${id}" has no valid runtimeInSeconds`);
    }
    if (runtime.has(id)) throw new Error(`WfCommons: task "${id}" appears twice in workflow.execution.tasks`);
    runtime.set(id, rt);
  });

  const names: string[] = [];
  const durations: number[] = [];
  const parents: string[][] = [];
  const index = new Map<string, number>();
  const children: [string, string[]][] = [];
  spec.forEach((t, i) => {
    const o = obj(t, `workflow.specification.tasks[${i}]`);
    const id = str(o['id'], `workflow.specification.tasks[${i}].id`);
    const rt = runtime.get(id);
    if (rt === undefined) throw new Error(`WfCommons: task "${id}" has no entry in workflow.execution.tasks`);
    index.set(id, names.length);
    names.push(id);
    durations.push(rt);
    parents.push(strList(o['parents'], `task "${id}" parents`));
    children.push([id, strList(o['children'], `task "${id}" children`)]);
  });
  // Children lists normally mirror parents; an edge written on one side only still counts.
  const known = new Set<string>();
  parents.forEach((ps, j) => ps.forEach((p) => known.add(`${j}\u0000${p}`)));
  for (const [id, kids] of children) {
    for (const c of kids) {
      const j = index.get(c);
      if (j === undefined) throw new Error(`WfCommons: task "${id}" has unknown child "${c}"`);
      const key = `${j}\u0000${id}`;
      if (!known.has(key)) {
        known.add(key);
        parents[j]!.push(id);
      }
    }
  }
  const out: WfCommonsWorkflow = {
    name: typeof top['name'] === 'string' ? top['name'] : '',
    schemaVersion,
    graph: buildTaskGraph(names, durations, parents),
  };
  const ms = execution['makespanInSeconds'];
  if (typeof ms === 'number') out.recordedMakespan = ms;
  return out;
}
