/**
 * Handlers of the workflow-run methods, on the server's workflow engine (the one the JobCenter service
 * drives runs with): what `ordo wf show|runs`, `vars`, `set-var`, `cancel` and `retry` do, over the API.
 */
import { OrdoError } from '../../errors.js';
import type { JsonObject } from '../../lang/json.js';
import type { ActionDef, CompiledWorkflow } from '../../lang/program.js';
import { formatTrace } from '../../wf/trace.js';
import type { WorkflowEngine } from '../../wf/driver.js';
import { retryRun, setVar, varsOf } from '../../wf/operator.js';
import type { RunStatus } from '../../lang/vm/state.js';
import { formatRunId, type WfRunRow, type WfTaskRow } from '../../wf/types.js';
import { handler, type ApiServices, type CallContext } from '../context.js';
import { jobIdOf } from '../jcapi/jobs.js';

type RunRef = { run: number | string };

function summary(r: WfRunRow) {
  return {
    id: formatRunId(r.id), workflow: r.workflow, versionId: r.versionId, status: r.status, parent: r.parentId === null ? null : formatRunId(r.parentId),
    depth: r.depth, input: r.input, output: r.output, error: r.error, step: r.step, owner: r.owner, createdAt: r.createdAt,
    updatedAt: r.updatedAt, endedAt: r.endedAt,
  };
}

/** A task without its cookie: the claim's fencing token is the worker's, not for readers. */
function task({ cookie: _cookie, ...t }: WfTaskRow) {
  return t;
}

export function workflowHandlers(s: ApiServices) {
  const engine = (): WorkflowEngine => {
    const e = s.jobcenter?.engine;
    if (!e) throw new OrdoError('ORDO_BAD_STATE', 'this server runs no workflow engine (it serves no API)');
    return e;
  };
  const ctx = (call: CallContext) => ({ store: engine().store, now: s.now(), actor: call.principal.name });
  return {
    'wf.catalog': handler(async () => {
      const versions = await engine().store.latestVersions();
      const workers = s.jobcenter?.dispatcher.workers.all ?? [];
      const at = (v: { name: string; version: number; createdAt: number }) => ({ name: v.name, version: v.version, createdAt: v.createdAt });
      return {
        workflows: versions.filter((v) => v.kind === 'workflow').map(at),
        actions: versions.filter((v) => v.kind === 'action').map((v) => {
          const command = (v.body as ActionDef).raw?.command;
          return {
            ...at(v), command: typeof command === 'string' ? command : null,
            workers: workers.filter((w) => !w.dead && w.actions.has(v.name)).map((w) => {
              const a = w.actions.get(v.name)!;
              return { name: w.name, slots: a.slots, used: a.offered + a.claimed };
            }),
          };
        }),
      };
    }),
    'wf.list': handler(async (p: { workflow?: string; status?: RunStatus; limit?: number }) =>
      (await engine().store.listRuns({ workflow: p.workflow, statuses: p.status ? [p.status] : undefined, limit: p.limit ?? 50 })).map(summary)),
    'wf.get': handler(async (p: RunRef) => {
      const store = engine().store;
      const id = jobIdOf(p.run);
      const run = await store.mustGetRun(id);
      const [steps, tasks, children, version] = await Promise.all([
        store.steps(id), store.tasks(id), store.listRuns({ parentId: id, limit: 1000 }), store.getVersion(run.versionId)]);
      const text = formatTrace({ run, version: version.version, program: version.body as CompiledWorkflow, steps, tasks, children: [...children].reverse() });
      return { run: summary(run), version: version.version, steps, tasks: tasks.map(task), children: children.map(summary), text };
    }),
    'wf.vars': handler(async (p: RunRef) => varsOf(await engine().store.mustGetRun(jobIdOf(p.run)))),
    'wf.setVar': handler(async (p: RunRef & { vars: JsonObject }, call) => {
      const id = jobIdOf(p.run);
      for (const [name, value] of Object.entries(p.vars)) await setVar(ctx(call), id, name, value);
      return varsOf(await engine().store.mustGetRun(id));
    }),
    'wf.cancel': handler(async (p: RunRef, call) => {
      const id = jobIdOf(p.run);
      await engine().cancel(id, call.principal.name);
      // Driven by nobody alive: this engine takes it and completes the cancellation.
      await engine().adopt(id);
      return { run: formatRunId(id) };
    }),
    'wf.retry': handler(async (p: RunRef, call) => {
      const id = jobIdOf(p.run);
      await retryRun(ctx(call), id);
      await engine().adopt(id);
      return { run: formatRunId(id) };
    }),
  };
}
