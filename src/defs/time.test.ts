import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadFiles } from '../../test/support/load-files.js';
import { tempDir } from '../../test/support/tmp.js';
import { repoPath } from '../paths.js';
import { compileTime } from '../time/registry.js';
import { readCalendarFile } from './time.js';

const ICS = readFileSync(repoPath('src/time/testdata/holidays.ics'), 'utf8');

const load = loadFiles;

const ORDO = `calendars:
  cz-banking:
    zone: Europe/Prague
    workingWeek: [mon, tue, wed, thu, fri]
    holidays:
      fixed: ["01-01", "05-01", "05-08", "07-05", "07-06", "09-28", "10-28", "11-17", "12-24", "12-25", "12-26"]
      easter: [-2, 1]
      dates: { "2026-12-31": Bank closing day }
      ics: calendars/extra.ics
  blackout:
    holidays: { dates: [{ date: "2026-11-25", name: Migration }] }
  cz-ops: { union: [cz-banking, blackout] }
plans:
  eod:   { calendar: cz-banking, workingDays: true, at: "18:30" }
  night: { calendar: cz-banking, workingDays: true, at: "+1d 01:30", description: "the day's batch, after midnight" }
  ultimo: { calendar: cz-banking, workingDayOfMonth: -1, at: "20:00" }
  q15:   { zone: Europe/Prague, cron: "*/15 * * * *", window: { from: "06:00", to: "20:00" }, exclude: blackout }
  every15: { every: 15m, zone: Europe/Prague, anchor: "2026-01-01T00:05" }
  quarterly: { zone: UTC, weekdays: [mon], months: [jan, apr, jul, oct], at: ["06:00", "18:00"], valid: { from: 2026-01-01, until: 2027-12-31 } }
  late:  { cron: "30 1 * * 2-6", calendar: cz-banking, businessDay: previous }
  both:  { union: [eod, ultimo] }
  eod-ultimo: { intersect: [eod, ultimo] }
  exact: { intersect: [q15, eod], match: instant }
`;

test('calendars and plans of ordo.yaml become definitions that compile', async () => {
  const { project, lines } = await load({
    'ordo.yaml': ORDO,
    'calendars/extra.ics': ICS,
    'f.yaml': 'flow: f\ntriggers: [{ plan: both }]\njobs:\n  a: { command: [echo] }\n',
  });
  assert.deepEqual(lines, []);
  const { calendars: cals, plans } = project!.settings;
  const cz = cals.get('cz-banking')!;
  assert.equal(cz.zone, 'Europe/Prague');
  assert.deepEqual(cz.workingWeek, [1, 2, 3, 4, 5]);
  assert.equal(cz.holidays.fixed.length, 11);
  assert.deepEqual(cz.holidays.easter, [{ offset: -2 }, { offset: 1 }]);
  assert.deepEqual(cz.holidays.dates, [{ date: '2026-12-31', name: 'Bank closing day' }]);
  assert.ok(cz.holidays.imported.some((h) => h.date === '2026-03-02' && h.name === 'Founders, day'));
  assert.deepEqual(cals.get('cz-ops')!.union, ['cz-banking', 'blackout']);
  assert.deepEqual(plans.get('eod'), { name: 'eod', rule: { kind: 'at', times: [{ days: 0, seconds: 66_600 }] }, calendar: 'cz-banking', days: { workingDays: true } });
  assert.deepEqual(plans.get('night')!.rule, { kind: 'at', times: [{ days: 1, seconds: 5400 }] });
  assert.deepEqual(plans.get('q15')!.window, { from: 6 * 3600, to: 20 * 3600 });
  assert.deepEqual(plans.get('quarterly')!.days, { weekdays: [1], months: [1, 4, 7, 10], valid: { from: '2026-01-01', until: '2027-12-31' } });
  assert.deepEqual(plans.get('late')!.businessDay, { kind: 'previous' });
  assert.deepEqual(plans.get('eod-ultimo')!.rule, { kind: 'intersect', plans: ['eod', 'ultimo'], match: 'day' });
  assert.deepEqual(plans.get('every15')!.rule, { kind: 'every', everyMs: 900_000, anchor: '2026-01-01T00:05' });

  const time = compileTime(cals.values(), plans.values());
  assert.deepEqual(time.errors, []);
  assert.equal(time.calendars.get('cz-banking')!.isWorkingDay('2026-03-02'), false, 'from the .ics file');
  assert.equal(time.calendars.get('cz-ops')!.holidayName('2026-11-25'), 'Migration');
  assert.equal(time.plans.get('eod')!.next(Date.parse('2026-03-01T00:00:00Z'))!.local, '2026-03-03T18:30:00+01:00');
  assert.equal(time.plans.get('every15')!.next(Date.parse('2026-03-01T00:00:00Z'))!.local, '2026-03-01T01:05:00+01:00');
  assert.equal(time.plans.get('exact')!.next(Date.parse('2026-03-01T00:00:00Z'))!.local, '2026-03-03T18:30:00+01:00', 'q15 fires at 18:30 too');
  assert.equal(time.plans.get('late')!.next(Date.parse('2026-03-03T00:00:00Z'))!.businessDate, '2026-02-27', 'Tuesday 01:30 works for Friday (Monday the 2nd is a holiday)');
});

