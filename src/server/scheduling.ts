/**
 * The server's trigger scheduler: the project's plans and calendars compiled by the time layer, each flow's
 * plan and cron triggers resolved to them, and the TriggerScheduler + Launcher on the server's store.
 */
import type { Logger } from 'pino';
import type { FlowDef, Project, TriggerDef } from '../defs/model.js';
import type { Clock } from '../engine/ports.js';
import { FireStore } from '../store/fires.js';
import type { OrdoStore } from '../store/ordo-store.js';
import type { Queryable } from '../store/port.js';
import { compileTime, cronPlan, type ExecutionPlan } from '../time/index.js';
import { Launcher } from '../triggers/launcher.js';
import { TriggerScheduler, type PlanSource } from '../triggers/scheduler.js';
import { leaseMsFrom } from './runtime.js';
import { ownerAlive } from './owner.js';

/** The plan behind a plan or cron trigger, from the project's compiled plans. */
export function planResolver(project: Project): (trigger: TriggerDef, flow: FlowDef) => ExecutionPlan | undefined {
  const { plans } = compileTime(project.settings.calendars.values(), project.settings.plans.values());
  const crons = new Map<string, ExecutionPlan>();
  return (trigger) => {
    if (trigger.kind === 'plan') return plans.get(trigger.plan);
    if (trigger.kind !== 'cron') return undefined;
    let plan = crons.get(trigger.key);
    if (!plan) crons.set(trigger.key, (plan = cronPlan(trigger.cron, trigger.zone)));
    return plan;
  };
}

export interface Scheduling {
  scheduler: TriggerScheduler;
  launcher: Launcher;
  stop(): Promise<void>;
}

export async function startScheduling(opts: {
  project: Project; store: OrdoStore; clock: Clock; logger?: Logger; pollMs?: number; onRun?: (runId: number) => void;
  /** The leader's fence, checked by every write of the launcher (docs/servers.md). */
  guard?: (tx: Queryable) => Promise<void>;
}): Promise<Scheduling> {
  const { project, store, clock, logger } = opts;
  const fires = new FireStore(store.sql);
  const launcher = new Launcher({
    store, fires, guard: opts.guard, now: () => clock.now(), ownerAlive: (run) => ownerAlive(run as Parameters<typeof ownerAlive>[0], clock.now(), leaseMsFrom()),
    onRun: (runId, fire) => {
      logger?.info({ run: runId, flow: fire.flow, trigger: fire.triggerKey, businessDate: fire.businessDate }, 'trigger fired');
      opts.onRun?.(runId);
    },
  });
  const planOf = planResolver(project);
  const scheduler = new TriggerScheduler({
    store, fires, launcher, clock, flows: project.flows, planOf: (t, f) => planOf(t, f) as PlanSource | undefined,
    projectDir: project.dir, pollMs: opts.pollMs ?? 1000, onError: (err) => logger?.error({ err }, 'trigger scheduler'),
  });
  try {
    await scheduler.start();
  } catch (err) {
    await scheduler.stop();
    throw err;
  }
  const triggered = [...project.flows.values()].filter((f) => f.schedule?.triggers.length).length;
  logger?.info({ flows: triggered, plans: scheduler.pending }, 'trigger scheduler started');
  return { scheduler, launcher, stop: () => scheduler.stop() };
}
