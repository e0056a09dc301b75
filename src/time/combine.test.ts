import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanDef } from './plan.js';
import { buildPlans } from './registry.js';
import { calendar, CZ_BANKING, fires, hm, plans } from './testdata/calendars.js';

const DEFS: PlanDef[] = [
  { name: 'eod', rule: { kind: 'at', times: [hm('18:30')] }, calendar: 'cz-banking', days: { workingDays: true } },
  { name: 'ultimo', rule: { kind: 'at', times: [hm('20:00')] }, calendar: 'cz-banking', days: { workingDayOfMonth: [-1] } },
  { name: 'hourly', rule: { kind: 'cron', cron: '30 * * * *' }, zone: 'Europe/Prague' },
  { name: 'ny-open', rule: { kind: 'cron', cron: '30 9 * * 1-5' }, zone: 'America/New_York' },
  { name: 'both', rule: { kind: 'union', plans: ['eod', 'ultimo'] } },
  { name: 'eod-on-ultimo', rule: { kind: 'intersect', plans: ['eod', 'ultimo'], match: 'day' } },
  { name: 'hourly-at-eod', rule: { kind: 'intersect', plans: ['hourly', 'eod'], match: 'instant' } },
  { name: 'both-on-ultimo', rule: { kind: 'intersect', plans: ['both', 'ultimo'], match: 'day' } },
  { name: 'twice', rule: { kind: 'union', plans: ['eod', 'eod'] } },
  { name: 'zones', rule: { kind: 'union', plans: ['ny-open', 'eod'] } },
];
const all = () => plans(DEFS, CZ_BANKING);
const locals = (l: string[]) => l.map((x) => x.split(' ')[0]);

test('union: every fire of every member, in time order, one per instant', () => {
  const p = all();
  assert.deepEqual(locals(fires(p.get('both')!, '2026-01-29T00:00:00Z', 4)), [
    '2026-01-29T18:30:00+01:00', '2026-01-30T18:30:00+01:00', '2026-01-30T20:00:00+01:00', '2026-02-02T18:30:00+01:00',
  ]);
  const twice = fires(p.get('twice')!, '2026-01-29T00:00:00Z', 2);
  assert.deepEqual(locals(twice), ['2026-01-29T18:30:00+01:00', '2026-01-30T18:30:00+01:00']);
  assert.deepEqual(locals(fires(p.get('zones')!, '2026-01-30T12:00:00Z', 3)), [
    '2026-01-30T09:30:00-05:00', '2026-01-30T18:30:00+01:00', '2026-02-02T09:30:00-05:00',
  ], 'members keep their zones');
});

test('intersection by day: fires of the first plan on business dates of the others', () => {
  const p = all().get('eod-on-ultimo')!;
  assert.deepEqual(fires(p, '2026-01-01T00:00:00Z', 4), [
    '2026-01-30T18:30:00+01:00 2026-01-30', '2026-02-27T18:30:00+01:00 2026-02-27', '2026-03-31T18:30:00+02:00 2026-03-31',
    '2026-04-30T18:30:00+02:00 2026-04-30',
  ]);
  assert.deepEqual(locals(fires(all().get('both-on-ultimo')!, '2026-01-01T00:00:00Z', 3)), [
    '2026-01-30T18:30:00+01:00', '2026-01-30T20:00:00+01:00', '2026-02-27T18:30:00+01:00',
  ]);
  assert.equal(p.hasBusinessDate('2026-01-30'), true);
  assert.equal(p.hasBusinessDate('2026-01-29'), false);
});

test('intersection by instant: where every member fires at the same instant', () => {
  const none = all().get('hourly-at-eod')!;
  assert.deepEqual(locals(fires(none, '2026-01-29T00:00:00Z', 2)), ['2026-01-29T18:30:00+01:00', '2026-01-30T18:30:00+01:00']);
  const p = plans([
    { name: 'a', rule: { kind: 'cron', cron: '0 */6 * * *' }, zone: 'UTC' },
    { name: 'b', rule: { kind: 'cron', cron: '0 */4 * * *' }, zone: 'UTC' },
    { name: 'ab', rule: { kind: 'intersect', plans: ['a', 'b'], match: 'instant' } },
    { name: 'never', rule: { kind: 'intersect', plans: ['a', 'c'], match: 'instant' } },
    { name: 'c', rule: { kind: 'cron', cron: '30 * * * *' }, zone: 'UTC' },
  ]);
  assert.deepEqual(locals(fires(p.get('ab')!, '2026-01-01T00:00:00Z', 3)), ['2026-01-01T12:00:00+00:00', '2026-01-02T00:00:00+00:00', '2026-01-02T12:00:00+00:00']);
  assert.equal(p.get('never')!.next(0), undefined);
});

test('plans that name unknown plans or calendars, or each other in a cycle, are issues', () => {
  const cals = calendar(CZ_BANKING).calendars;
  const { plans: built, errors } = buildPlans([
    { name: 'a', rule: { kind: 'union', plans: ['b'] } },
    { name: 'b', rule: { kind: 'intersect', plans: ['c', 'a'], match: 'day' } },
    { name: 'c', rule: { kind: 'cron', cron: '0 * * * *' } },
    { name: 'd', rule: { kind: 'union', plans: ['nope'] } },
    { name: 'e', rule: { kind: 'at', times: [hm('06:00')] }, calendar: 'missing' },
    { name: 'f', rule: { kind: 'cron', cron: '0 * * * *' }, days: { exclude: ['cz-banking', 'blackout'] } },
    { name: 'g', rule: { kind: 'union', plans: ['e'] } },
  ], cals);
  assert.deepEqual([...built.keys()].sort(), ['c']);
  assert.deepEqual(errors.map((e) => [e.name, e.code, e.ref]), [
    ['e', 'unknown-calendar', 'missing'], ['f', 'unknown-calendar', 'blackout'], ['a', 'cycle', undefined], ['d', 'unknown-plan', 'nope'],
  ]);
});
