/**
 * What an operator does to schedules, shared by the CLI (`ordo schedules`, `pause`, `resume FLOW`,
 * `backfill`) and the API (`schedules.*`): each works on the project's flows and the fire store.
 */
import type { FlowDef, Project } from '../defs/model.js';
import { OrdoError } from '../errors.js';
import { planResolver } from './scheduling.js';
import type { FireStore } from '../store/fires.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { isDate } from '../time/date.js';
import { Launcher } from '../triggers/launcher.js';

export interface ScheduleRow {
  flow: string;
  paused: boolean;
  triggers: string[];
  overlap: string;
  catchup: string;
  lastFire: { at: string; state: string; run: number | null } | null;
}

/** Flows with triggers: their policies, whether paused, and their last fire. */
export async function scheduleRows(project: Project, fires: FireStore): Promise<ScheduleRow[]> {
  const out: ScheduleRow[] = [];
  for (const flow of [...project.flows.values()].filter((f) => f.schedule).sort((a, b) => a.name.localeCompare(b.name))) {
    const s = flow.schedule!;
    const [last] = await fires.list(flow.name, 1);
    out.push({
      flow: flow.name, paused: await fires.isPaused(flow.name), triggers: s.triggers.map((t) => t.key), overlap: s.overlap,
      catchup: s.catchup.policy, lastFire: last ? { at: new Date(last.at).toISOString(), state: last.state, run: last.runId } : null,
    });
  }
  return out;
}

export interface Backfilled {
  at: string;
  businessDate: string;
  trigger: string;
}

/**
 * Queues a fire for every instant of the flow's plan and cron triggers whose business date is in
 * [from, to] (a server starts them one at a time, below normal priority). `label` names the option or
 * parameter in errors.
 */
export async function backfill(
  project: Project, flow: FlowDef, range: { from: string; to: string }, store: OrdoStore, fires: FireStore, label = { from: '--from', to: '--to' },
): Promise<Backfilled[]> {
  for (const [name, value] of [[label.from, range.from], [label.to, range.to]] as const) {
    if (!isDate(value)) throw new OrdoError('ORDO_BAD_ARGUMENT', `${name} must be a date YYYY-MM-DD, got "${value}"`);
  }
  if (range.from > range.to) throw new OrdoError('ORDO_BAD_ARGUMENT', `${label.from} ${range.from} is after ${label.to} ${range.to}`);
  const planOf = planResolver(project);
  const triggers = (flow.schedule?.triggers ?? []).filter((t) => t.kind === 'plan' || t.kind === 'cron');
  if (triggers.length === 0) throw new OrdoError('ORDO_BAD_ARGUMENT', `flow "${flow.name}" has no plan or cron trigger to backfill`);
  // Instants a little beyond the range, kept by business date (a plan may fire after midnight for the day before).
  const margin = 3 * 86_400_000;
  const fromMs = Date.parse(`${range.from}T00:00:00Z`) - margin;
  const toMs = Date.parse(`${range.to}T23:59:59Z`) + margin;
  const queued: Backfilled[] = [];
  const launcher = new Launcher({ store, fires, now: () => Date.now(), ownerAlive: () => true });
  for (const t of triggers) {
    const plan = planOf(t, flow);
    if (!plan) continue;
    for (const f of plan.between(fromMs, toMs, 100_000)) {
      if (f.businessDate < range.from || f.businessDate > range.to) continue;
      const fire = await launcher.queue(flow, `backfill:${t.key}`, f);
      if (fire) queued.push({ at: f.local, businessDate: f.businessDate, trigger: t.key });
    }
  }
  return queued;
}
