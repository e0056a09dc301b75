/**
 * Workflow runs that nobody drives any more (their engine died, or released them when its server
 * stopped) are adopted by the JobCenter engine of a live server, so jobs survive a restart. Runs started
 * with an origin (a flow's workflow job) belong to whoever started them and are left alone; a child that
 * its parent waits for is adopted with the parent.
 */
import type { Logger } from 'pino';
import { isOwnerDead } from '../../server/owner.js';
import { startPeriodic, type Periodic } from '../../server/periodic.js';
import type { WorkflowEngine } from '../../wf/driver.js';
import type { WfRunRow } from '../../wf/types.js';

export interface SweepOptions {
  engine: WorkflowEngine;
  logger: Logger;
  everyMs: number;
  /** A run whose owner wrote no heartbeat for this long is taken over. */
  leaseMs: number;
}

export function orphaned(run: WfRunRow, self: string, now: number, leaseMs: number): boolean {
  if (run.origin !== null || run.join !== 'none' || run.owner === self) return false;
  if (run.owner === null || isOwnerDead(run.owner)) return true;
  return run.heartbeatAt === null || run.heartbeatAt < now - leaseMs;
}

export function startAdoptSweep(opts: SweepOptions): Periodic {
  const { engine } = opts;
  return startPeriodic(async (stopped) => {
    const open = await engine.store.listRuns({ statuses: ['running', 'waiting'], limit: 1000 });
    const now = Date.now();
    for (const run of open.reverse()) {
      if (stopped()) return;
      if (!orphaned(run, engine.owner, now, opts.leaseMs)) continue;
      if (await engine.adopt(run.id)) opts.logger.info({ job: run.id, previous: run.owner }, 'jcapi: adopted a workflow run nobody drove');
    }
  }, opts.everyMs, { unref: true, onError: (err) => opts.logger.warn({ err }, 'jcapi: adopting workflow runs failed') });
}
