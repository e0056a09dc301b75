import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeResult, runCli, writeFiles } from '../../../test/support/cli.js';
import { tempDir } from '../../../test/support/tmp.js';

const tmp = tempDir('ordo-time-cli-');
after(() => tmp.cleanup());
const dir = tmp.path;
writeFiles(dir, {
  'ordo.yaml': `calendars:
  cz-banking:
    zone: Europe/Prague
    holidays:
      fixed: { "01-01": New Year, "05-01": Labour Day, "05-08": Liberation Day, "07-05": Cyril and Methodius, "07-06": Jan Hus,
               "09-28": Statehood Day, "10-28": Independence Day, "11-17": Freedom Day, "12-24": Christmas Eve,
               "12-25": Christmas Day, "12-26": St Stephen }
      easter: [-2, 1]
plans:
  ultimo: { calendar: cz-banking, workingDayOfMonth: -1, at: "20:00" }
  eod: { calendar: cz-banking, workingDays: true, at: "18:30" }
`,
  'nightly.yaml': 'flow: nightly\ntriggers:\n  - plan: ultimo\n  - cron: "0 6 * * 1"\n    zone: Europe/Prague\njobs:\n  a: { command: [echo] }\n',
  'manual.yaml': 'flow: manual\njobs:\n  a: { command: [echo] }\n',
  'standalone/cz.yaml': 'zone: Europe/Prague\nholidays: { fixed: ["01-01", "12-24", "12-25", "12-26"], easter: [-2, 1] }\n',
});

async function ordo(...args: string[]) {
  const r = await runCli(args);
  return { ...r, why: describeResult(args, r) };
}

test('calendar show --json lists working and non-working days with the reason', async () => {
  const r = await ordo('calendar', 'show', 'cz-banking', '--year', '2027', '--dir', dir, '--json');
  assert.equal(r.code, 0, r.why);
  const out = JSON.parse(r.stdout) as { zone: string; workingDays: string[]; nonWorkingDays: Array<{ date: string; reason: string; name?: string }> };
  assert.equal(out.zone, 'Europe/Prague');
  assert.equal(out.workingDays.length + out.nonWorkingDays.length, 365);
  assert.equal(out.workingDays.length, 252); // 261 weekdays, 9 of them holidays
  assert.deepEqual(out.nonWorkingDays.find((d) => d.date === '2027-03-26'), { date: '2027-03-26', reason: 'holiday', name: 'Good Friday' });
  assert.deepEqual(out.nonWorkingDays.find((d) => d.date === '2027-03-27'), { date: '2027-03-27', reason: 'weekend' });
});

test('calendar show prints a month grid and the holidays', async () => {
  const r = await ordo('calendar', 'show', 'cz-banking', '--year', '2027', '--dir', dir);
  assert.equal(r.code, 0, r.why);
  assert.match(r.stdout, /March 2027/);
  assert.match(r.stdout, / 22 {2}23 {2}24 {2}25 {2}26\* 27\. 28\./, 'Good Friday is starred, the weekend dotted');
  assert.match(r.stdout, /2027-03-29 {2}Mon {2}Easter Monday/);
  const file = await ordo('calendar', 'show', `${dir}/standalone/cz.yaml`, '--year', '2027', '--json');
  assert.equal(file.code, 0, file.why);
  assert.equal((JSON.parse(file.stdout) as { calendar: string }).calendar, 'cz');
});

test('plan next: a plan of the project, as JSON', async () => {
  const r = await ordo('plan', 'next', 'ultimo', '-n', '3', '--from', '2026-01-01', '--dir', dir, '--json');
  assert.equal(r.code, 0, r.why);
  assert.deepEqual(JSON.parse(r.stdout), [
    { at: '2026-01-30T20:00:00+01:00', businessDate: '2026-01-30' },
    { at: '2026-02-27T20:00:00+01:00', businessDate: '2026-02-27' },
    { at: '2026-03-31T20:00:00+02:00', businessDate: '2026-03-31' },
  ]);
  const text = await ordo('plan', 'next', 'eod', '-n', '2', '--from', '2026-04-02T19:00+02:00', '--dir', dir);
  assert.equal(text.code, 0, text.why);
  assert.match(text.stdout, /2026-04-07T18:30:00\+02:00 {2}Tue {2}2026-04-07 {5}2026-04-07T16:30:00Z/);
});

test("plan next: a flow's plan and cron triggers together", async () => {
  const r = await ordo('plan', 'next', 'nightly', '-n', '3', '--from', '2026-01-28T00:00:00Z', '--dir', dir, '--json');
  assert.equal(r.code, 0, r.why);
  assert.deepEqual((JSON.parse(r.stdout) as Array<{ at: string }>).map((f) => f.at), [
    '2026-01-30T20:00:00+01:00', '2026-02-02T06:00:00+01:00', '2026-02-09T06:00:00+01:00',
  ]);
  const none = await ordo('plan', 'next', 'manual', '--dir', dir);
  assert.equal(none.code, 3, none.why);
  assert.match(none.stderr, /ORDO_NOT_FOUND flow "manual" has no plan/);
});

test('plan next without a project: --cron --tz, and --calendar --at --working-day', async () => {
  const cron = await ordo('plan', 'next', '--cron', '30 2 * * *', '--tz', 'Europe/Prague', '--from', '2026-03-28T12:00:00Z', '-n', '2', '--json');
  assert.equal(cron.code, 0, cron.why);
  assert.deepEqual(JSON.parse(cron.stdout), [
    { at: '2026-03-29T03:00:00+02:00', businessDate: '2026-03-29' },
    { at: '2026-03-30T02:30:00+02:00', businessDate: '2026-03-30' },
  ]);
  const cal = await ordo('plan', 'next', '--calendar', `${dir}/standalone/cz.yaml`, '--at', '20:00', '--working-day', '-1', '--from', '2027-03-01', '-n', '1', '--json');
  assert.equal(cal.code, 0, cal.why);
  assert.deepEqual(JSON.parse(cal.stdout), [{ at: '2027-03-31T20:00:00+02:00', businessDate: '2027-03-31' }]);
});

test('bad input says what is wrong', async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['plan', 'next', 'nope', '--dir', dir], 3, /ORDO_NOT_FOUND "nope" is neither a plan nor a flow .*plans: eod, ultimo; flows: manual, nightly/],
    [['plan', 'next', '--cron', '61 * * * *'], 2, /ORDO_BAD_ARGUMENT --cron "61 \* \* \* \*" is not a cron expression of 5 or 6 fields: Invalid value for minute: 61/],
    [['plan', 'next', '--cron', '* * * * *', '--tz', 'Mars/Olympus'], 2, /ORDO_BAD_ARGUMENT --tz must be an IANA time zone/],
    [['plan', 'next', 'eod', '--from', 'yesterday', '--dir', dir], 2, /ORDO_BAD_ARGUMENT --from must be an ISO time/],
    [['plan', 'next', 'eod', '--cron', '* * * * *', '--dir', dir], 2, /ORDO_BAD_ARGUMENT give a plan or flow name, or --cron/],
    [['calendar', 'show', 'nope', '--dir', dir], 3, /ORDO_NOT_FOUND calendar "nope" is not declared in ordo.yaml \(calendars: cz-banking\)/],
    [['calendar', 'show', 'cz-banking', '--year', '99', '--dir', dir], 2, /ORDO_BAD_ARGUMENT --year must be a year/],
  ];
  for (const [args, code, message] of cases) {
    const r = await ordo(...args);
    assert.equal(r.code, code, r.why);
    assert.match(r.stderr, message, r.why);
  }
});
