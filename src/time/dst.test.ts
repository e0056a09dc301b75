/**
 * Daylight saving in Europe/Prague, America/New_York and Australia/Lord_Howe (a 30-minute shift), for
 * time-of-day, cron and interval plans. The rules (docs/time.md):
 * - a local time that does not exist fires once, at the first valid instant after it (the end of the gap);
 * - a local time that occurs twice fires once, at its first occurrence;
 * - an interval plan keeps real elapsed time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cron } from 'croner';
import { addDays, floating } from './date.js';
import { cronPlan, type ExecutionPlan } from './plan.js';
import { fires, hm, plans } from './testdata/calendars.js';
import { instantOf } from './zone.js';

interface Zone {
  zone: string;
  /** The day clocks go forward, a time in the gap, and the local time of the gap's end. */
  spring: { day: string; inGap: string; gapEnd: string; hours: number };
  /** The day clocks go back, a time that occurs twice, and its two offsets. */
  fall: { day: string; twice: string; first: string; second: string; hours: number };
}

const ZONES: Zone[] = [
  { zone: 'Europe/Prague', spring: { day: '2026-03-29', inGap: '02:30', gapEnd: '03:00:00+02:00', hours: 23 }, fall: { day: '2026-10-25', twice: '02:30', first: '+02:00', second: '+01:00', hours: 25 } },
  { zone: 'America/New_York', spring: { day: '2026-03-08', inGap: '02:30', gapEnd: '03:00:00-04:00', hours: 23 }, fall: { day: '2026-11-01', twice: '01:30', first: '-04:00', second: '-05:00', hours: 25 } },
  { zone: 'Australia/Lord_Howe', spring: { day: '2026-10-04', inGap: '02:15', gapEnd: '02:30:00+11:00', hours: 23.5 }, fall: { day: '2026-04-05', twice: '01:45', first: '+11:00', second: '+10:30', hours: 24.5 } },
];

const locals = (list: string[]) => list.map((l) => l.split(' ')[0]!);
const dayStart = (day: string, zone: string) => instantOf(floating(day), zone);
const onDay = (p: ExecutionPlan, day: string, zone: string) => p.between(dayStart(day, zone), dayStart(nextDay(day), zone) - 1, 10_000);
const nextDay = (day: string) => addDays(day, 1);
const previousDay = (day: string) => addDays(day, -1);
const atPlan = (zone: string, time: string) => plans([{ name: 'p', rule: { kind: 'at', times: [hm(time)] }, zone }]).get('p')!;
const cronOf = (time: string) => { const [h, m] = time.split(':'); return `${Number(m)} ${Number(h)} * * *`; };

for (const z of ZONES) {
  test(`${z.zone}: a time in the spring gap fires once, at the end of the gap (time of day and cron)`, () => {
    for (const plan of [atPlan(z.zone, z.spring.inGap), cronPlan(cronOf(z.spring.inGap), z.zone)]) {
      const before = previousDay(z.spring.day);
      assert.deepEqual(locals(fires(plan, new Date(dayStart(before, z.zone)).toISOString(), 3)), [
        `${before}T${z.spring.inGap}:00${z.fall.second}`, // the day before is in standard time, as after autumn
        `${z.spring.day}T${z.spring.gapEnd}`,
        `${nextDay(z.spring.day)}T${z.spring.inGap}:00${z.fall.first}`,
      ]);
      assert.equal(onDay(plan, z.spring.day, z.zone).length, 1);
    }
  });

  test(`${z.zone}: a time that occurs twice fires once, at its first occurrence (time of day and cron)`, () => {
    for (const plan of [atPlan(z.zone, z.fall.twice), cronPlan(cronOf(z.fall.twice), z.zone)]) {
      const list = onDay(plan, z.fall.day, z.zone);
      assert.deepEqual(list.map((f) => f.local), [`${z.fall.day}T${z.fall.twice}:00${z.fall.first}`]);
      assert.deepEqual(locals(fires(plan, new Date(list[0]!.at).toISOString(), 1)), [`${nextDay(z.fall.day)}T${z.fall.twice}:00${z.fall.second}`]);
    }
  });

  test(`${z.zone}: a cron interval skips nothing real and doubles nothing across both changes`, () => {
    const q = cronPlan('*/15 * * * *', z.zone);
    for (const day of [z.spring.day, z.fall.day]) {
      const list = onDay(q, day, z.zone);
      const readings = list.map((f) => f.local.slice(11, 16));
      assert.equal(new Set(readings).size, readings.length, 'each local reading fires once');
      for (let i = 1; i < list.length; i++) assert.ok(list[i]!.at > list[i - 1]!.at);
    }
    // Spring: the readings in the gap all map to its end, which fires once.
    const spring = onDay(q, z.spring.day, z.zone).map((f) => f.local);
    assert.ok(spring.includes(`${z.spring.day}T${z.spring.gapEnd}`));
    assert.equal(spring.length, z.spring.hours * 4);
    // Fall: the repeated readings fire in the first pass only, so a day of 25 hours has 96 fires.
    const fall = onDay(q, z.fall.day, z.zone);
    assert.equal(fall.length, 96);
    assert.equal(fall.filter((f) => f.local.endsWith(z.fall.second) && f.local.slice(11, 16) === z.fall.twice).length, 0);
  });

  test(`${z.zone}: an interval plan keeps real elapsed time`, () => {
    const every = plans([{ name: 'e', rule: { kind: 'every', everyMs: 15 * 60_000 }, zone: z.zone }]).get('e')!;
    for (const [day, hours] of [[z.spring.day, z.spring.hours], [z.fall.day, z.fall.hours]] as const) {
      const list = onDay(every, day, z.zone);
      assert.equal(list.length, hours * 4, `${day} has ${hours} hours`);
      for (let i = 1; i < list.length; i++) assert.equal(list[i]!.at - list[i - 1]!.at, 15 * 60_000);
    }
    const twice = every.between(dayStart(z.fall.day, z.zone), dayStart(nextDay(z.fall.day), z.zone)).filter((f) => f.local.slice(11, 16) === z.fall.twice);
    assert.deepEqual(twice.map((f) => f.local.slice(19)), [z.fall.first, z.fall.second], 'the repeated reading fires in both passes');
  });
}

