/**
 * Deadline instants. A time of day is taken on the run's business date (its `business_date` parameter,
 * `YYYY-MM-DD`, else the local day the run was created) plus the given days, in the engine's local time
 * zone; an absolute deadline is an instant. A job's own deadline wins over its flow's.
 */
import type { DeadlineSpec, FlowDef } from '../defs/model.js';

export function businessDay(params: Record<string, unknown>, createdAt: number): { y: number; m: number; d: number } {
  const text = params.business_date;
  const match = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) : null;
  if (match) return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
  const day = new Date(createdAt);
  return { y: day.getFullYear(), m: day.getMonth() + 1, d: day.getDate() };
}

export function deadlineInstant(spec: DeadlineSpec, params: Record<string, unknown>, createdAt: number): number {
  if (spec.kind === 'absolute') return spec.at;
  const { y, m, d } = businessDay(params, createdAt);
  return new Date(y, m - 1, d + spec.dayOffset, spec.hour, spec.minute).getTime();
}

export function deadlinesFor(def: FlowDef, params: Record<string, unknown>, createdAt: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const job of def.jobs) {
    const spec = job.deadline ?? def.deadline;
    if (spec) out.set(job.name, deadlineInstant(spec, params, createdAt));
  }
  return out;
}

/** Latest start instants per job (`latestStart`): a task not started by then ends `expired`. */
export function latestStartsFor(def: FlowDef, params: Record<string, unknown>, createdAt: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const job of def.jobs) if (job.latestStart) out.set(job.name, deadlineInstant(job.latestStart, params, createdAt));
  return out;
}
