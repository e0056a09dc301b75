/**
 * The rules a plan applies on top of what yields its instants: day rules (which plan days count), the daily
 * window (which times of day count), and the business date of a fire.
 *
 * The plan day is the local date a fire belongs to: for an `at` plan the day whose time it is (a fire at
 * "+1d 01:30" belongs to the day before it happens), for cron and interval plans the local date of the fire.
 * Day rules look at the plan day; the window looks at the wall-clock time of the fire as written (before a
 * DST gap moves it); the business date is the plan day, moved by the `businessDay` rule.
 */
import type { Calendar } from './calendar.js';
import { addDays, floating, isoWeekday, ymd } from './date.js';

export interface DayRules {
  /** Only working days of the plan's calendar. */
  workingDays?: boolean;
  /** Only these working days of the month: 1 the first, -1 the last (the ultimo). */
  workingDayOfMonth?: number[];
  /** Only these ISO weekdays (1 Monday ... 7 Sunday). */
  weekdays?: number[];
  /** Only these months (1-12). */
  months?: number[];
  /** Only plan days in this period (inclusive dates). */
  valid?: { from?: string; until?: string };
  /** Not on the holidays of these calendars (blackout days). */
  exclude?: string[];
}

/** A daily window in seconds of the day: from <= t < to; when from > to it spans midnight. */
export interface DailyWindow {
  from: number;
  to: number;
}

/** How a fire's business date follows from its plan day. */
export type BusinessDayRule =
  | { kind: 'same' }
  /** The working day of the plan's calendar before the plan day (a 01:30 fire works for the day before). */
  | { kind: 'previous' }
  /** The plan day plus this many calendar days. */
  | { kind: 'offset'; days: number };

export class DayFilter {
  constructor(
    private readonly rules: DayRules,
    private readonly calendar: Calendar,
    private readonly excluded: readonly Calendar[],
    private readonly business: BusinessDayRule,
    /** Conditions on the business date, added by intersections. */
    private readonly extra: ReadonlyArray<(businessDate: string) => boolean> = [],
  ) {}

  /** A filter that also requires `pred` of the business date. */
  with(pred: (businessDate: string) => boolean): DayFilter {
    return new DayFilter(this.rules, this.calendar, this.excluded, this.business, [...this.extra, pred]);
  }

  /** The first plan day that can count (the start of the validity period). */
  get firstDay(): string | undefined {
    return this.rules.valid?.from;
  }

  /** The last plan day that can count (the end of the validity period). */
  get lastDay(): string | undefined {
    return this.rules.valid?.until;
  }

  accepts(day: string): boolean {
    const r = this.rules;
    if (r.valid?.from !== undefined && day < r.valid.from) return false;
    if (r.valid?.until !== undefined && day > r.valid.until) return false;
    if (r.months?.length && !r.months.includes(ymd(day).month)) return false;
    if (r.weekdays?.length && !r.weekdays.includes(isoWeekday(day))) return false;
    if (r.workingDays && !this.calendar.isWorkingDay(day)) return false;
    if (r.workingDayOfMonth?.length) {
      const at = this.calendar.workingDayOfMonth(day);
      if (!at || !(r.workingDayOfMonth.includes(at.fromStart) || r.workingDayOfMonth.includes(at.fromEnd))) return false;
    }
    if (this.excluded.some((c) => c.isHoliday(day))) return false;
    if (this.extra.length) {
      const bd = this.businessDate(day);
      if (!this.extra.every((p) => p(bd))) return false;
    }
    return true;
  }

  businessDate(day: string): string {
    return businessDateOf(this.business, day, this.calendar);
  }

  /** The first and last plan day whose business date is `date`, or undefined when no plan day has it. */
  planDaysOf(date: string): [string, string] | undefined {
    const b = this.business;
    switch (b.kind) {
      case 'same':
        return [date, date];
      case 'offset':
        return [addDays(date, -b.days), addDays(date, -b.days)];
      case 'previous':
        return this.calendar.isWorkingDay(date) ? [addDays(date, 1), this.calendar.nextWorkingDay(date)] : undefined;
      default: {
        const never: never = b;
        return never;
      }
    }
  }
}

export function businessDateOf(rule: BusinessDayRule, day: string, calendar: Calendar): string {
  switch (rule.kind) {
    case 'same':
      return day;
    case 'offset':
      return addDays(day, rule.days);
    case 'previous':
      return calendar.previousWorkingDay(day);
    default: {
      const never: never = rule;
      return never;
    }
  }
}

export function inWindow(w: DailyWindow, seconds: number): boolean {
  return w.from < w.to ? seconds >= w.from && seconds < w.to : seconds >= w.from || seconds < w.to;
}

/** The floating reading at which the window next opens after `seconds` of `date` (which it rejected). */
export function nextOpening(w: DailyWindow, date: string, seconds: number): number {
  if (w.from < w.to && seconds >= w.from) return floating(addDays(date, 1), w.from);
  return floating(date, w.from);
}
