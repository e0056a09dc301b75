/** Handlers of the definition methods. */
import type { ProjectCheck } from '../../server/project-check.js';
import type { DependencyRef, FlowDef } from '../../defs/model.js';
import { handler, type ApiServices } from '../context.js';

function summary(flow: FlowDef) {
  return {
    name: flow.name, ...(flow.description ? { description: flow.description } : {}), file: flow.file, jobs: flow.jobs.length,
    params: flow.params, triggers: flow.schedule?.triggers.length ?? 0,
  };
}

/** `disabled`: jobs disabled at runtime (`jobs.disable`), besides those the file disables. */
export function graphOf(flow: FlowDef, disabled: ReadonlySet<string> = new Set()) {
  const edges: Array<{ from: string; to: string; states: string[]; any: boolean }> = [];
  const add = (ref: DependencyRef, to: string, any: boolean) => edges.push({ from: ref.job, to, states: [...ref.states], any });
  for (const job of flow.jobs) {
    for (const dep of job.after) {
      if (dep.kind === 'job') add(dep.ref, job.name, false);
      else for (const m of dep.members) add(m, job.name, true);
    }
  }
  return { flow: flow.name, nodes: flow.jobs.map((j) => ({ job: j.name, enabled: j.enabled && !disabled.has(j.name) })), edges };
}

function validation(result: ProjectCheck) {
  const flows = result.project ? [...result.project.flows.values()] : [];
  return {
    ok: result.ok, flows: flows.length, jobs: flows.reduce((n, f) => n + f.jobs.length, 0),
    workflows: result.workflows.workflows.size, actions: result.workflows.actions.size,
    diagnostics: result.diagnostics.map(({ text: _text, ...d }) => d),
  };
}

export function flowHandlers(s: ApiServices) {
  return {
    'flows.list': handler(async () => [...s.project.current.flows.values()].sort((a, b) => a.name.localeCompare(b.name)).map(summary)),
    'flows.get': handler(async (p: { flow: string }) => s.project.flow(p.flow)),
    'flows.graph': handler(async (p: { flow: string }) => {
      const flow = s.project.flow(p.flow);
      return graphOf(flow, await s.store.disabledJobs(flow.name));
    }),
    'flows.validate': handler(async () => validation(await s.project.check())),
    'flows.reload': handler(async () => validation(await s.project.reload())),
  };
}
