/** Handlers of the run methods: start, list, get, events, logs, why, forecast. */
import { suggest } from '../../suggest.js';
import { resolveParams } from '../../defs/params.js';
import { resolveVars } from '../../defs/vars.js';
import { flowFingerprint } from '../../defs/version.js';
import { explainTask } from '../../engine/explain.js';
import { forecastRun } from '../../engine/forecast.js';
import { catalogOf } from '../../engine/resources.js';
import type { RunRow, RunState } from '../../engine/store.js';
import { OrdoError } from '../../errors.js';
import { listAttempts, readAttemptLog } from '../../exec/logs.js';
import type { LogStream } from '../../exec/paths.js';
import { hostLoad } from '../../server/load.js';
import { ownerAlive } from '../../server/owner.js';
import { DEFAULT_LEASE_MS } from '../../server/runtime.js';
import { handler, type ApiServices } from '../context.js';

export async function requireRun(s: ApiServices, runId: number): Promise<RunRow> {
  const run = await s.store.getRun(runId);
  if (!run) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
  return run;
}

/** The slot limit in force: the setting every engine follows, else the project's. */
async function maxParallel(s: ApiServices): Promise<number> {
  return Number(await s.store.getSetting('maxParallel')) || s.project.current.settings.maxParallel;
}

interface StartParams { flow: string; params?: Record<string, unknown>; vars?: Record<string, unknown>; priority?: number; statsClass?: string }
interface LogParams { run: number; job: string; attempt?: number; stream?: LogStream; offset?: number; limit?: number }

export function runHandlers(s: ApiServices) {
  return {
    'runs.start': handler(async (p: StartParams) => {
      const flow = s.project.flow(p.flow);
      const { values, errors } = resolveParams(flow, p.params ?? {});
      const vars = resolveVars(flow, p.vars);
      if (errors.length + vars.errors.length > 0) throw new OrdoError('ORDO_BAD_PARAM', [...errors, ...vars.errors].join('; '));
      const now = s.now();
      const version = await s.store.saveFlowVersion(flow, flowFingerprint(flow), now);
      const run = await s.store.createRun({
        flowVersionId: version.id, flow: flow.name, params: values, vars: vars.values, jobs: flow.jobs.map((j) => j.name), at: now,
        priority: p.priority ?? 0, statsClass: p.statsClass ?? 'default',
      });
      s.runCreated?.(run.id);
      return { run: run.id };
    }),

    'runs.list': handler(async (p: { flow?: string; state?: RunState; limit?: number }) =>
      s.store.listRuns({ flow: p.flow, states: p.state ? [p.state] : undefined, limit: p.limit ?? 20 })),

    'runs.get': handler(async (p: { run: number }) => {
      const run = await requireRun(s, p.run);
      const tasks = await s.store.getTasks(run.id);
      const withAttempts = await Promise.all(tasks.map(async (t) => ({ ...t, attemptsList: await s.store.getAttempts(t.id) })));
      return { run, tasks: withAttempts, kv: await s.store.kvList(run.id) };
    }),

    'runs.events': handler(async (p: { run: number; after?: number }) => {
      await requireRun(s, p.run);
      return (await s.store.events(p.run, p.after ?? 0)).map((e) => ({ ...e, data: e.data ?? {} }));
    }),

    'runs.logs': handler(async (p: LogParams) => {
      await requireRun(s, p.run);
      const tasks = await s.store.getTasks(p.run);
      const task = tasks.find((t) => t.job === p.job);
      if (!task) throw new OrdoError('ORDO_NOT_FOUND', `run ${p.run} has no job "${p.job}"${suggest(p.job, tasks.map((t) => t.job))}`);
      const attempt = p.attempt ?? (await listAttempts(s.stateDir, String(p.run), p.job)).at(-1);
      if (attempt === undefined) throw new OrdoError('ORDO_NOT_FOUND', `job "${p.job}" of run ${p.run} has not run yet (${task.state})`);
      const stream = p.stream ?? 'stdout';
      const all = Buffer.from(await readAttemptLog(s.stateDir, String(p.run), p.job, attempt, stream), 'utf8');
      const offset = Math.min(p.offset ?? 0, all.length);
      const page = all.subarray(offset, offset + (p.limit ?? 1024 * 1024));
      return { run: p.run, job: p.job, attempt, stream, text: page.toString('utf8'), offset, nextOffset: offset + page.length, size: all.length };
    }),

    'runs.why': handler(async (p: { run: number; job: string }) => {
      const settings = s.project.current.settings;
      return explainTask(s.store, p.run, p.job, {
        catalog: catalogOf(settings), maxParallel: await maxParallel(s), now: s.now(), load: hostLoad().loadPerCore,
        agingMs: settings.agingMs, defaultEstimateMs: settings.defaultEstimateMs,
        ownerAlive: (run) => ownerAlive(run, s.now(), DEFAULT_LEASE_MS),
      });
    }),

    'runs.forecast': handler(async (p: { run: number }) => {
      const settings = s.project.current.settings;
      const f = await forecastRun(s.store, p.run, {
        catalog: catalogOf(settings), maxParallel: await maxParallel(s), now: s.now(), defaultEstimateMs: settings.defaultEstimateMs,
      });
      return { ...f, jobs: f.jobs.map((j) => ({ ...j, deadline: j.deadline ?? null })), late: f.late.map((j) => j.job) };
    }),
  };
}
