import assert from 'node:assert/strict';
import { test } from 'node:test';
import { floating } from './date.js';
import { formatLocal, instantOf, isValidZone, localDateOf, offsetMinutes, parseInstant, wallOf } from './zone.js';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (date: string, hh: number, mm: number, zone: string) => iso(instantOf(floating(date, (hh * 60 + mm) * 60), zone));

test('zone names are checked', () => {
  assert.ok(isValidZone('Europe/Prague'));
  assert.ok(isValidZone('UTC'));
  assert.equal(isValidZone('Europe/Praha'), false);
  assert.equal(isValidZone('+02:00'), false);
});

test('a reading that exists once is that instant', () => {
  assert.equal(at('2026-07-01', 12, 0, 'Europe/Prague'), '2026-07-01T10:00:00.000Z');
  assert.equal(at('2026-01-15', 9, 30, 'America/New_York'), '2026-01-15T14:30:00.000Z');
  assert.equal(at('2026-06-15', 9, 0, 'Australia/Lord_Howe'), '2026-06-14T22:30:00.000Z'); // +10:30 in winter
});

test('a reading in a spring-forward gap is the end of the gap', () => {
  assert.equal(at('2026-03-29', 2, 30, 'Europe/Prague'), '2026-03-29T01:00:00.000Z'); // 03:00 CEST
  assert.equal(at('2026-03-29', 2, 0, 'Europe/Prague'), '2026-03-29T01:00:00.000Z');
  assert.equal(at('2026-03-29', 3, 0, 'Europe/Prague'), '2026-03-29T01:00:00.000Z');
  assert.equal(at('2026-03-08', 2, 30, 'America/New_York'), '2026-03-08T07:00:00.000Z'); // 03:00 EDT
  assert.equal(at('2026-10-04', 2, 15, 'Australia/Lord_Howe'), '2026-10-03T15:30:00.000Z'); // 02:30 +11:00
  assert.equal(formatLocal(instantOf(floating('2026-10-04', 8100), 'Australia/Lord_Howe'), 'Australia/Lord_Howe'), '2026-10-04T02:30:00+11:00');
});

test('a repeated reading is its first occurrence', () => {
  assert.equal(at('2026-10-25', 2, 30, 'Europe/Prague'), '2026-10-25T00:30:00.000Z'); // CEST, not CET
  assert.equal(at('2026-11-01', 1, 30, 'America/New_York'), '2026-11-01T05:30:00.000Z'); // EDT
  assert.equal(at('2026-04-05', 1, 45, 'Australia/Lord_Howe'), '2026-04-04T14:45:00.000Z'); // +11:00
  assert.equal(at('2026-04-05', 2, 0, 'Australia/Lord_Howe'), '2026-04-04T15:30:00.000Z'); // after the overlap
});

test('wall readings, local dates and offsets', () => {
  const t = Date.parse('2026-10-25T01:30:00Z'); // the second 02:30 in Prague
  assert.equal(offsetMinutes(t, 'Europe/Prague'), 60);
  assert.equal(wallOf(t, 'Europe/Prague'), floating('2026-10-25', 9000));
  assert.equal(localDateOf(Date.parse('2026-06-30T23:30:00Z'), 'Europe/Prague'), '2026-07-01');
  assert.equal(formatLocal(Date.parse('2026-01-01T00:00:00Z'), 'UTC'), '2026-01-01T00:00:00+00:00');
  assert.equal(formatLocal(Date.parse('2026-01-01T00:00:00.250Z'), 'America/New_York'), '2025-12-31T19:00:00.250-05:00');
});

test('ISO times: with an offset, or local to a zone', () => {
  assert.equal(parseInstant('2026-03-29T01:00:00+01:00', 'UTC'), Date.parse('2026-03-29T00:00:00Z'));
  assert.equal(parseInstant('2026-03-29T01:00Z', 'Europe/Prague'), Date.parse('2026-03-29T01:00:00Z'));
  assert.equal(parseInstant('2026-03-29T02:30', 'Europe/Prague'), Date.parse('2026-03-29T01:00:00Z'));
  assert.equal(parseInstant('2026-03-29', 'Europe/Prague'), Date.parse('2026-03-28T23:00:00Z'));
  assert.equal(parseInstant('2026-02-30', 'UTC'), undefined);
  assert.equal(parseInstant('tomorrow', 'UTC'), undefined);
  assert.equal(parseInstant('2026-01-01T24:00', 'UTC'), undefined);
});
