import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cronPlan, type PlanDef } from './plan.js';
import { CZ_BANKING, fires, hm, plans } from './testdata/calendars.js';

const BLACKOUT = { name: 'blackout', holidays: { dates: [{ date: '2026-11-25', name: 'Migration' }], fixed: [], easter: [], imported: [] } };
const one = (def: Omit<PlanDef, 'name'>) => plans([{ name: 'p', ...def }], CZ_BANKING, BLACKOUT).get('p')!;
const locals = (lines: string[]) => lines.map((l) => l.split(' ')[0]);

test('cron: 5 fields in the plan zone; 6 fields with seconds; next is strictly after', () => {
  const p = cronPlan('30 18 * * 1-5', 'Europe/Prague');
  assert.deepEqual(fires(p, '2026-11-20T12:00:00Z', 3), [
    '2026-11-20T18:30:00+01:00 2026-11-20', '2026-11-23T18:30:00+01:00 2026-11-23', '2026-11-24T18:30:00+01:00 2026-11-24',
  ]);
  const at = Date.parse('2026-11-20T17:30:00Z');
  assert.equal(p.next(at - 1)!.at, at);
  assert.equal(p.next(at)!.local, '2026-11-23T18:30:00+01:00');
  assert.deepEqual(locals(fires(cronPlan('*/20 0 12 * * *', 'UTC'), '2026-01-01T00:00:00Z', 3)), [
    '2026-01-01T12:00:00+00:00', '2026-01-01T12:00:20+00:00', '2026-01-01T12:00:40+00:00',
  ]);
  assert.equal(cronPlan('0 0 30 2 *', 'UTC').next(0), undefined, 'February 30 never comes');
});

test('at: every day, or every working day of the calendar', () => {
  assert.deepEqual(locals(fires(one({ rule: { kind: 'at', times: [hm('07:00'), hm('19:00')] }, zone: 'Europe/Prague' }), '2026-11-21T00:00:00Z', 3)), [
    '2026-11-21T07:00:00+01:00', '2026-11-21T19:00:00+01:00', '2026-11-22T07:00:00+01:00',
  ]);
  const eod = one({ rule: { kind: 'at', times: [hm('18:30')] }, calendar: 'cz-banking', days: { workingDays: true } });
  assert.deepEqual(locals(fires(eod, '2026-11-13T18:00:00Z', 4)), [
    '2026-11-16T18:30:00+01:00', '2026-11-18T18:30:00+01:00', '2026-11-19T18:30:00+01:00', '2026-11-20T18:30:00+01:00',
  ], 'Friday after 18:30, the weekend and the 17th (a holiday) are skipped');
  const noCalendar = one({ rule: { kind: 'at', times: [hm('09:00')] }, zone: 'UTC', days: { workingDays: true } });
  assert.deepEqual(locals(fires(noCalendar, '2026-11-20T10:00:00Z', 1)), ['2026-11-23T09:00:00+00:00'], 'no calendar: Monday to Friday');
});

test('n-th working day of the month, from the start and from the end', () => {
  const third = one({ rule: { kind: 'at', times: [hm('07:00')] }, calendar: 'cz-banking', days: { workingDayOfMonth: [3] } });
  assert.deepEqual(locals(fires(third, '2026-01-01T00:00:00Z', 4)), [
    '2026-01-06T07:00:00+01:00', '2026-02-04T07:00:00+01:00', '2026-03-04T07:00:00+01:00', '2026-04-07T07:00:00+02:00',
  ]);
  const firstAndLast = one({ rule: { kind: 'at', times: [hm('06:00')] }, calendar: 'cz-banking', days: { workingDayOfMonth: [1, -1] } });
  assert.deepEqual(locals(fires(firstAndLast, '2026-12-01T00:00:00Z', 3)), [
    '2026-12-01T06:00:00+01:00', '2026-12-30T06:00:00+01:00', '2027-01-04T06:00:00+01:00',
  ]);
});

test('weekdays and months', () => {
  const quarterly = one({ rule: { kind: 'at', times: [hm('06:00')] }, zone: 'UTC', days: { weekdays: [1], months: [1, 4, 7, 10] } });
  assert.deepEqual(locals(fires(quarterly, '2026-03-20T00:00:00Z', 3)), [
    '2026-04-06T06:00:00+00:00', '2026-04-13T06:00:00+00:00', '2026-04-20T06:00:00+00:00',
  ]);
  const cronFiltered = one({ rule: { kind: 'cron', cron: '0 12 * * *' }, zone: 'UTC', days: { weekdays: [6, 7] } });
  assert.deepEqual(locals(fires(cronFiltered, '2026-11-23T00:00:00Z', 2)), ['2026-11-28T12:00:00+00:00', '2026-11-29T12:00:00+00:00']);
});

test('validity period: no fire before from or after until', () => {
  const p = one({ rule: { kind: 'cron', cron: '0 6 * * *' }, zone: 'Europe/Prague', days: { valid: { from: '2027-04-01', until: '2027-04-03' } } });
  assert.deepEqual(locals(fires(p, '2026-01-01T00:00:00Z', 5)), [
    '2027-04-01T06:00:00+02:00', '2027-04-02T06:00:00+02:00', '2027-04-03T06:00:00+02:00',
  ]);
  const every = one({ rule: { kind: 'every', everyMs: 3_600_000 }, zone: 'UTC', days: { valid: { from: '2030-01-01', until: '2030-01-01' } } });
  assert.equal(every.between(0, Date.parse('2031-01-01T00:00:00Z'), 100).length, 24);
});

