import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addDays, dayNumber, daysInMonth, floating, formatSeconds, fromDayNumber, isoWeekday, lastOfMonth, parseDate, splitFloating,
} from './date.js';

test('dates are parsed only when the day exists', () => {
  assert.deepEqual(parseDate('2028-02-29'), { year: 2028, month: 2, day: 29 });
  assert.equal(parseDate('2027-02-29'), undefined);
  assert.equal(parseDate('2026-13-01'), undefined);
  assert.equal(parseDate('2026-4-01'), undefined);
  assert.equal(parseDate('2100-02-29'), undefined, '2100 is not a leap year');
  assert.ok(parseDate('2000-02-29'), '2000 is');
});

test('day numbers round-trip over four centuries', () => {
  assert.equal(dayNumber('1970-01-01'), 0);
  assert.equal(fromDayNumber(-1), '1969-12-31');
  for (let n = -150_000; n < 150_000; n += 7) assert.equal(dayNumber(fromDayNumber(n)), n);
  assert.equal(fromDayNumber(dayNumber('2400-02-29')), '2400-02-29');
});

test('weekdays, months and arithmetic', () => {
  assert.equal(isoWeekday('2026-11-23'), 1); // a Monday
  assert.equal(isoWeekday('2026-11-29'), 7);
  assert.equal(isoWeekday('1970-01-01'), 4);
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2028-03-01', -1), '2028-02-29');
  assert.equal(daysInMonth(2026, 2), 28);
  assert.equal(lastOfMonth(2024, 2), '2024-02-29');
});

test('floating readings split into date and second of the day', () => {
  const f = floating('2026-03-29', 9000);
  assert.deepEqual(splitFloating(f), { date: '2026-03-29', seconds: 9000 });
  assert.deepEqual(splitFloating(floating('1969-12-31', 86_399)), { date: '1969-12-31', seconds: 86_399 });
  assert.equal(formatSeconds(9000), '02:30:00');
});
