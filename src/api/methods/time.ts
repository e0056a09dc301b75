/** Handlers of the calendar and plan questions, on the served definitions. */
import { calendarYear, namedPlan, nextFires, projectCalendar } from '../../server/time-queries.js';
import { localDateOf } from '../../time/zone.js';
import { handler, type ApiServices } from '../context.js';

export function timeHandlers(s: ApiServices) {
  return {
    'calendars.year': handler(async (p: { calendar: string; year?: number }) => {
      const cal = projectCalendar(s.project.current, p.calendar);
      return calendarYear(cal, p.year ?? Number(localDateOf(s.now(), cal.zone).slice(0, 4)));
    }),
    'plans.next': handler(async (p: { plan: string; count?: number; from?: string }) =>
      nextFires(namedPlan(s.project.current, p.plan), p.count ?? 10, p.from, 'from')
        .map((f) => ({ at: f.local, utc: new Date(f.at).toISOString(), businessDate: f.businessDate }))),
  };
}
