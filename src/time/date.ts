/**
 * Civil dates ("YYYY-MM-DD") without a time zone: the currency of calendars and business dates.
 *
 * A date string is compared with `<` and `===` (the format sorts like the dates it names); arithmetic goes
 * through day numbers (days since 1970-01-01), computed with Date.UTC, which knows the Gregorian calendar and
 * no time zone. Times of day inside a date are "floating" milliseconds: `floating(date, seconds)` is the
 * wall-clock reading as if the zone were UTC, which is what cron matching and windows look at.
 */

export const DAY_MS = 86_400_000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface Ymd {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

/** The parts of a valid date, or undefined (wrong shape, or a day the month does not have). */
export function parseDate(text: string): Ymd | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function isDate(text: string): boolean {
  return parseDate(text) !== undefined;
}

/** The parts of a date this module made or checked; throws on anything else (a programming error). */
export function ymd(date: string): Ymd {
  const p = parseDate(date);
  if (!p) throw new RangeError(`not a date (YYYY-MM-DD): "${date}"`);
  return p;
}

export function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Days since 1970-01-01 (negative before). */
export function dayNumber(date: string): number {
  const { year, month, day } = ymd(date);
  return Math.round(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** The date of a day number: the inverse of dayNumber, in integer arithmetic (hot in plan searches). */
export function fromDayNumber(n: number): string {
  // Count in 400-year eras of 146097 days from 0000-03-01, so that leap days fall at the end of a year.
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return formatDate(year, month, day);
}

export function addDays(date: string, days: number): string {
  return days === 0 ? date : fromDayNumber(dayNumber(date) + days);
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: string): number {
  const d = ((dayNumber(date) + 3) % 7 + 7) % 7; // 1970-01-01 was a Thursday (ISO 4)
  return d + 1;
}

export function firstOfMonth(year: number, month: number): string {
  return formatDate(year, month, 1);
}

export function lastOfMonth(year: number, month: number): string {
  return formatDate(year, month, daysInMonth(year, month));
}

/** Every date of a month, in order. */
export function datesOfMonth(year: number, month: number): string[] {
  const out: string[] = [];
  for (let d = 1, n = daysInMonth(year, month); d <= n; d++) out.push(formatDate(year, month, d));
  return out;
}

/** The wall-clock reading `seconds` after the start of `date`, as UTC milliseconds (no zone applied). */
export function floating(date: string, seconds = 0): number {
  return dayNumber(date) * DAY_MS + seconds * 1000;
}

/** The date and the second of the day of a floating reading. */
export function splitFloating(ms: number): { date: string; seconds: number } {
  const day = Math.floor(ms / DAY_MS);
  return { date: fromDayNumber(day), seconds: Math.floor((ms - day * DAY_MS) / 1000) };
}

/** "HH:MM:SS" of a second of the day (24:00:00 for the end of a day). */
export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