test('an hourly cron fires at the end of the gap for the hour that does not exist', () => {
  assert.deepEqual(locals(fires(cronPlan('30 * * * *', 'Europe/Prague'), '2026-03-28T23:45:00Z', 4)), [
    '2026-03-29T01:30:00+01:00', '2026-03-29T03:00:00+02:00', '2026-03-29T03:30:00+02:00', '2026-03-29T04:30:00+02:00',
  ]);
  assert.deepEqual(locals(fires(cronPlan('15 * * * *', 'Australia/Lord_Howe'), '2026-10-03T14:00:00Z', 3)), [
    '2026-10-04T01:15:00+10:30', '2026-10-04T02:30:00+11:00', '2026-10-04T03:15:00+11:00',
  ]);
  assert.deepEqual(locals(fires(cronPlan('0,30 1 * * *', 'America/New_York'), '2026-11-01T04:00:00Z', 3)), [
    '2026-11-01T01:00:00-04:00', '2026-11-01T01:30:00-04:00', '2026-11-02T01:00:00-05:00',
  ]);
});

test('a plan started inside the repeated hour does not fire its first pass again', () => {
  const p = cronPlan('*/15 * * * *', 'Europe/Prague');
  // 02:20 CET, the second pass: 02:30 and 02:45 were fired in the first pass, the next is 03:00 CET.
  assert.deepEqual(locals(fires(p, '2026-10-25T01:20:00Z', 2)), ['2026-10-25T03:00:00+01:00', '2026-10-25T03:15:00+01:00']);
  const at = atPlan('Europe/Prague', '02:30');
  assert.deepEqual(locals(fires(at, '2026-10-25T01:00:00Z', 1)), ['2026-10-26T02:30:00+01:00']);
});

test('"+1d" times and business dates across a change', () => {
  const night = plans([{ name: 'n', rule: { kind: 'at', times: [hm('02:30', 1)] }, zone: 'Europe/Prague' }]).get('n')!;
  assert.deepEqual(fires(night, '2026-03-28T02:00:00Z', 2), ['2026-03-29T03:00:00+02:00 2026-03-28', '2026-03-30T02:30:00+02:00 2026-03-29']);
});

test("croner's own DST rule, which cron plans do not use (docs/time.md)", () => {
  const run = (expr: string, from: string, n: number) => {
    const c = new Cron(expr, { timezone: 'Europe/Prague' });
    const out: string[] = [];
    let d: Date | null = new Date(from);
    for (let i = 0; i < n && d; i++) {
      d = c.nextRun(d);
      if (d) out.push(d.toISOString().slice(11, 16));
    }
    return out;
  };
  // A single time of day: the same as Ordo (first valid instant after a gap, first occurrence when repeated).
  assert.deepEqual(run('30 2 * * *', '2026-03-28T12:00:00Z', 1), ['01:00']);
  assert.deepEqual(run('30 2 * * *', '2026-10-24T12:00:00Z', 1), ['00:30']);
  // Any other pattern: croner skips times in a gap and fires repeated times twice. Ordo does neither.
  assert.deepEqual(run('30 * * * *', '2026-03-29T00:00:00Z', 2), ['00:30', '01:30']);
  assert.deepEqual(locals(fires(cronPlan('30 * * * *', 'Europe/Prague'), '2026-03-29T00:00:00Z', 2)).map((l) => l.slice(11)), ['01:30:00+01:00', '03:00:00+02:00']);
  assert.deepEqual(run('*/30 * * * *', '2026-10-24T23:45:00Z', 5), ['00:00', '00:30', '01:00', '01:30', '02:00']);
  assert.deepEqual(cronPlan('*/30 * * * *', 'Europe/Prague').between(Date.parse('2026-10-24T23:45:00Z'), Date.parse('2026-10-25T02:00:00Z')).map((f) => new Date(f.at).toISOString().slice(11, 16)), ['00:00', '00:30', '02:00']);
});