test('every mistake of calendars and plans is reported where it is written', async () => {
  const { project, lines } = await load({
    'ordo.yaml': `calendars:
  cz:
    zone: Europe/Praha
    workingWeek: [mon, funday]
    holidays:
      fixed: ["13-01", "02-29"]
      dates: ["2026-02-30"]
      easter: [-2, x]
      ics: missing.ics
      weekly: []
    union: [nowhere]
  a: { union: [b] }
  b: { union: [a] }
  bad.name: {}
plans:
  p1: { cron: "61 * * * *" }
  p2: { at: "25:00", calendar: cz }
  p3: { every: 15m, cron: "* * * * *" }
  p4: { union: [p5], zone: UTC }
  p5: { union: [p4] }
  p6: { at: "06:00", calendar: ghost, window: { from: "06:00", to: "06:00" } }
  p7: { intersect: [p1, zzz] }
  p8: { description: nothing }
  p9: { every: 1m, anchor: yesterday, businessDay: next, weekdays: [mon, 8], workingDayOfMonth: 0 }
  p10: { at: "07:00", valid: { from: 2026-05-01, until: 2026-04-01 }, months: [jan, Smarch], match: day }
`,
    'calendars/bad.ics': 'BEGIN:VCALENDAR\n',
  });
  assert.equal(project, undefined);
  assert.deepEqual(lines, [
    'ordo.yaml:3:11: ORDO_BAD_ZONE "zone" of calendar "cz" must be an IANA time zone such as "Europe/Prague", got "Europe/Praha"',
    'ordo.yaml:4:24: ORDO_BAD_TYPE a day of "workingWeek" of calendar "cz" must be a weekday (mon ... sun, or 1 ... 7), got the string "funday"',
    'ordo.yaml:6:15: ORDO_BAD_DATE "holidays.fixed" of calendar "cz": "13-01" is not a day of the year (MM-DD)',
    'ordo.yaml:7:15: ORDO_BAD_DATE "holidays.dates" of calendar "cz": "2026-02-30" is not a date (YYYY-MM-DD)',
    'ordo.yaml:8:20: ORDO_BAD_VALUE "holidays.easter" of calendar "cz": "x" is not a number of days from Easter Sunday (-300 ... 300)',
    'ordo.yaml:9:12: ORDO_BAD_ICS calendar "cz" imports missing.ics, which cannot be read: it does not exist',
    'ordo.yaml:10:7: ORDO_UNKNOWN_KEY unknown key "weekly" in "holidays" of calendar "cz" (allowed: dates, fixed, easter, ics)',
    'ordo.yaml:11:13: ORDO_UNKNOWN_CALENDAR calendar "cz" refers to calendar "nowhere", which ordo.yaml does not declare (calendars: a, b, cz)',
    'ordo.yaml:12:3: ORDO_CALENDAR_CYCLE calendars "a" -> "b" -> "a" refer to each other in a cycle',
    'ordo.yaml:14:3: ORDO_BAD_VALUE calendar "bad.name": a name starts with a letter and holds letters, digits, "_" or "-"',
    'ordo.yaml:16:15: ORDO_BAD_CRON "cron" of plan "p1": "61 * * * *" is not a cron expression of 5 or 6 fields: Invalid value for minute: 61',
    'ordo.yaml:17:13: ORDO_BAD_VALUE "at" of plan "p2": "25:00" is not a time of day ("18:30", "07:00:30" or "+1d 01:30")',
    'ordo.yaml:18:9: ORDO_BAD_VALUE plan "p3" has both "cron" and "every": a plan is one of cron, at, every, union, intersect (combine plans with union)',
    'ordo.yaml:19:3: ORDO_PLAN_CYCLE plans "p4" -> "p5" -> "p4" refer to each other in a cycle',
    'ordo.yaml:19:22: ORDO_BAD_VALUE "zone" does not apply to plan "p4", a plan with "union"',
    'ordo.yaml:21:32: ORDO_UNKNOWN_CALENDAR plan "p6" refers to calendar "ghost", which ordo.yaml does not declare (calendars: a, b, cz)',
    'ordo.yaml:21:47: ORDO_BAD_VALUE "window" of plan "p6" is empty: it starts and ends at the same time',
    'ordo.yaml:22:25: ORDO_UNKNOWN_PLAN plan "p7" refers to plan "zzz", which ordo.yaml does not declare (plans: p1, p10, p2, p3, p4, p5, p6, p7, p8, p9)',
    'ordo.yaml:23:7: ORDO_MISSING_KEY plan "p8" needs one of: cron, at, every, union, intersect',
    'ordo.yaml:24:28: ORDO_BAD_DATE "anchor" of plan "p9" must be an ISO time such as "2026-01-01T06:00" (local) or with an offset, got "yesterday"',
    'ordo.yaml:24:52: ORDO_BAD_VALUE "businessDay" of plan "p9" must be same, previous or a number of days (-31 ... 31), got "next"',
    'ordo.yaml:24:74: ORDO_BAD_VALUE "weekdays" of plan "p9": 8 is not a weekday (mon ... sun, or 1 ... 7)',
    'ordo.yaml:24:97: ORDO_BAD_VALUE "workingDayOfMonth" of plan "p9": 0 is not a working day of the month (1 ... 31 from the start, -1 ... -31 from the end)',
    'ordo.yaml:25:30: ORDO_BAD_DATE "valid" of plan "p10" ends (2026-04-01) before it starts (2026-05-01)',
    'ordo.yaml:25:85: ORDO_BAD_VALUE "months" of plan "p10": "Smarch" is not a month (jan ... dec, or 1 ... 12)',
    'ordo.yaml:25:94: ORDO_BAD_VALUE "match" does not apply to plan "p10", a plan with "at"',
  ]);
});

