/**
 * The small texts of calendar and plan definitions: times of day, weekday and month names, "MM-DD".
 * Each parser returns undefined for text it does not accept; callers say where and why.
 */
import type { TimeOfDay } from './sources.js';

const TIME = /^(?:\+(\d{1,2})d\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** "18:30", "07:00:30", or "+1d 01:30" (the day after the plan day). */
export function parseTimeOfDay(text: string): TimeOfDay | undefined {
  const m = TIME.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[2]);
  const min = Number(m[3]);
  const s = Number(m[4] ?? 0);
  if (h > 23 || min > 59 || s > 59) return undefined;
  return { days: Number(m[1] ?? 0), seconds: (h * 60 + min) * 60 + s };
}

/** "06:00" or "24:00" (the end of the day), for windows: seconds of the day. */
export function parseClock(text: string): number | undefined {
  if (text.trim() === '24:00') return 86_400;
  const t = parseTimeOfDay(text);
  return t && t.days === 0 ? t.seconds : undefined;
}

export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const WEEKDAY_FULL = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const MONTH_FULL = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function named(value: string, short: readonly string[], full: readonly string[]): number | undefined {
  const v = value.trim().toLowerCase();
  const i = short.indexOf(v);
  const j = full.indexOf(v);
  return i >= 0 ? i + 1 : j >= 0 ? j + 1 : undefined;
}

/** "mon" ... "sun" (any case, or the full English name), or the ISO number 1 ... 7. */
export function parseWeekday(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= 7 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  return named(value, WEEKDAY_NAMES, WEEKDAY_FULL);
}

/** "jan" ... "dec" (any case, or the full English name), or 1 ... 12. */
export function parseMonth(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= 12 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  return named(value, MONTH_NAMES, MONTH_FULL);
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** "12-24": a day some year has (02-29 included). */
export function isMonthDay(text: string): boolean {
  const m = /^(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= MONTH_DAYS[month - 1]!;
}
