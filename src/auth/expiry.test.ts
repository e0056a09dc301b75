import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExpiry } from './expiry.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');

test('expiry: durations from now and ISO dates (UTC unless a zone is given)', () => {
  assert.equal(parseExpiry('90m', NOW), NOW + 90 * 60_000);
  assert.equal(parseExpiry('12h', NOW), NOW + 12 * 3_600_000);
  assert.equal(parseExpiry('30d', NOW), NOW + 30 * 86_400_000);
  assert.equal(parseExpiry('2027-01-31', NOW), Date.parse('2027-01-31T00:00:00Z'));
  assert.equal(parseExpiry('2027-01-31T18:00', NOW), Date.parse('2027-01-31T18:00:00Z'));
  assert.equal(parseExpiry('2027-01-31T18:00:00+02:00', NOW), Date.parse('2027-01-31T16:00:00Z'));
});

test('expiry: nonsense, the past and the far future are refused', () => {
  for (const bad of ['30', '30y', 'tomorrow', '2027-13-01', '2027-01-31 18:00', '', '-5d', '2026-12-04', '0m', '5000d']) {
    assert.throws(() => parseExpiry(bad, NOW), /ORDO_BAD_ARGUMENT|expects|future|10 years/, bad);
  }
});