test('an .ics file that is not iCalendar, and a flow triggered by an unknown plan', async () => {
  const { lines } = await load({
    'ordo.yaml': 'calendars:\n  c:\n    holidays: { ics: [calendars/bad.ics] }\nplans:\n  p: { cron: "0 6 * * *" }\n',
    'calendars/bad.ics': 'BEGIN:VCALENDAR\nBEGIN:VEVENT\n',
    'f.yaml': 'flow: f\ntriggers: [{ plan: q }]\njobs:\n  a: { command: [echo] }\n',
  });
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^f\.yaml:2:12: ORDO_UNKNOWN_PLAN .*plans: p\)$/);
  assert.match(lines[1]!, /^ordo\.yaml:3:23: ORDO_BAD_ICS calendar "c" imports calendars\/bad\.ics: not an iCalendar file/);
});

test('a calendar file stands alone; its .ics paths are relative to it', async () => {
  const tmp = tempDir('ordo-calfile-');
  try {
    mkdirSync(join(tmp.path, 'cal'));
    writeFileSync(join(tmp.path, 'cal/extra.ics'), ICS);
    writeFileSync(join(tmp.path, 'cal/cz.yaml'), 'zone: Europe/Prague\nholidays: { fixed: ["12-24"], ics: extra.ics }\n');
    writeFileSync(join(tmp.path, 'cal/bad.yaml'), 'zone: Europe/Prague\nunion: [other]\nholidays: { easter: [500] }\n');
    const ok = await readCalendarFile(join(tmp.path, 'cal/cz.yaml'));
    assert.deepEqual(ok.diagnostics, []);
    assert.equal(ok.def!.name, 'cz');
    assert.equal(ok.def!.holidays.fixed[0]!.monthDay, '12-24');
    assert.ok(ok.def!.holidays.imported.length > 0);
    const bad = await readCalendarFile(join(tmp.path, 'cal/bad.yaml'));
    assert.equal(bad.def, undefined);
    assert.deepEqual(bad.diagnostics.map((d) => [d.code, d.at.line, d.at.column]), [['ORDO_UNKNOWN_CALENDAR', 2, 9], ['ORDO_BAD_VALUE', 3, 22]]);
  } finally {
    tmp.cleanup();
  }
});
