/**
 * Calendars (seed 004: "a calendar defines a list of holidays and a time zone"): which dates are working
 * days. A calendar is a working week (ISO weekdays) and a set of holidays; a date is a working day when its
 * weekday is in the working week and it is not a holiday.
 *
 * Holidays come from explicit dates, yearly fixed dates (MM-DD), offsets from Easter Sunday, imported
 * iCalendar events, and other calendars: `union` adds every holiday of the named calendars, `subtract`
 * then removes every holiday of the named ones. Holidays are worked out per year, on demand, and cached.
 */
import { addDays, datesOfMonth, daysInMonth, formatDate, isoWeekday, ymd } from './date.js';
import { easterRelative } from './easter.js';

/** A date with an optional name ("2026-12-31", "Bank closing day"). */
export interface NamedDate {
  date: string;
  name?: string;
}

/** The validated definition of a calendar (the loader's output, see defs/time.ts). */
export interface CalendarDef {
  name: string;
  /** IANA zone; absent: the zone of the first `union` calendar, else UTC. */
  zone?: string;
  /** ISO weekdays (1 Monday ... 7 Sunday); absent: the weekdays every `union` calendar works, else Mon-Fri. */
  workingWeek?: number[];
  holidays: {
    dates: NamedDate[];
    /** Every year on this month and day ("MM-DD"; "02-29" only in leap years). */
    fixed: Array<{ monthDay: string; name?: string }>;
    /** Every year this many days from Easter Sunday (Gregorian): -2 Good Friday, 1 Easter Monday. */
    easter: Array<{ offset: number; name?: string }>;
    /** Events of imported .ics files, one entry per day they cover. */
    imported: NamedDate[];
  };
  union: string[];
  subtract: string[];
  description?: string;
}

export const MON_FRI: readonly number[] = [1, 2, 3, 4, 5];

const EASTER_NAMES: Record<number, string> = {
  [-47]: 'Shrove Tuesday', [-46]: 'Ash Wednesday', [-3]: 'Maundy Thursday', [-2]: 'Good Friday', [-1]: 'Holy Saturday',
  0: 'Easter Sunday', 1: 'Easter Monday', 39: 'Ascension Day', 49: 'Whit Sunday', 50: 'Whit Monday', 60: 'Corpus Christi',
};

export function easterName(offset: number): string {
  return EASTER_NAMES[offset] ?? `Easter ${offset < 0 ? '' : '+'}${offset}`;
}

/** How far the search for a working day goes before it decides the calendar has none (ten years). */
const SEARCH_DAYS = 3660;

export class Calendar {
  readonly name: string;
  readonly zone: string;
  /** ISO weekdays, ascending. */
  readonly workingWeek: readonly number[];
  private readonly week: ReadonlySet<number>;
  private readonly byYear = new Map<number, Map<string, string>>();
  private readonly explicit = new Map<number, Map<string, string>>();
  private readonly months = new Map<string, string[]>();

  constructor(
    readonly def: CalendarDef,
    private readonly union: readonly Calendar[] = [],
    private readonly subtract: readonly Calendar[] = [],
  ) {
    this.name = def.name;
    this.zone = def.zone ?? union[0]?.zone ?? 'UTC';
    const week = def.workingWeek ?? (union.length ? [1, 2, 3, 4, 5, 6, 7].filter((d) => union.every((c) => c.week.has(d))) : MON_FRI);
    this.workingWeek = [...new Set(week)].sort((a, b) => a - b);
    this.week = new Set(this.workingWeek);
    // Explicit and imported dates are indexed by year once, so a year's holidays are built without a scan.
    for (const h of [...def.holidays.dates, ...def.holidays.imported]) {
      const year = ymd(h.date).year;
      let m = this.explicit.get(year);
      if (!m) this.explicit.set(year, (m = new Map()));
      if (!m.has(h.date)) m.set(h.date, h.name ?? 'holiday');
    }
  }

