/**
 * The three plans that yield instants themselves: cron expressions, times of day, and fixed intervals.
 *
 * Each walks forward with its own cursor and skips whole days the day rules refuse and times the window
 * refuses, so a plan that fires rarely (an ultimo, a validity period years ahead) costs a step per day at
 * most, never a step per candidate instant.
 */
import type { Calendar } from './calendar.js';
import { CronMatcher } from './cron.js';
import { addDays, floating, splitFloating } from './date.js';
import { HORIZON_DAYS, HORIZON_MS, type Fire, type FireSource } from './fire.js';
import { inWindow, nextOpening, type DailyWindow, type DayFilter } from './rules.js';
import { formatLocal, instantOf, localDateOf, wallOf } from './zone.js';

/** A time of day on the plan day, or `days` days after it ("+1d 01:30"). */
export interface TimeOfDay {
  days: number;
  /** 0 ... 86399 */
  seconds: number;
}

interface Candidate {
  at: number;
  /** The plan day. */
  day: string;
}

export interface SimpleParts {
  zone: string;
  calendar: Calendar;
  days: DayFilter;
  window?: DailyWindow;
}

abstract class SimpleSource implements FireSource {
  readonly zone: string;

  constructor(protected readonly parts: SimpleParts) {
    this.zone = parts.zone;
  }

  protected abstract candidate(afterMs: number): Candidate | undefined;
  protected abstract with(parts: SimpleParts): FireSource;

  /** Days from the plan day to the local dates its fires happen on. */
  protected dayOffsets(): [number, number] {
    return [0, 0];
  }

  next(afterMs: number): Fire | undefined {
    const c = this.candidate(afterMs);
    return c && { at: c.at, businessDate: this.parts.days.businessDate(c.day), local: formatLocal(c.at, this.zone) };
  }

  fireRange(date: string): [number, number] | undefined {
    const planDays = this.parts.days.planDaysOf(date);
    if (!planDays) return undefined;
    const [lo, hi] = this.dayOffsets();
    const from = instantOf(floating(addDays(planDays[0], lo)), this.zone);
    const to = instantOf(floating(addDays(planDays[1], hi + 1)), this.zone) - 1;
    return [from, to];
  }

  restrict(pred: (businessDate: string) => boolean): FireSource {
    return this.with({ ...this.parts, days: this.parts.days.with(pred) });
  }

  /** The last plan day worth looking at: the end of the validity period, or the horizon. */
  protected lastDay(afterMs: number): string {
    const from = localDateOf(afterMs, this.zone);
    const first = this.parts.days.firstDay;
    const horizon = addDays(first !== undefined && first > from ? first : from, HORIZON_DAYS);
    const until = this.parts.days.lastDay;
    return until !== undefined && until < horizon ? until : horizon;
  }
}

/** Cron: the matching wall-clock readings of the zone, each at its instant by the DST rule of zone.ts. */
export class CronSource extends SimpleSource {
  constructor(parts: SimpleParts, private readonly matcher: CronMatcher) {
    super(parts);
  }

  protected with(parts: SimpleParts): FireSource {
    return new CronSource(parts, this.matcher);
  }

  protected candidate(afterMs: number): Candidate | undefined {
    const { days, window } = this.parts;
    const last = this.lastDay(afterMs);
    let cursor = wallOf(afterMs, this.zone);
    if (days.firstDay !== undefined) cursor = Math.max(cursor, floating(days.firstDay) - 1);
    for (;;) {
      const reading = this.matcher.nextAfter(cursor);
      if (reading === undefined) return undefined;
      const { date, seconds } = splitFloating(reading);
      if (date > last) return undefined;
      if (!days.accepts(date)) {
        cursor = floating(addDays(date, 1)) - 1;
        continue;
      }
      if (window && !inWindow(window, seconds)) {
        cursor = nextOpening(window, date, seconds) - 1;
        continue;
      }
      const at = instantOf(reading, this.zone);
      if (at <= afterMs) {
        // Passed already: `afterMs` is in the second pass of a repeated hour (the reading fired in the
        // first), or the reading is in a gap whose end was the last fire; every reading of the gap maps to
        // that end, so the search goes on from the end of the gap.
        cursor = Math.max(reading, wallOf(at, this.zone));
        continue;
      }
      return { at, day: date };
    }
  }
}

/** Times of day on every plan day the day rules accept. */
export class AtSource extends SimpleSource {
  private readonly times: TimeOfDay[];

  constructor(parts: SimpleParts, times: readonly TimeOfDay[]) {
    super(parts);
    this.times = [...times].sort((a, b) => a.days - b.days || a.seconds - b.seconds);
    if (this.times.length === 0) throw new RangeError('a plan with "at" needs at least one time');
  }

  protected with(parts: SimpleParts): FireSource {
    return new AtSource(parts, this.times);
  }

  protected override dayOffsets(): [number, number] {
    return [this.times[0]!.days, this.times[this.times.length - 1]!.days];
  }

  protected candidate(afterMs: number): Candidate | undefined {
    const { days, window } = this.parts;
    const last = this.lastDay(afterMs);
    const maxDays = this.times[this.times.length - 1]!.days;
    let day = addDays(localDateOf(afterMs, this.zone), -maxDays - 1);
    if (days.firstDay !== undefined && day < days.firstDay) day = days.firstDay;
    let best: (Candidate & { reading: number }) | undefined;
    for (; day <= last; day = addDays(day, 1)) {
      // Fires of later plan days are read no earlier than their day starts: none can beat `best`.
      if (best && floating(day) > best.reading) break;
      if (!days.accepts(day)) continue;
      for (const t of this.times) {
        if (window && !inWindow(window, t.seconds)) continue;
        const reading = floating(addDays(day, t.days), t.seconds);
        if (best && reading >= best.reading) break;
        const at = instantOf(reading, this.zone);
        if (at > afterMs) {
          best = { at, day, reading };
          break;
        }
      }
    }
    return best && { at: best.at, day: best.day };
  }
}

/** Every `stepMs` of real time from an anchor instant, on the days and in the window the rules accept. */
export class EverySource extends SimpleSource {
  constructor(parts: SimpleParts, private readonly anchorMs: number, private readonly stepMs: number) {
    super(parts);
    if (!(stepMs >= 1000)) throw new RangeError('an interval plan needs a step of at least one second');
  }

  protected with(parts: SimpleParts): FireSource {
    return new EverySource(parts, this.anchorMs, this.stepMs);
  }

  /** The first instant of the grid at or after `ms`. */
  private align(ms: number): number {
    return this.anchorMs + Math.ceil((ms - this.anchorMs) / this.stepMs) * this.stepMs;
  }

  protected candidate(afterMs: number): Candidate | undefined {
    const { days, window } = this.parts;
    const last = this.lastDay(afterMs);
    let t = this.align(Math.floor(afterMs) + 1);
    if (days.firstDay !== undefined) t = Math.max(t, this.align(instantOf(floating(days.firstDay), this.zone)));
    const limit = t + HORIZON_MS;
    while (t <= limit) {
      const { date, seconds } = splitFloating(wallOf(t, this.zone));
      if (date > last) return undefined;
      if (!days.accepts(date)) {
        t = Math.max(t + this.stepMs, this.align(instantOf(floating(addDays(date, 1)), this.zone)));
        continue;
      }
      if (window && !inWindow(window, seconds)) {
        t = Math.max(t + this.stepMs, this.align(instantOf(nextOpening(window, date, seconds), this.zone)));
        continue;
      }
      return { at: t, day: date };
    }
    return undefined;
  }
}
