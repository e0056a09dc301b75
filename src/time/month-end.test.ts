/**
 * Month-end (ultimo) and Easter cases over 2024-2030 against a reference written out by hand: the Czech
 * banking holidays of each year listed as dates, and the last working day found by walking back from the
 * end of the month.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CZ_BANKING, calendar } from './testdata/calendars.js';
import { addDays, isoWeekday, lastOfMonth } from './date.js';
import { compilePlan } from './plan.js';

const FIXED = ['01-01', '05-01', '05-08', '07-05', '07-06', '09-28', '10-28', '11-17', '12-24', '12-25', '12-26'];
const GOOD_FRIDAY_EASTER_MONDAY: Record<number, [string, string]> = {
  2024: ['03-29', '04-01'], 2025: ['04-18', '04-21'], 2026: ['04-03', '04-06'], 2027: ['03-26', '03-29'],
  2028: ['04-14', '04-17'], 2029: ['03-30', '04-02'], 2030: ['04-19', '04-22'],
};

function referenceHolidays(year: number): Set<string> {
  const days = [...FIXED, ...GOOD_FRIDAY_EASTER_MONDAY[year]!].map((md) => `${year}-${md}`);
  if (year === 2026) days.push('2026-12-31');
  return new Set(days);
}

function referenceUltimo(year: number, month: number): string {
  const holidays = referenceHolidays(year);
  let d = lastOfMonth(year, month);
  while (isoWeekday(d) > 5 || holidays.has(d)) d = addDays(d, -1);
  return d;
}

test('the holidays of every year 2024-2030', () => {
  const cal = calendar(CZ_BANKING).calendars.get('cz-banking')!;
  for (let y = 2024; y <= 2030; y++) assert.deepEqual(new Set(cal.holidaysOf(y).keys()), referenceHolidays(y), String(y));
});

test('the ultimo of every month 2024-2030, as the calendar and as a plan', () => {
  const { calendars } = calendar(CZ_BANKING);
  const cal = calendars.get('cz-banking')!;
  const plan = compilePlan(
    { name: 'ultimo', rule: { kind: 'at', times: [{ days: 0, seconds: 20 * 3600 }] }, calendar: 'cz-banking', days: { workingDayOfMonth: [-1] } },
    { calendar: (n) => calendars.get(n), plan: () => undefined },
  );
  const fires = plan.between(Date.parse('2024-01-01T00:00:00Z'), Date.parse('2030-12-31T23:59:59Z'), 1000);
  assert.equal(fires.length, 84);
  let i = 0;
  for (let y = 2024; y <= 2030; y++) {
    for (let m = 1; m <= 12; m++) {
      const expected = referenceUltimo(y, m);
      assert.equal(cal.nthWorkingDayOfMonth(y, m, -1), expected);
      assert.equal(fires[i]!.businessDate, expected);
      assert.equal(fires[i]!.local.slice(0, 16), `${expected}T20:00`);
      i++;
    }
  }
});

test('month ends on weekends and holidays, spelled out', () => {
  const cal = calendar(CZ_BANKING).calendars.get('cz-banking')!;
  const cases: Array<[number, number, string, string]> = [
    [2024, 3, '2024-03-28', 'the 31st is Easter Sunday, the 29th Good Friday'],
    [2024, 8, '2024-08-30', 'the 31st is a Saturday'],
    [2025, 5, '2025-05-30', 'the 31st is a Saturday'],
    [2026, 2, '2026-02-27', 'the 28th is a Saturday'],
    [2026, 12, '2026-12-30', 'the 31st is a bank holiday that year'],
    [2027, 2, '2027-02-26', 'the 28th is a Sunday'],
    [2028, 12, '2028-12-29', 'the 30th and 31st are a weekend'],
    [2029, 3, '2029-03-29', 'the 31st is a Saturday, the 30th Good Friday'],
    [2030, 11, '2030-11-29', 'the 30th is a Saturday'],
  ];
  for (const [y, m, expected, why] of cases) assert.equal(cal.nthWorkingDayOfMonth(y, m, -1), expected, why);
  assert.equal(cal.nthWorkingDayOfMonth(2027, 1, 1), '2027-01-04', 'New Year on a Friday');
  assert.equal(cal.nthWorkingDayOfMonth(2026, 5, 1), '2026-05-04', 'May 1 is a Friday holiday');
  assert.equal(cal.nthWorkingDayOfMonth(2024, 4, 1), '2024-04-02', 'April 1 is Easter Monday');
  assert.equal(cal.nthWorkingDayOfMonth(2029, 4, 1), '2029-04-03', 'April 2 is Easter Monday');
});
