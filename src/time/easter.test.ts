import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoWeekday } from './date.js';
import { easterRelative, easterSunday } from './easter.js';

/** Published dates of Western (Gregorian) Easter Sunday. */
const KNOWN: Record<number, string> = {
  1583: '04-10', 1818: '03-22', 1943: '04-25', 1954: '04-18', 1961: '04-02', 1981: '04-19', 1999: '04-04',
  2000: '04-23', 2001: '04-15', 2002: '03-31', 2003: '04-20', 2004: '04-11', 2005: '03-27', 2006: '04-16', 2007: '04-08',
  2008: '03-23', 2009: '04-12', 2010: '04-04', 2011: '04-24', 2012: '04-08', 2013: '03-31', 2014: '04-20', 2015: '04-05',
  2016: '03-27', 2017: '04-16', 2018: '04-01', 2019: '04-21', 2020: '04-12', 2021: '04-04', 2022: '04-17', 2023: '04-09',
  2024: '03-31', 2025: '04-20', 2026: '04-05', 2027: '03-28', 2028: '04-16', 2029: '04-01', 2030: '04-21', 2031: '04-13',
  2032: '03-28', 2033: '04-17', 2034: '04-09', 2035: '03-25', 2036: '04-13', 2037: '04-05', 2038: '04-25', 2039: '04-10',
  2040: '04-01', 2285: '03-22',
};

test('Easter Sunday matches the published dates', () => {
  for (const [year, md] of Object.entries(KNOWN)) assert.equal(easterSunday(Number(year)), `${year}-${md}`);
});

test('Easter is a Sunday between March 22 and April 25 in every year to 3000', () => {
  for (let y = 1583; y <= 3000; y++) {
    const e = easterSunday(y);
    assert.equal(isoWeekday(e), 7, e);
    assert.ok(e.slice(5) >= '03-22' && e.slice(5) <= '04-25', e);
  }
});

test('offsets: Good Friday, Easter Monday, Whit Monday', () => {
  assert.equal(easterRelative(2026, -2), '2026-04-03');
  assert.equal(easterRelative(2026, 1), '2026-04-06');
  assert.equal(easterRelative(2024, -2), '2024-03-29');
  assert.equal(easterRelative(2027, 50), '2027-05-17');
  assert.throws(() => easterSunday(1500), /Gregorian/);
});
