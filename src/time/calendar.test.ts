import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CZ_BANKING, calendar } from './testdata/calendars.js';

const cz = () => calendar(CZ_BANKING).calendars.get('cz-banking')!;

test('working days: the working week minus holidays', () => {
  const c = cz();
  assert.equal(c.isWorkingDay('2026-11-23'), true); // Monday
  assert.equal(c.isWorkingDay('2026-11-21'), false); // Saturday
  assert.equal(c.isWorkingDay('2026-11-17'), false); // a fixed holiday on a Tuesday
  assert.equal(c.holidayName('2026-04-03'), 'Good Friday');
  assert.equal(c.holidayName('2026-04-06'), 'Easter Monday');
  assert.equal(c.holidayName('2026-12-31'), 'Bank closing day');
  assert.equal(c.isWorkingDay('2027-12-31'), true, 'an explicit date is one year only');
  assert.equal(c.holidayName('2026-11-23'), undefined);
});

test('working days of a month, n-th from the start and from the end', () => {
  const c = cz();
  assert.deepEqual(c.workingDaysOfMonth(2026, 4).slice(0, 3), ['2026-04-01', '2026-04-02', '2026-04-07']);
  assert.equal(c.nthWorkingDayOfMonth(2026, 1, 1), '2026-01-02');
  assert.equal(c.nthWorkingDayOfMonth(2026, 1, 3), '2026-01-06');
  assert.equal(c.nthWorkingDayOfMonth(2026, 1, -1), '2026-01-30'); // the 31st is a Saturday
  assert.equal(c.nthWorkingDayOfMonth(2026, 12, -1), '2026-12-30'); // the 31st is a holiday that year
  assert.equal(c.nthWorkingDayOfMonth(2026, 2, 25), undefined);
  assert.deepEqual(c.workingDayOfMonth('2026-01-30'), { fromStart: 21, fromEnd: -1 });
  assert.equal(c.workingDayOfMonth('2026-01-31'), undefined);
});

test('next, previous and n working days', () => {
  const c = cz();
  assert.equal(c.nextWorkingDay('2026-04-02'), '2026-04-07'); // over Easter
  assert.equal(c.previousWorkingDay('2026-04-07'), '2026-04-02');
  assert.equal(c.nextWorkingDay('2026-12-23'), '2026-12-28');
  assert.equal(c.addWorkingDays('2026-12-23', 3), '2026-12-30');
  assert.equal(c.addWorkingDays('2026-12-23', 4), '2027-01-04'); // the 31st is a holiday in 2026
  assert.equal(c.addWorkingDays('2027-01-04', -4), '2026-12-23');
  assert.equal(c.addWorkingDays('2026-11-21', 0), '2026-11-21');
});

test('02-29 is a holiday in leap years only; weekends can be working days', () => {
  const { calendars } = calendar({ name: 'leap', workingWeek: [1, 2, 3, 4, 5, 6, 7], holidays: { dates: [], fixed: [{ monthDay: '02-29', name: 'Leap day' }], easter: [], imported: [] } });
  const c = calendars.get('leap')!;
  assert.equal(c.holidayName('2028-02-29'), 'Leap day');
  assert.deepEqual(c.holidays(2027), []);
  assert.equal(c.isWorkingDay('2026-11-22'), true); // a Sunday
  assert.equal(c.zone, 'UTC');
});

test('union adds the holidays of other calendars; subtract removes theirs', () => {
  const { calendars, errors } = calendar(
    CZ_BANKING,
    { name: 'blackout', holidays: { dates: [{ date: '2026-11-23', name: 'Migration' }], fixed: [], easter: [], imported: [] } },
    { name: 'open-on-christmas-eve', holidays: { dates: [], fixed: [{ monthDay: '12-24' }], easter: [], imported: [] } },
    { name: 'cz-ops', union: ['cz-banking', 'blackout'], subtract: ['open-on-christmas-eve'] },
    { name: 'de', zone: 'Europe/Berlin', workingWeek: [1, 2, 3, 4, 5, 6], holidays: { dates: [], fixed: [{ monthDay: '10-03', name: 'German Unity Day' }], easter: [], imported: [] } },
    { name: 'cz-de', union: ['cz-banking', 'de'] },
  );
  assert.deepEqual(errors, []);
  const ops = calendars.get('cz-ops')!;
  assert.equal(ops.zone, 'Europe/Prague', 'the zone of the first union calendar');
  assert.deepEqual(ops.workingWeek, [1, 2, 3, 4, 5]);
  assert.equal(ops.holidayName('2026-11-23'), 'Migration');
  assert.equal(ops.isWorkingDay('2026-12-24'), true, 'subtracted');
  assert.equal(ops.isWorkingDay('2026-12-25'), false);
  assert.equal(ops.holidayName('2026-04-06'), 'Easter Monday');
  const czde = calendars.get('cz-de')!;
  assert.deepEqual(czde.workingWeek, [1, 2, 3, 4, 5], 'weekdays both work');
  assert.equal(czde.holidayName('2026-10-03'), 'German Unity Day');
  assert.equal(czde.isWorkingDay('2026-10-28'), false);
  assert.equal(calendars.get('cz-banking')!.isWorkingDay('2026-11-23'), true, 'members are unchanged');
});

test('unknown calendars and cycles are issues, not exceptions', () => {
  const { calendars, errors } = calendar(
    { name: 'a', union: ['b'] },
    { name: 'b', subtract: ['c'] },
    { name: 'c', union: ['a'] },
    { name: 'd', union: ['nowhere'] },
    { name: 'e', union: ['a'] },
    { name: 'self', union: ['self'] },
    { name: 'ok' },
  );
  assert.deepEqual([...calendars.keys()], ['ok']);
  assert.deepEqual(errors.map((e) => [e.name, e.code]), [['a', 'cycle'], ['d', 'unknown-calendar'], ['self', 'cycle']]);
  assert.match(errors[0]!.message, /"a" -> "b" -> "c" -> "a"/);
  assert.equal(errors[1]!.ref, 'nowhere');
});

test('a calendar without a working weekday is refused', () => {
  const { errors } = calendar({ name: 'x', workingWeek: [6] }, { name: 'y', workingWeek: [1] }, { name: 'none', union: ['x', 'y'] });
  assert.deepEqual(errors.map((e) => [e.name, e.code]), [['none', 'no-working-day']]);
});
