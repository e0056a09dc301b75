/** Calendars shared by the tests of time/ (docs/time.md uses the same Czech banking calendar). */
import type { CalendarDef } from '../calendar.js';
import type { ExecutionPlan, PlanDef } from '../plan.js';
import { buildCalendars, buildPlans } from '../registry.js';

/** The Czech banking calendar of the examples (docs/time.md). */
export const CZ_BANKING: CalendarDef = {
  name: 'cz-banking',
  zone: 'Europe/Prague',
  workingWeek: [1, 2, 3, 4, 5],
  holidays: {
    dates: [{ date: '2026-12-31', name: 'Bank closing day' }],
    fixed: ['01-01', '05-01', '05-08', '07-05', '07-06', '09-28', '10-28', '11-17', '12-24', '12-25', '12-26'].map((monthDay) => ({ monthDay })),
    easter: [{ offset: -2 }, { offset: 1 }],
    imported: [],
  },
  union: [],
  subtract: [],
};

/** Builds calendars from partial definitions (no holidays, no union unless given). */
export function calendar(...defs: Array<Partial<CalendarDef> & { name: string }>) {
  const full = defs.map((d) => ({ holidays: { dates: [], fixed: [], easter: [], imported: [] }, union: [], subtract: [], ...d }));
  return buildCalendars(full);
}


/** Plans over the given calendars, by name; throws on any issue (tests of valid plans). */
export function plans(defs: PlanDef[], ...calendars: Array<Partial<CalendarDef> & { name: string }>): Map<string, ExecutionPlan> {
  const cals = calendar(...calendars);
  const built = buildPlans(defs, cals.calendars);
  const issues = [...cals.errors, ...built.errors];
  if (issues.length) throw new Error(issues.map((e) => e.message).join('; '));
  return built.plans;
}

/** The next `n` fires from an ISO instant, as "local businessDate" lines. */
export function fires(plan: ExecutionPlan, fromIso: string, n: number): string[] {
  const out: string[] = [];
  let t = Date.parse(fromIso);
  for (let i = 0; i < n; i++) {
    const f = plan.next(t);
    if (!f) break;
    out.push(`${f.local} ${f.businessDate}`);
    t = f.at;
  }
  return out;
}

/** Time of day in seconds ("HH:MM"), with days after the plan day. */
export function hm(text: string, days = 0): { days: number; seconds: number } {
  const [h, m] = text.split(':').map(Number) as [number, number];
  return { days, seconds: (h * 60 + m) * 60 };
}
