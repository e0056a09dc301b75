/** Handlers of the batch methods (docs/batches.md); the work is src/batch/service.ts's. */
import { batchRecord } from '../../batch/record.js';
import { namedBatch, planFromText, recordOf, requireBatch, rerunFailed, startBatch } from '../../batch/service.js';
import { OrdoError } from '../../errors.js';
import { listBatches } from '../../store/batches.js';
import { handler, type ApiServices } from '../context.js';

interface RunParams { name?: string; file?: string; text?: string }

export function batchHandlers(s: ApiServices) {
  return {
    'batches.run': handler(async (p: RunParams, call) => {
      if ((p.name === undefined) === (p.text === undefined)) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', 'give either "name" (a batch of the project) or "text" (a batch file\'s YAML, with "file")');
      }
      const project = s.project.current;
      const plan = p.text !== undefined ? planFromText(project, p.file ?? 'batch.yaml', p.text) : namedBatch(project, p.name!);
      const batch = await startBatch(s.store, plan, call.principal.name, s.now());
      return { batch: batch.id, run: batch.runId };
    }),

    'batches.get': handler(async (p: { batch: number }) => recordOf(s.store, s.stateDir, await requireBatch(s.store, p.batch))),

    'batches.list': handler(async (p: { name?: string; limit?: number }) => {
      const rows = await listBatches(s.store.sql, { name: p.name, limit: p.limit ?? 20 });
      // Counts from the tasks' states only: no attempt or log is read for a list.
      const none = { lastAttempt: async () => undefined, tail: async () => '' };
      return Promise.all(rows.map(async (b) => {
        const run = await s.store.getRun(b.runId);
        if (!run) throw new OrdoError('ORDO_NOT_FOUND', `run ${b.runId} of batch ${b.id} does not exist`);
        const r = await batchRecord(b, run, await s.store.getTasks(run.id), none);
        return {
          id: r.id, name: r.name, run: r.run, parent: r.parent, source: r.source, createdAt: r.createdAt, createdBy: r.createdBy, state: r.state,
          hosts: r.totals.hosts, ok: r.totals.ok, failed: r.totals.failed, notRun: r.totals.notRun,
        };
      }));
    }),

    'batches.rerun': handler(async (p: { batch: number; failed: boolean }, call) => {
      if (!p.failed) throw new OrdoError('ORDO_BAD_ARGUMENT', 'a rerun covers the failed and not-run hosts: pass "failed": true');
      const again = await rerunFailed(s.store, s.stateDir, await requireBatch(s.store, p.batch), call.principal.name, s.now());
      return { batch: again.id, run: again.runId, hosts: again.plan.groups.flat().length };
    }),
  };
}
