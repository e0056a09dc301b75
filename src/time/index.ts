/**
 * The time layer (docs/time.md): calendars of working days and execution plans that yield instants. Pure:
 * every function takes epoch milliseconds, none reads the clock.
 *
 *   const { calendars, plans, errors } = compileTime(settings.calendars.values(), settings.plans.values());
 *   const fire = plans.get('eod')?.next(now);          // { at, businessDate, local }
 *   const inline = cronPlan('0 18 * * 1-5', 'Europe/Prague');
 */
export { Calendar, weekdayCalendar, type CalendarDef, type NamedDate } from './calendar.js';
export { cronError } from './cron.js';
export { easterSunday } from './easter.js';
export { parseIcs } from './ics.js';
export {
  compilePlan, cronPlan, ExecutionPlan, type BusinessDayRule, type DailyWindow, type DayRules, type Fire, type PlanDef, type PlanLookup,
  type PlanRule, type TimeOfDay,
} from './plan.js';
export { buildCalendars, buildPlans, compileTime, type TimeIssue } from './registry.js';
export { formatLocal, instantOf, isValidZone, localDateOf, parseInstant } from './zone.js';
