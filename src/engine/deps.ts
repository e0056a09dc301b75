/**
 * Dependency evaluation: whether a job's `after` list is satisfied, still pending, or can never be
 * satisfied (then the job ends `skipped`, so that every run ends).
 */
import type { Dependency, DependencyRef, DepState, FlowDef, JobDef } from '../defs/model.js';
import { isTaskEnded, type TaskRow } from './store.js';

export type DepStatus = 'satisfied' | 'pending' | 'unsatisfiable';

/**
 * A task an operator skipped, or a disabled job, is bypassed: it counts as `succeeded` for the jobs
 * that wait on its success, so that skipping one step lets the flow go on (Control-M's "set to OK").
 * A task skipped because its own dependencies failed is not bypassed.
 */
export const BYPASS_REASONS: ReadonlySet<string> = new Set(['operator', 'disabled']);

export function refStatus(ref: DependencyRef, task: TaskRow | undefined): DepStatus {
  if (!task || !isTaskEnded(task.state)) return 'pending';
  if (ref.states.includes('done') || ref.states.includes(task.state)) return 'satisfied';
  if (task.state === 'skipped' && BYPASS_REASONS.has(task.reason ?? '') && ref.states.includes('succeeded')) {
    return 'satisfied';
  }
  return 'unsatisfiable';
}

export function depStatus(dep: Dependency, tasks: ReadonlyMap<string, TaskRow>): DepStatus {
  if (dep.kind === 'job') return refStatus(dep.ref, tasks.get(dep.ref.job));
  if (dep.kind === 'atMost') return thresholdStatus(dep.members, dep.max, tasks);
  let pending = false;
  for (const m of dep.members) {
    const s = refStatus(m, tasks.get(m.job));
    if (s === 'satisfied') return 'satisfied';
    if (s === 'pending') pending = true;
  }
  return pending ? 'pending' : 'unsatisfiable';
}

/** `atMost`: more than `max` members ended in their states: never; every member ended within it: yes. */
function thresholdStatus(members: DependencyRef[], max: number, tasks: ReadonlyMap<string, TaskRow>): DepStatus {
  let hits = 0;
  let pending = false;
  for (const m of members) {
    const task = tasks.get(m.job);
    if (!task || !isTaskEnded(task.state)) pending = true;
    else if (m.states.includes('done') || m.states.includes(task.state)) hits++;
  }
  if (hits > max) return 'unsatisfiable';
  return pending ? 'pending' : 'satisfied';
}

export function jobStatus(job: JobDef, tasks: ReadonlyMap<string, TaskRow>): DepStatus {
  let pending = false;
  for (const dep of job.after) {
    const s = depStatus(dep, tasks);
    if (s === 'unsatisfiable') return 'unsatisfiable';
    if (s === 'pending') pending = true;
  }
  return pending ? 'pending' : 'satisfied';
}

function refsOf(dep: Dependency): DependencyRef[] {
  return dep.kind === 'job' ? [dep.ref] : dep.members;
}

/** job -> the jobs that name it in their `after`. */
export function dependentsIndex(flow: FlowDef): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const job of flow.jobs) {
    for (const dep of job.after) {
      for (const ref of refsOf(dep)) {
        const list = out.get(ref.job) ?? [];
        if (!list.includes(job.name)) list.push(job.name);
        out.set(ref.job, list);
      }
    }
  }
  return out;
}

/**
 * job -> the end states of it that some dependency waits for (so a failure there is handled). A threshold
 * (`atMost`) only tolerates failures up to a count: the run still failed.
 */
export function handledStatesIndex(flow: FlowDef): Map<string, Set<DepState>> {
  const out = new Map<string, Set<DepState>>();
  for (const job of flow.jobs) {
    for (const dep of job.after) {
      if (dep.kind === 'atMost') continue;
      for (const ref of refsOf(dep)) {
        const set = out.get(ref.job) ?? new Set<DepState>();
        for (const s of ref.states) set.add(s);
        out.set(ref.job, set);
      }
    }
  }
  return out;
}

/** Every job that transitively depends on `job` (not including it), in declaration order. */
export function downstreamOf(flow: FlowDef, job: string): string[] {
  const dependents = dependentsIndex(flow);
  const seen = new Set<string>();
  const stack = [job];
  while (stack.length) {
    for (const d of dependents.get(stack.pop()!) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return flow.jobs.map((j) => j.name).filter((n) => seen.has(n));
}
