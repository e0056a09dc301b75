/**
 * The server's duty beyond driving runs: find runs that nobody drives (created by `ordo start`,
 * reopened by `ordo restart --no-wait`, or left by an engine that died) and adopt them. Polls the
 * store; the PostgreSQL issue adds LISTEN/NOTIFY to wake it sooner.
 */
import type { Engine } from '../engine/engine.js';
import type { EngineStore } from '../engine/store.js';
import { ownerAlive } from './owner.js';
import { startPeriodic, type Periodic } from './periodic.js';

export interface AdoptLoopOptions {
  engine: Engine;
  store: EngineStore;
  everyMs: number;
  leaseMs: number;
  onAdopt?: (runId: number) => void;
  onError?: (err: Error) => void;
}

export function startAdoptLoop(opts: AdoptLoopOptions): Periodic {
  return startPeriodic(async (stopped) => {
    const open = await opts.store.listRuns({ states: ['pending', 'running'], limit: 1000 });
    const now = Date.now();
    for (const run of open.reverse()) {
      if (stopped()) return;
      if (opts.engine.activeRunIds.includes(run.id)) continue;
      if (run.owner && run.owner !== opts.engine.owner && ownerAlive(run, now, opts.leaseMs)) continue;
      if (await opts.engine.tryAdopt(run.id)) opts.onAdopt?.(run.id);
    }
  }, opts.everyMs, { onError: opts.onError });
}
