/**
 * Dependency (dev only): cron-parser, a second cron implementation written independently of croner (its own
 * parser, and luxon for zones), so that agreement between the two means something.
 *
 * Croner (through Ordo's cron plans) against cron-parser on random 5-field
 * expressions in random zones over 2026: both must give the same next-fire sequences, except within three
 * hours of a DST change, where Ordo's documented rule differs from cron-parser's on purpose (docs/time.md).
 *
 * Differences found and kept out of the comparison: cron-parser refuses an expression that repeats a value
 * ("5,5"), croner accepts it; in a DST gap cron-parser moves a fixed time by the length of the gap (02:30 ->
 * 03:30) or skips the day (Lord Howe), and it fires interval times twice when clocks go back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CronExpressionParser } from 'cron-parser';
import { cronPlan } from './plan.js';
import { offsetMinutes } from './zone.js';

const ZONES = [
  'UTC', 'Europe/Prague', 'America/New_York', 'Australia/Lord_Howe', 'Australia/Sydney', 'America/Santiago', 'Asia/Kolkata',
  'Asia/Kathmandu', 'Pacific/Chatham', 'America/Havana', 'Asia/Beirut', 'Europe/London', 'America/Los_Angeles',
];
const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_END = Date.UTC(2027, 0, 1);
const HOUR = 3_600_000;

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

function expressions(count: number, rnd: () => number): string[] {
  const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
  const field = (min: number, max: number, names: string[] = []) => {
    const a = int(min, max);
    const b = int(a, max);
    const k = int(2, Math.max(2, Math.floor((max - min) / 2)));
    const choices = [
      '*', `*/${k}`, `${a}`, `${a}-${b}`, `${a}-${b}/${k}`, [...new Set([a, int(min, max), int(min, max)])].join(','), ...names,
    ];
    return choices[int(0, choices.length - 1)]!;
  };
  const out: string[] = [];
  while (out.length < count) {
    out.push([
      field(0, 59), field(0, 23), rnd() < 0.6 ? '*' : field(1, 28), rnd() < 0.6 ? '*' : field(1, 12, ['jan', 'mar-oct', 'jun,dec']),
      rnd() < 0.6 ? '*' : field(0, 6, ['mon-fri', 'sat,sun', '7']),
    ].join(' '));
  }
  return out;
}

function transitions(zone: string): number[] {
  const out: number[] = [];
  let prev = offsetMinutes(YEAR_START - 86_400_000, zone);
  for (let t = YEAR_START - 86_400_000; t < YEAR_END + 400 * 86_400_000; t += HOUR / 4) {
    const o = offsetMinutes(t, zone);
    if (o !== prev) out.push(t);
    prev = o;
  }
  return out;
}

test('croner and cron-parser agree on 300 random expressions in 13 zones, away from DST changes', () => {
  const rnd = random(20_261_123);
  const changes = new Map(ZONES.map((z) => [z, transitions(z)]));
  let compared = 0;
  let expressionsCompared = 0;
  const refused: string[] = [];
  for (const expr of expressions(300, rnd)) {
    const zone = ZONES[Math.floor(rnd() * ZONES.length)]!;
    const near = (t: number) => changes.get(zone)!.some((c) => Math.abs(c - t) < 3 * HOUR);
    const ours = cronPlan(expr, zone);
    try {
      CronExpressionParser.parse(expr, { tz: zone });
    } catch {
      refused.push(expr);
      continue;
    }
    expressionsCompared++;
    for (let s = 0; s < 2; s++) {
      const start = YEAR_START + Math.floor(rnd() * (YEAR_END - YEAR_START));
      const a: number[] = [];
      for (let t = start, f = ours.next(t); f && a.length < 30; t = f.at, f = ours.next(t)) a.push(f.at);
      const it = CronExpressionParser.parse(expr, { currentDate: new Date(start), endDate: new Date(start + 366 * 86_400_000), tz: zone });
      const b: number[] = [];
      try {
        while (b.length < 30) b.push(it.next().getTime());
      } catch {
        // past endDate: cron-parser ends an iteration by throwing
      }
      const end = Math.min(a.at(-1) ?? start, b.at(-1) ?? start);
      const keep = (list: number[]) => list.filter((t) => t <= end && !near(t));
      const [ka, kb] = [keep(a), keep(b)];
      assert.deepEqual(ka.map((t) => new Date(t).toISOString()), kb.map((t) => new Date(t).toISOString()), `${expr} in ${zone} from ${new Date(start).toISOString()}`);
      compared += ka.length;
    }
  }
  // The generator writes no repeated value (see the next test), so cron-parser must accept every expression.
  assert.deepEqual(refused, []);
  assert.equal(expressionsCompared, 300);
  assert.ok(compared > 10_000, `${compared} fires compared`);
});

test('the one difference away from DST changes: cron-parser refuses a repeated value, croner accepts it', () => {
  assert.throws(() => CronExpressionParser.parse('5,5 * * * *'), /duplicate values/);
  assert.deepEqual(cronPlan('5,5 * * * *', 'UTC').between(0, 2 * HOUR).map((f) => f.local), ['1970-01-01T00:05:00+00:00', '1970-01-01T01:05:00+00:00']);
});
