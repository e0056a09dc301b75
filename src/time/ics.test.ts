import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { repoPath } from '../paths.js';
import { buildCalendars } from './registry.js';
import { parseIcs } from './ics.js';

const fixture = readFileSync(repoPath('src/time/testdata/holidays.ics'), 'utf8');

test('an .ics file gives one holiday per day its events cover', () => {
  const r = parseIcs(fixture);
  assert.equal(r.error, undefined);
  const byDate = new Map(r.events!.map((e) => [e.date, e.name]));
  // A yearly event (5 occurrences), one excluded (EXDATE 2028), one moved (RECURRENCE-ID 2027 -> 03-05).
  assert.equal(byDate.get('2026-03-02'), 'Founders, day');
  assert.equal(byDate.has('2027-03-02'), false);
  assert.equal(byDate.get('2027-03-05'), 'Founders day (moved)');
  assert.equal(byDate.has('2028-03-02'), false);
  assert.equal(byDate.get('2029-03-02'), 'Founders, day');
  assert.equal(byDate.get('2030-03-02'), 'Founders, day');
  assert.equal(byDate.has('2031-03-02'), false);
  // All-day events end the day before DTEND; folded lines are joined.
  assert.deepEqual(['2026-12-28', '2026-12-29', '2026-12-30'].map((d) => byDate.get(d)), Array(3).fill('Year-end shutdown with a long name that the file folds over two lines'));
  assert.equal(byDate.has('2026-12-31'), false);
  // A timed event covers its day; a cancelled one nothing.
  assert.equal(byDate.get('2026-06-12'), 'Timed event');
  assert.equal(byDate.has('2026-07-01'), false);
});

test('imported events are holidays of a calendar', () => {
  const { events } = parseIcs(fixture);
  const { calendars } = buildCalendars([{ name: 'c', zone: 'UTC', holidays: { dates: [], fixed: [], easter: [], imported: events! }, union: [], subtract: [] }]);
  const cal = calendars.get('c')!;
  assert.equal(cal.isWorkingDay('2026-03-02'), false);
  assert.equal(cal.holidayName('2027-03-05'), 'Founders day (moved)');
  assert.equal(cal.isWorkingDay('2027-03-02'), true);
});

test('text that is not iCalendar is refused with a reason', () => {
  assert.match(parseIcs('hello').error ?? '', /not an iCalendar file/);
  assert.match(parseIcs('BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n').error ?? '', /VCARD/);
});
