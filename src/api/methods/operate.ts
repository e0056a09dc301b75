/** Handlers of the operator actions: abort, skip, restart, disable, enable. The caller is the actor in the events. */
import { suggest } from '../../suggest.js';
import { abort, bulkAction, restart, skipJob, type BulkAction, type OperatorContext, type RestartMode } from '../../engine/operator.js';
import { OrdoError } from '../../errors.js';
import { ownerAlive } from '../../server/owner.js';
import { leaseMsFrom } from '../../server/runtime.js';
import { handler, type ApiServices, type CallContext } from '../context.js';
import { requireRun } from './runs.js';

export function operatorContext(s: ApiServices, call: CallContext): OperatorContext {
  const now = s.now();
  return { store: s.store, now, actor: call.principal.name, ownerAlive: (run) => ownerAlive(run, now, leaseMsFrom()) };
}

export function operateHandlers(s: ApiServices) {
  const setEnabled = (enabled: boolean) => handler(async (p: { flow: string; job: string }) => {
    const flow = s.project.flow(p.flow);
    if (!flow.jobs.some((j) => j.name === p.job)) throw new OrdoError('ORDO_NOT_FOUND', `flow "${p.flow}" has no job "${p.job}"${suggest(p.job, flow.jobs.map((j) => j.name))}`);
    await s.store.setJobEnabled(p.flow, p.job, enabled, s.now());
    return { flow: p.flow, job: p.job, enabled };
  });
  return {
    'runs.abort': handler(async (p: { run: number; job?: string }, call) => {
      await abort(operatorContext(s, call), p.run, p.job);
      return p.job ? { run: p.run, job: p.job } : { run: p.run };
    }),
    'runs.skip': handler(async (p: { run: number; job: string }, call) => {
      await skipJob(operatorContext(s, call), p.run, p.job);
      return { run: p.run, job: p.job };
    }),
    'runs.restart': handler(async (p: { run: number; job: string; mode?: RestartMode }, call) => {
      const run = await requireRun(s, p.run);
      const def = (await s.store.getFlowVersion(run.flowVersionId)).def;
      const jobs = await restart(operatorContext(s, call), p.run, p.job, p.mode ?? 'downstream', def);
      return { run: p.run, job: p.job, jobs };
    }),
    'runs.bulk': handler(async (p: { run: number; action: BulkAction; jobs: string[]; mode?: RestartMode }, call) => {
      const def = async () => (await s.store.getFlowVersion((await requireRun(s, p.run)).flowVersionId)).def;
      const jobs = await bulkAction(operatorContext(s, call), p.run, p.action, p.jobs, p.mode ?? 'downstream', def);
      return { run: p.run, action: p.action, jobs };
    }),
    'jobs.disable': setEnabled(false),
    'jobs.enable': setEnabled(true),
  };
}
