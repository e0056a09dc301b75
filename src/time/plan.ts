/**
 * Execution plans (seed 004: "a plan defines a sequence of instants within a calendar by given
 * constraints"): the validated definition, and the plan that answers "when next?".
 *
 * A plan is one of: a cron expression, times of day (`at`), an interval of real time (`every`), a union or
 * an intersection of other plans. The first three take day rules, a daily window and a business-day rule
 * (rules.ts). All functions take and return epoch milliseconds; nothing here reads the clock.
 */
import { weekdayCalendar, type Calendar } from './calendar.js';
import { InstantIntersectSource, UnionSource } from './combine.js';
import { CronMatcher } from './cron.js';
import { floating } from './date.js';
import type { Fire, FireSource } from './fire.js';
import { DayFilter, type BusinessDayRule, type DailyWindow, type DayRules } from './rules.js';
import { AtSource, CronSource, EverySource, type SimpleParts, type TimeOfDay } from './sources.js';
import { instantOf, parseInstant } from './zone.js';

export type { Fire } from './fire.js';
export type { BusinessDayRule, DailyWindow, DayRules } from './rules.js';
export type { TimeOfDay } from './sources.js';

export type PlanRule =
  | { kind: 'cron'; cron: string }
  | { kind: 'at'; times: TimeOfDay[] }
  /** `anchor`: ISO time (with an offset, or local to the plan's zone); absent: 2000-01-01T00:00 local. */
  | { kind: 'every'; everyMs: number; anchor?: string }
  | { kind: 'union'; plans: string[] }
  | { kind: 'intersect'; plans: string[]; match: 'day' | 'instant' };

/** The validated definition of a plan (the loader's output, see defs/time.ts). */
export interface PlanDef {
  name: string;
  rule: PlanRule;
  /** IANA zone; absent: the calendar's zone, else UTC. Not used by union and intersect. */
  zone?: string;
  /** The calendar of working days; absent: Monday to Friday without holidays. */
  calendar?: string;
  days?: DayRules;
  window?: DailyWindow;
  /** Absent: the business date is the plan day. */
  businessDay?: BusinessDayRule;
  description?: string;
}

export const DEFAULT_ANCHOR_DATE = '2000-01-01';

export class ExecutionPlan {
  private readonly known = new Map<string, boolean>();

  constructor(readonly name: string, private readonly source: FireSource) {}

  /** The zone fires are shown in. */
  get zone(): string {
    return this.source.zone;
  }

  /** The first fire strictly after `afterMs`; undefined when the plan has none left (30 years ahead). */
  next(afterMs: number): Fire | undefined {
    return this.source.next(afterMs);
  }

  /** The fires with fromMs <= at <= toMs, in time order, at most `limit` of them. */
  between(fromMs: number, toMs: number, limit = 10_000): Fire[] {
    const out: Fire[] = [];
    let f = this.source.next(fromMs - 1);
    while (f && f.at <= toMs && out.length < limit) {
      out.push(f);
      f = this.source.next(f.at);
    }
    return out;
  }

  /** Instants that hold every fire of the business date (undefined: none can have it). */
  fireRange(businessDate: string): [number, number] | undefined {
    return this.source.fireRange(businessDate);
  }

  /** Whether some fire has this business date. */
  hasBusinessDate(date: string): boolean {
    let v = this.known.get(date);
    if (v !== undefined) return v;
    v = false;
    const range = this.source.fireRange(date);
    if (range) {
      for (let f = this.source.next(range[0] - 1); f && f.at <= range[1]; f = this.source.next(f.at)) {
        if (f.businessDate === date) {
          v = true;
          break;
        }
      }
    }
    if (this.known.size >= 10_000) this.known.clear();
    this.known.set(date, v);
    return v;
  }

  /** This plan without the fires whose business date fails `pred`. */
  onlyBusinessDates(pred: (businessDate: string) => boolean, name = this.name): ExecutionPlan {
    return new ExecutionPlan(name, this.source.restrict(pred));
  }
}

/** What compiling a plan needs: the project's calendars and the plans it is made of. */
export interface PlanLookup {
  calendar(name: string): Calendar | undefined;
  plan(name: string): ExecutionPlan | undefined;
}

/** Builds a plan; throws RangeError for a reference the lookup does not know (check definitions first). */
export function compilePlan(def: PlanDef, lookup: PlanLookup): ExecutionPlan {
  const rule = def.rule;
  const plan = (name: string) => lookup.plan(name) ?? missing('plan', name, def.name);
  switch (rule.kind) {
    case 'union':
      return new ExecutionPlan(def.name, new UnionSource(rule.plans.map(plan)));
    case 'intersect': {
      const [first, ...others] = rule.plans.map(plan);
      if (!first) throw new RangeError(`plan "${def.name}" intersects no plan`);
      if (rule.match === 'instant') return new ExecutionPlan(def.name, new InstantIntersectSource(first, others));
      return first.onlyBusinessDates((d) => others.every((o) => o.hasBusinessDate(d)), def.name);
    }
    case 'cron':
    case 'at':
    case 'every': {
      const calendar = def.calendar === undefined ? undefined : (lookup.calendar(def.calendar) ?? missing('calendar', def.calendar, def.name));
      const zone = def.zone ?? calendar?.zone ?? 'UTC';
      const cal = calendar ?? weekdayCalendar(zone);
      const excluded = (def.days?.exclude ?? []).map((n) => lookup.calendar(n) ?? missing('calendar', n, def.name));
      const parts: SimpleParts = {
        zone, calendar: cal, days: new DayFilter(def.days ?? {}, cal, excluded, def.businessDay ?? { kind: 'same' }), window: def.window,
      };
      if (rule.kind === 'cron') return new ExecutionPlan(def.name, new CronSource(parts, new CronMatcher(rule.cron)));
      if (rule.kind === 'at') return new ExecutionPlan(def.name, new AtSource(parts, rule.times));
      const anchor = rule.anchor === undefined ? instantOf(floating(DEFAULT_ANCHOR_DATE), zone) : parseInstant(rule.anchor, zone);
      if (anchor === undefined) throw new RangeError(`plan "${def.name}": "anchor" is not an ISO time: "${rule.anchor}"`);
      return new ExecutionPlan(def.name, new EverySource(parts, anchor, rule.everyMs));
    }
    default: {
      const never: never = rule;
      return never;
    }
  }
}

function missing(what: string, name: string, plan: string): never {
  throw new RangeError(`plan "${plan}" names ${what} "${name}", which does not exist`);
}

/** A plan of one cron expression in a zone: inline `cron:` triggers and `ordo plan next --cron`. */
export function cronPlan(cron: string, zone: string, name = `cron "${cron}" ${zone}`): ExecutionPlan {
  return compilePlan({ name, rule: { kind: 'cron', cron }, zone }, { calendar: () => undefined, plan: () => undefined });
}
