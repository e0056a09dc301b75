/**
 * Questions about the project's calendars and plans, for `ordo calendar show`, `ordo plan next` and the
 * API's `calendars.year` / `plans.next`: a calendar's year, and the next fires of a plan or of a flow's
 * plan and cron triggers.
 */
import type { Project } from '../defs/model.js';
import { OrdoError } from '../errors.js';
import { suggest } from '../suggest.js';
import type { Calendar } from '../time/calendar.js';
import { cronError } from '../time/cron.js';
import { datesOfMonth } from '../time/date.js';
import { compilePlan, cronPlan, type ExecutionPlan } from '../time/plan.js';
import { compileTime } from '../time/registry.js';
import { isValidZone, parseInstant } from '../time/zone.js';

export function projectCalendar(project: Project, name: string): Calendar {
  const cal = compileTime(project.settings.calendars.values(), []).calendars.get(name);
  if (!cal) {
    const known = [...project.settings.calendars.keys()].sort().join(', ') || 'none';
    throw new OrdoError('ORDO_NOT_FOUND', `calendar "${name}" is not declared in ordo.yaml${suggest(name, project.settings.calendars.keys())} (calendars: ${known})`);
  }
  return cal;
}

export function checkYear(year: number, what: string): number {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} must be a year from 1583 to 9999, got "${year}"`);
  return year;
}

export interface CalendarYear {
  calendar: string;
  zone: string;
  year: number;
  workingWeek: number[];
  workingDays: string[];
  nonWorkingDays: Array<{ date: string; reason: 'weekend' | 'holiday'; name?: string }>;
}

/** A year of the calendar: its working days, and its other days with the reason. */
export function calendarYear(cal: Calendar, year: number): CalendarYear {
  const dates = Array.from({ length: 12 }, (_, m) => datesOfMonth(year, m + 1)).flat();
  const workingDays = dates.filter((d) => cal.isWorkingDay(d));
  const nonWorkingDays = dates.filter((d) => !cal.isWorkingDay(d)).map((date) => {
    const name = cal.holidayName(date);
    return name === undefined ? { date, reason: 'weekend' as const } : { date, reason: 'holiday' as const, name };
  });
  return { calendar: cal.name, zone: cal.zone, year, workingWeek: [...cal.workingWeek], workingDays, nonWorkingDays };
}

/** A plan of the project, or the union of a flow's plan and cron triggers. */
export function namedPlan(project: Project, name: string): ExecutionPlan {
  const { plans } = compileTime(project.settings.calendars.values(), project.settings.plans.values());
  const plan = plans.get(name);
  if (plan) return plan;
  const flow = project.flows.get(name);
  if (!flow) {
    const known = (m: Map<string, unknown>) => [...m.keys()].sort().join(', ') || 'none';
    throw new OrdoError('ORDO_NOT_FOUND',
      `"${name}" is neither a plan nor a flow of the project${suggest(name, [...plans.keys(), ...project.flows.keys()])} (plans: ${known(plans)}; flows: ${known(project.flows)})`);
  }
  const members = new Map<string, ExecutionPlan>();
  for (const t of flow.schedule?.triggers ?? []) {
    if (t.kind === 'plan' && plans.has(t.plan)) members.set(t.key, plans.get(t.plan)!);
    else if (t.kind === 'cron') {
      const error = cronError(t.cron);
      if (error !== undefined || !isValidZone(t.zone)) throw new OrdoError('ORDO_BAD_ARGUMENT', `flow "${name}" has trigger ${t.key}, which is not valid: ${error ?? `unknown zone ${t.zone}`}`);
      members.set(t.key, cronPlan(t.cron, t.zone));
    }
  }
  if (members.size === 0) throw new OrdoError('ORDO_NOT_FOUND', `flow "${name}" has no plan: none of its triggers is a plan or a cron expression`);
  return compilePlan({ name, rule: { kind: 'union', plans: [...members.keys()] } }, { calendar: () => undefined, plan: (k) => members.get(k) });
}

/** The next `count` fires at or after `from` (ISO; without an offset, local to the plan's zone; default now). */
export function nextFires(plan: ExecutionPlan, count: number, from: string | undefined, what = '--from'): Array<{ at: number; local: string; businessDate: string }> {
  const start = from === undefined ? Date.now() : parseInstant(from, plan.zone);
  if (start === undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} must be an ISO time such as 2026-03-29T01:00 or 2026-03-29T01:00:00+01:00, got "${from}"`);
  return plan.between(start, Number.MAX_SAFE_INTEGER, count);
}