test('a daily window keeps from <= time < to; it may span midnight', () => {
  const q = one({ rule: { kind: 'cron', cron: '*/15 * * * *' }, zone: 'Europe/Prague', window: { from: 6 * 3600, to: 20 * 3600 } });
  const day = q.between(Date.parse('2026-11-23T00:00:00+01:00'), Date.parse('2026-11-23T23:59:59+01:00'));
  assert.equal(day.length, 56);
  assert.equal(day[0]!.local, '2026-11-23T06:00:00+01:00');
  assert.equal(day[55]!.local, '2026-11-23T19:45:00+01:00');
  const night = one({ rule: { kind: 'every', everyMs: 3_600_000 }, zone: 'UTC', window: { from: 22 * 3600, to: 2 * 3600 } });
  assert.deepEqual(locals(fires(night, '2026-11-23T12:00:00Z', 5)), [
    '2026-11-23T22:00:00+00:00', '2026-11-23T23:00:00+00:00', '2026-11-24T00:00:00+00:00', '2026-11-24T01:00:00+00:00', '2026-11-24T22:00:00+00:00',
  ]);
});

test('exclusions: the holidays of a blackout calendar', () => {
  const p = one({ rule: { kind: 'cron', cron: '0 9 * * *' }, zone: 'Europe/Prague', days: { exclude: ['blackout'] } });
  assert.deepEqual(locals(fires(p, '2026-11-24T12:00:00Z', 2)), ['2026-11-26T09:00:00+01:00', '2026-11-27T09:00:00+01:00']);
});

test('every: real time from the anchor (2000-01-01 00:00 local by default)', () => {
  const p = one({ rule: { kind: 'every', everyMs: 15 * 60_000 }, zone: 'Asia/Kolkata' });
  assert.deepEqual(locals(fires(p, '2026-11-23T04:01:00Z', 2)), ['2026-11-23T09:45:00+05:30', '2026-11-23T10:00:00+05:30']);
  const anchored = one({ rule: { kind: 'every', everyMs: 20 * 60_000, anchor: '2026-01-01T00:07' }, zone: 'Europe/Prague' });
  assert.deepEqual(locals(fires(anchored, '2026-11-23T08:00:00Z', 3)), ['2026-11-23T09:07:00+01:00', '2026-11-23T09:27:00+01:00', '2026-11-23T09:47:00+01:00']);
  const working = one({ rule: { kind: 'every', everyMs: 4 * 3_600_000 }, calendar: 'cz-banking', days: { workingDays: true }, window: { from: 8 * 3600, to: 17 * 3600 } });
  assert.deepEqual(locals(fires(working, '2026-11-13T12:00:00Z', 4)), [
    '2026-11-13T16:00:00+01:00', '2026-11-16T08:00:00+01:00', '2026-11-16T12:00:00+01:00', '2026-11-16T16:00:00+01:00',
  ]);
});

test('business dates: the plan day, "+1d" times, previous working day, an offset', () => {
  const night = one({ rule: { kind: 'at', times: [hm('01:30', 1)] }, calendar: 'cz-banking', days: { workingDays: true } });
  assert.deepEqual(fires(night, '2026-11-19T12:00:00Z', 3), [
    '2026-11-20T01:30:00+01:00 2026-11-19', '2026-11-21T01:30:00+01:00 2026-11-20', '2026-11-24T01:30:00+01:00 2026-11-23',
  ], 'Friday\'s run is on Saturday night; the 17th (a holiday) has none');
  const previous = one({ rule: { kind: 'cron', cron: '30 1 * * 2-6' }, calendar: 'cz-banking', businessDay: { kind: 'previous' } });
  assert.deepEqual(fires(previous, '2026-11-16T12:00:00Z', 5), [
    '2026-11-17T01:30:00+01:00 2026-11-16', '2026-11-18T01:30:00+01:00 2026-11-16', '2026-11-19T01:30:00+01:00 2026-11-18',
    '2026-11-20T01:30:00+01:00 2026-11-19', '2026-11-21T01:30:00+01:00 2026-11-20',
  ]);
  const offset = one({ rule: { kind: 'cron', cron: '0 3 * * *' }, zone: 'UTC', businessDay: { kind: 'offset', days: -1 } });
  assert.deepEqual(fires(offset, '2027-01-01T00:00:00Z', 1), ['2027-01-01T03:00:00+00:00 2026-12-31']);
});

test('between: both ends included, in order, at most limit', () => {
  const p = cronPlan('0 * * * *', 'UTC');
  const from = Date.parse('2026-01-01T00:00:00Z');
  const list = p.between(from, from + 3 * 3_600_000);
  assert.deepEqual(list.map((f) => f.at - from), [0, 3_600_000, 7_200_000, 10_800_000]);
  assert.equal(p.between(from, from + 100 * 3_600_000, 5).length, 5);
  assert.deepEqual(p.between(from + 1, from + 2, 10), []);
});

test('a plan that can never fire answers quickly that it has none', () => {
  const never = one({ rule: { kind: 'at', times: [hm('09:00')] }, calendar: 'cz-banking', days: { workingDays: true, weekdays: [6] } });
  assert.equal(never.next(0), undefined);
  assert.equal(one({ rule: { kind: 'every', everyMs: 60_000 }, zone: 'UTC', days: { valid: { until: '2020-01-01' } } }).next(Date.parse('2026-01-01')), undefined);
});
