/**
 * Easter Sunday of the Gregorian calendar (the Western churches' date), which fixes the movable holidays of
 * many banking calendars: Good Friday (-2), Easter Monday (+1), Ascension (+39), Whit Monday (+50),
 * Corpus Christi (+60).
 */
import { addDays, formatDate } from './date.js';

/**
 * The computus as published by Meeus (the "anonymous Gregorian algorithm"): integer arithmetic only, valid
 * for every Gregorian year. Tested against the published dates of many years.
 */
export function easterSunday(year: number): string {
  if (!Number.isInteger(year) || year < 1583) throw new RangeError(`Easter is computed for Gregorian years (1583 and later), got ${year}`);
  const a = year % 19; // position in the 19-year lunar (Metonic) cycle
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3); // the lunar correction
  const h = (19 * a + b - d - g + 15) % 30; // days from March 21 to the paschal full moon (epact)
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7; // days from the full moon to the next Sunday
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const n = h + l - 7 * m + 114;
  return formatDate(year, Math.floor(n / 31), (n % 31) + 1);
}

/** The date `offset` days from Easter Sunday of `year` (-2 Good Friday, +1 Easter Monday). */
export function easterRelative(year: number, offset: number): string {
  return addDays(easterSunday(year), offset);
}
