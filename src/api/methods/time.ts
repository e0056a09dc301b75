/** Handlers of the calendar and plan questions, on the served definitions. */
import { calendarYear, namedPlan, nextFires, projectCalendar } from '../../server/time-queries.js';
import { compileTime } from '../../time/registry.js';
import { localDateOf } from '../../time/zone.js';
import { handler, type ApiServices } from '../context.js';

export function timeHandlers(s: ApiServices) {
  return {
    'plans.list': handler(async () => {
      const project = s.project.current;
      const { calendars } = compileTime(project.settings.calendars.values(), []);
      const flowsOf = (plan: string) => [...project.flows.values()]
        .filter((f) => (f.schedule?.triggers ?? []).some((t) => t.kind === 'plan' && t.plan === plan)).map((f) => f.name).sort();
      return {
        calendars: [...calendars.values()].map((c) => ({ name: c.name, zone: c.zone })).sort((a, b) => a.name.localeCompare(b.name)),
        plans: [...project.settings.plans.values()].map((p) => ({
          name: p.name, calendar: p.calendar ?? null, description: p.description ?? null, flows: flowsOf(p.name),
        })).sort((a, b) => a.name.localeCompare(b.name)),
      };
    }),
    'calendars.year': handler(async (p: { calendar: string; year?: number }) => {
      const cal = projectCalendar(s.project.current, p.calendar);
      return calendarYear(cal, p.year ?? Number(localDateOf(s.now(), cal.zone).slice(0, 4)));
    }),
    'plans.next': handler(async (p: { plan: string; count?: number; from?: string }) =>
      nextFires(namedPlan(s.project.current, p.plan), p.count ?? 10, p.from, 'from')
        .map((f) => ({ at: f.local, utc: new Date(f.at).toISOString(), businessDate: f.businessDate }))),
  };
}
