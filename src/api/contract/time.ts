/** Calendars and plans of the served definitions (`ordo calendar show`, `ordo plan next`). */
import { arr, entity, int, nullable, obj, oneOf, str } from './schema.js';
import type { MethodSpec } from './types.js';

const name = str({ minLength: 1, maxLength: 200 });

export const timeMethods = {
  'plans.list': {
    summary: 'the calendars and plans of ordo.yaml, and the flows whose triggers use each plan', permission: 'read',
    params: obj({}),
    result: obj({
      calendars: arr(entity('a calendar', { name: str(), zone: str() })),
      plans: arr(entity('a plan', { name: str(), calendar: nullable(str()), description: nullable(str()), flows: arr(str()) })),
    }, ['calendars', 'plans']),
    rest: { verb: 'GET', path: '/api/plans' },
  },
  'calendars.year': {
    summary: "a year of a calendar of ordo.yaml: its working days, and its other days with the reason (weekend or the holiday's name)",
    permission: 'read',
    params: obj({ calendar: name, year: int({ minimum: 1583, maximum: 9999 }) }, ['calendar']),
    result: obj({
      calendar: str(), zone: str(), year: int(), workingWeek: arr(int({ minimum: 1, maximum: 7 })), workingDays: arr(str()),
      nonWorkingDays: arr(entity('a day off', { date: str(), reason: oneOf(['weekend', 'holiday']), name: str({ description: "the holiday's name, when it has one" }) }, ['date', 'reason'])),
    }, ['calendar', 'zone', 'year', 'workingWeek', 'workingDays', 'nonWorkingDays']),
    rest: { verb: 'GET', path: '/api/calendars/:calendar' },
  },
  'plans.next': {
    summary: "the next fires of a plan of ordo.yaml, or of a flow's plan and cron triggers, with their business dates", permission: 'read',
    params: obj({ plan: name, count: int({ minimum: 1, maximum: 1000 }), from: str({ maxLength: 100, description: 'ISO time (default now)' }) }, ['plan']),
    result: arr(entity('a fire', { at: str({ description: 'local time with offset' }), utc: str(), businessDate: str() })),
    rest: { verb: 'GET', path: '/api/plans/:plan/next' },
  },
} satisfies Record<string, MethodSpec>;
