/**
 * The `after:` list of a job. Each entry is a job name (its success), a mapping `{ job: state }` or
 * `{ job: [states] }` (several keys = several dependencies), or `{ any: [entries...] }` (one member suffices).
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { DEP_STATES, type Dependency, type DependencyRef, type DepState, type JobDef } from './model.js';
import { entries, type Reader } from './yaml.js';

/** Dependencies whose job names are still to be checked against the flow. */
export function readAfter(reader: Reader, node: Node | null, job: string): Dependency[] {
  const what = `"after" of job "${job}"`;
  const items = isScalar(node) && typeof node.value === 'string' ? [node] : reader.list(node, what);
  if (!items) return [];
  const deps: Dependency[] = [];
  for (const item of items) {
    if (isMap(item) && item.items.length === 1 && entries(item)[0]!.key === 'any') {
      const group = entries(item)[0]!;
      const members = reader.list(group.value, `"any" in ${what}`);
      if (!members) continue;
      const refs = members.flatMap((m) => readRefs(reader, m, what));
      if (refs.length === 0) reader.diags.error('ORDO_BAD_VALUE', `"any" in ${what} needs at least one job`, reader.at(group.value));
      else deps.push({ kind: 'any', members: refs, at: reader.at(item) });
      continue;
    }
    for (const ref of readRefs(reader, item, what)) deps.push({ kind: 'job', ref });
  }
  return deps;
}

function readRefs(reader: Reader, node: Node, what: string): DependencyRef[] {
  if (isScalar(node) && typeof node.value === 'string') {
    return [{ job: node.value, states: ['succeeded'], at: reader.at(node) }];
  }
  if (!isMap(node)) {
    reader.bad(node, `an entry of ${what}`, 'a job name, { job: state } or { any: [...] }');
    return [];
  }
  const refs: DependencyRef[] = [];
  if (node.items.length === 0) reader.diags.error('ORDO_BAD_VALUE', `an empty entry in ${what}: give a job`, reader.at(node));
  for (const e of entries(node)) {
    if (e.key === 'any') {
      reader.diags.error('ORDO_BAD_VALUE', `"any" in ${what} must be alone in its entry: write - { any: [a, b] }`, reader.at(e.keyNode));
      continue;
    }
    const states = readStates(reader, e.value, `the states of "${e.key}" in ${what}`);
    if (states) refs.push({ job: e.key, states, at: reader.at(e.keyNode) });
  }
  return refs;
}

function readStates(reader: Reader, node: Node | null, what: string): DepState[] | undefined {
  const items = isSeq(node) ? (node.items as Node[]) : [node];
  const states: DepState[] = [];
  for (const item of items) {
    const s = reader.string(item, what);
    if (s === undefined) return undefined;
    if (!(DEP_STATES as readonly string[]).includes(s)) {
      reader.diags.error('ORDO_BAD_VALUE', `${what}: "${s}" is not an end state (${DEP_STATES.join(', ')})`, reader.at(item));
      return undefined;
    }
    states.push(s as DepState);
  }
  if (states.length === 0) reader.diags.error('ORDO_BAD_VALUE', `${what}: give at least one state`, reader.at(node));
  return states.length > 0 ? states : undefined;
}

/** Every dependency reference of a job, group members included. */
export function dependencyRefs(job: Pick<JobDef, 'after'>): DependencyRef[] {
  return job.after.flatMap((d) => (d.kind === 'job' ? [d.ref] : d.members));
}

/** The distinct names of the jobs a job waits on. */
export function dependencyJobs(job: Pick<JobDef, 'after'>): string[] {
  return [...new Set(dependencyRefs(job).map((r) => r.job))];
}