  /** The holidays of a year: date -> name, the calendar's own first, then those of `union` calendars. */
  holidaysOf(year: number): ReadonlyMap<string, string> {
    let map = this.byYear.get(year);
    if (map) return map;
    map = new Map(this.explicit.get(year) ?? []);
    for (const f of this.def.holidays.fixed) {
      const [mm, dd] = f.monthDay.split('-').map(Number) as [number, number];
      if (dd > daysInMonth(year, mm)) continue; // 02-29 outside leap years
      const date = formatDate(year, mm, dd);
      if (!map.has(date)) map.set(date, f.name ?? 'holiday');
    }
    for (const e of this.def.holidays.easter) {
      // Large offsets move a holiday into another year: it belongs to the year it falls in.
      for (const y of [year, year - 1, year + 1]) {
        const date = easterRelative(y, e.offset);
        if (ymd(date).year === year && !map.has(date)) map.set(date, e.name ?? easterName(e.offset));
      }
    }
    for (const c of this.union) for (const [d, n] of c.holidaysOf(year)) if (!map.has(d)) map.set(d, n);
    for (const c of this.subtract) for (const d of c.holidaysOf(year).keys()) map.delete(d);
    map = new Map([...map].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    this.byYear.set(year, map);
    return map;
  }

  /** The holidays of a year, in date order. */
  holidays(year: number): NamedDate[] {
    return [...this.holidaysOf(year)].map(([date, name]) => ({ date, name }));
  }

  isHoliday(date: string): boolean {
    return this.holidaysOf(ymd(date).year).has(date);
  }

  holidayName(date: string): string | undefined {
    return this.holidaysOf(ymd(date).year).get(date);
  }

  /** Whether the weekday of the date is in the working week (holidays aside). */
  isWorkingWeekday(date: string): boolean {
    return this.week.has(isoWeekday(date));
  }

  isWorkingDay(date: string): boolean {
    return this.week.has(isoWeekday(date)) && !this.isHoliday(date);
  }

  /** The working days of a month (1-12), in order. */
  workingDaysOfMonth(year: number, month: number): readonly string[] {
    const key = `${year}-${month}`;
    let days = this.months.get(key);
    if (!days) {
      days = datesOfMonth(year, month).filter((d) => this.isWorkingDay(d));
      if (this.months.size > 600) this.months.clear();
      this.months.set(key, days);
    }
    return days;
  }

  /** The n-th working day of a month: 1 the first, -1 the last (the ultimo); undefined if it has fewer. */
  nthWorkingDayOfMonth(year: number, month: number, n: number): string | undefined {
    const days = this.workingDaysOfMonth(year, month);
    return n > 0 ? days[n - 1] : n < 0 ? days[days.length + n] : undefined;
  }

  /** Where a working day stands in its month: 1-based from the start, and -1-based from the end. */
  workingDayOfMonth(date: string): { fromStart: number; fromEnd: number } | undefined {
    const { year, month } = ymd(date);
    const days = this.workingDaysOfMonth(year, month);
    const i = days.indexOf(date);
    return i < 0 ? undefined : { fromStart: i + 1, fromEnd: i - days.length };
  }

  /** The first working day after the date. */
  nextWorkingDay(date: string): string {
    return this.step(date, 1);
  }

  /** The last working day before the date. */
  previousWorkingDay(date: string): string {
    return this.step(date, -1);
  }

  /** `n` working days after (n > 0) or before (n < 0) the date; the date itself for 0. */
  addWorkingDays(date: string, n: number): string {
    let d = date;
    for (let i = 0; i < Math.abs(n); i++) d = this.step(d, Math.sign(n));
    return d;
  }

  private step(date: string, dir: number): string {
    let d = date;
    for (let i = 0; i < SEARCH_DAYS; i++) {
      d = addDays(d, dir);
      if (this.isWorkingDay(d)) return d;
    }
    throw new RangeError(`calendar "${this.name}" has no working day within ten years ${dir > 0 ? 'after' : 'before'} ${date}`);
  }
}

/** The calendar of plans that name none: Monday to Friday, no holidays, in the given zone. */
export function weekdayCalendar(zone: string): Calendar {
  return new Calendar({ name: `(weekdays ${zone})`, zone, holidays: { dates: [], fixed: [], easter: [], imported: [] }, union: [], subtract: [] });
}
