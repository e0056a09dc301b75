/**
 * One entry of `plans:` in ordo.yaml (docs/time.md): exactly one of `cron`, `at`, `every`, `union`,
 * `intersect`, with the day rules, window and business-day rule that apply to the first three.
 *
 *   eod:     { calendar: cz-banking, workingDays: true, at: "18:30" }
 *   ultimo:  { calendar: cz-banking, workingDayOfMonth: -1, at: "20:00" }
 *   q15:     { zone: Europe/Prague, cron: "*\/15 * * * *", window: { from: "06:00", to: "20:00" }, exclude: blackout }
 *   every15: { every: 15m, zone: Europe/Prague }
 *   both:    { union: [eod, ultimo] }
 */
import { isSeq, type Node } from 'yaml';
import { cronError } from '../time/cron.js';
import { parseDate } from '../time/date.js';
import { parseClock, parseMonth, parseTimeOfDay, parseWeekday } from '../time/parse.js';
import type { BusinessDayRule, DayRules, PlanDef, PlanRule, TimeOfDay } from '../time/plan.js';
import { isValidZone, parseInstant } from '../time/zone.js';
import { parseDuration } from './spec.js';
import { scalarValue, type Entry, type Reader } from './yaml.js';

export const PLAN_KEYS = [
  'description', 'zone', 'calendar', 'cron', 'at', 'every', 'anchor', 'union', 'intersect', 'match', 'workingDays',
  'workingDayOfMonth', 'weekdays', 'months', 'valid', 'window', 'exclude', 'businessDay',
] as const;
const RULE_KEYS = ['cron', 'at', 'every', 'union', 'intersect'] as const;
/** Keys of plans that yield instants themselves; a union or intersection takes them from its members. */
const SIMPLE_KEYS = ['zone', 'calendar', 'workingDays', 'workingDayOfMonth', 'weekdays', 'months', 'valid', 'window', 'exclude', 'businessDay'];

/** Where a plan names other definitions, for the reference checks of defs/time.ts. */
export interface PlanRefs {
  keyNode: Node;
  calendars: Array<{ name: string; node: Node }>;
  plans: Array<{ name: string; node: Node }>;
}

export function readPlan(reader: Reader, name: string, node: Node | null, refs: PlanRefs): PlanDef | undefined {
  const what = `plan "${name}"`;
  const body = reader.map(node, what);
  if (!body) return undefined;
  const fields = new Map(reader.strictEntries(body, PLAN_KEYS, what).map((e) => [e.key, e]));
  const kinds = RULE_KEYS.filter((k) => fields.has(k));
  if (kinds.length === 0) {
    reader.diags.error('ORDO_MISSING_KEY', `${what} needs one of: ${RULE_KEYS.join(', ')}`, reader.at(body));
    return undefined;
  }
  if (kinds.length > 1) {
    reader.diags.error('ORDO_BAD_VALUE', `${what} has both "${kinds[0]}" and "${kinds[1]}": a plan is one of ${RULE_KEYS.join(', ')} (combine plans with union)`, reader.at(fields.get(kinds[1]!)!.keyNode));
    return undefined;
  }
  const kind = kinds[0]!;
  const composite = kind === 'union' || kind === 'intersect';
  for (const [key, e] of fields) {
    const wrong = (composite && SIMPLE_KEYS.includes(key)) || (key === 'anchor' && kind !== 'every') || (key === 'match' && kind !== 'intersect');
    if (wrong) reader.diags.error('ORDO_BAD_VALUE', `"${key}" does not apply to ${what}, a plan with "${kind}"`, reader.at(e.keyNode));
  }
  // The other keys are read even when the rule is wrong: every mistake of the plan is reported at once.
  const rule = readRule(reader, kind, fields, what, refs);
  const def: PlanDef = { name, rule: rule ?? { kind: 'union', plans: [] } };
  const days: DayRules = {};
  for (const [key, e] of fields) {
    const where = `"${key}" of ${what}`;
    switch (key) {
      case 'description': def.description = reader.string(e.value, where); break;
      case 'zone': def.zone = readZone(reader, e.value, where); break;
      case 'calendar': {
        const c = readNames(reader, e.value, where);
        if (c.length === 1 && !isSeq(e.value)) {
          def.calendar = c[0]!.name;
          refs.calendars.push(c[0]!);
        } else if (c.length) reader.bad(e.value, where, 'one calendar name');
        break;
      }
      case 'workingDays': days.workingDays = reader.boolean(e.value, where); break;
      case 'workingDayOfMonth': days.workingDayOfMonth = listOf(reader, e.value, where, 'a working day of the month (1 ... 31 from the start, -1 ... -31 from the end)', (v) => (typeof v === 'number' && Number.isInteger(v) && v !== 0 && Math.abs(v) <= 31 ? v : undefined)); break;
      case 'weekdays': days.weekdays = listOf(reader, e.value, where, 'a weekday (mon ... sun, or 1 ... 7)', parseWeekday); break;
      case 'months': days.months = listOf(reader, e.value, where, 'a month (jan ... dec, or 1 ... 12)', parseMonth); break;
      case 'exclude':
        days.exclude = readNames(reader, e.value, where).map((r) => {
          refs.calendars.push(r);
          return r.name;
        });
        break;
      case 'valid': days.valid = readValid(reader, e, what); break;
      case 'window': def.window = readWindow(reader, e, what); break;
      case 'businessDay': def.businessDay = readBusinessDay(reader, e.value, where); break;
      default: break; // the rule's own keys, read above
    }
  }
  if (Object.keys(days).length) def.days = days;
  return rule ? def : undefined;
}

/** A string or a list of strings. */
export function readNames(reader: Reader, node: Node | null, what: string): Array<{ name: string; node: Node }> {
  const items = isSeq(node) ? (node.items as Node[]) : [node];
  const out: Array<{ name: string; node: Node }> = [];
  for (const item of items) {
    const name = reader.string(item, what);
    if (name !== undefined && item) out.push({ name, node: item });
  }
  return out;
}

export function readZone(reader: Reader, node: Node | null, what: string): string | undefined {
  const zone = reader.string(node, what);
  if (zone === undefined) return undefined;
  if (isValidZone(zone)) return zone;
  reader.diags.error('ORDO_BAD_ZONE', `${what} must be an IANA time zone such as "Europe/Prague", got "${zone}"`, reader.at(node));
  return undefined;
}

function readRule(reader: Reader, kind: (typeof RULE_KEYS)[number], fields: Map<string, Entry>, what: string, refs: PlanRefs): PlanRule | undefined {
  const e = fields.get(kind)!;
  const where = `"${kind}" of ${what}`;
  switch (kind) {
    case 'cron': {
      const cron = reader.string(e.value, where);
      if (cron === undefined) return undefined;
      const error = cronError(cron);
      if (error === undefined) return { kind, cron };
      reader.diags.error('ORDO_BAD_CRON', `${where}: "${cron}" is not a cron expression of 5 or 6 fields: ${error}`, reader.at(e.value));
      return undefined;
    }
    case 'at': {
      const times = listOf<TimeOfDay>(reader, e.value, where, 'a time of day ("18:30", "07:00:30" or "+1d 01:30")', (v) => (typeof v === 'string' ? parseTimeOfDay(v) : undefined));
      return times && times.length ? { kind, times } : undefined;
    }
    case 'every': {
      const everyMs = parseDuration(scalarValue(e.value));
      if (everyMs === undefined || everyMs < 1000) {
        reader.diags.error('ORDO_BAD_VALUE', `${where} must be a duration of at least one second such as "15m", got ${JSON.stringify(scalarValue(e.value))}`, reader.at(e.value));
        return undefined;
      }
      const a = fields.get('anchor');
      if (!a) return { kind, everyMs };
      const anchor = reader.string(a.value, `"anchor" of ${what}`);
      if (anchor === undefined) return undefined;
      if (parseInstant(anchor, 'UTC') !== undefined) return { kind, everyMs, anchor };
      reader.diags.error('ORDO_BAD_DATE', `"anchor" of ${what} must be an ISO time such as "2026-01-01T06:00" (local) or with an offset, got "${anchor}"`, reader.at(a.value));
      return undefined;
    }
    case 'union':
    case 'intersect': {
      const plans = readNames(reader, e.value, where);
      refs.plans.push(...plans);
      const min = kind === 'union' ? 1 : 2;
      if (plans.length < min) {
        reader.diags.error('ORDO_BAD_VALUE', `${where} needs at least ${min} plan${min > 1 ? 's' : ''}`, reader.at(e.value));
        return undefined;
      }
      if (kind === 'union') return { kind, plans: plans.map((p) => p.name) };
      const m = fields.get('match');
      const match = m ? reader.string(m.value, `"match" of ${what}`) : 'day';
      if (match !== 'day' && match !== 'instant') {
        if (match !== undefined) reader.diags.error('ORDO_BAD_VALUE', `"match" of ${what} must be day or instant, got "${match}"`, reader.at(m!.value));
        return undefined;
      }
      return { kind, plans: plans.map((p) => p.name), match };
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** One value or a list of them, each converted by `parse`; undefined if any is wrong (each reported). */
function listOf<T>(reader: Reader, node: Node | null, where: string, expected: string, parse: (v: unknown) => T | undefined): T[] | undefined {
  const items = isSeq(node) ? (node.items as Node[]) : [node];
  let ok = true;
  const out: T[] = [];
  for (const item of items) {
    const v = parse(scalarValue(item));
    if (v === undefined) {
      reader.diags.error('ORDO_BAD_VALUE', `${where}: ${JSON.stringify(scalarValue(item) ?? null)} is not ${expected}`, reader.at(item ?? node));
      ok = false;
    } else out.push(v);
  }
  return ok ? out : undefined;
}

function readValid(reader: Reader, e: Entry, what: string): DayRules['valid'] {
  const map = reader.map(e.value, `"valid" of ${what}`);
  if (!map) return undefined;
  const valid: NonNullable<DayRules['valid']> = {};
  for (const f of reader.strictEntries(map, ['from', 'until'], `"valid" of ${what}`)) {
    const text = scalarValue(f.value);
    if (typeof text === 'string' && parseDate(text)) valid[f.key as 'from' | 'until'] = text;
    else reader.diags.error('ORDO_BAD_DATE', `"valid.${f.key}" of ${what}: ${JSON.stringify(text ?? null)} is not a date (YYYY-MM-DD)`, reader.at(f.value));
  }
  if (valid.from && valid.until && valid.from > valid.until) {
    reader.diags.error('ORDO_BAD_DATE', `"valid" of ${what} ends (${valid.until}) before it starts (${valid.from})`, reader.at(e.value));
  }
  return valid;
}

function readWindow(reader: Reader, e: Entry, what: string): PlanDef['window'] {
  const map = reader.map(e.value, `"window" of ${what}`);
  if (!map) return undefined;
  const fields = new Map(reader.strictEntries(map, ['from', 'to'], `"window" of ${what}`).map((f) => [f.key, f]));
  const clock = (key: 'from' | 'to'): number | undefined => {
    const f = fields.get(key);
    if (!f) {
      reader.diags.error('ORDO_MISSING_KEY', `"window" of ${what} needs "${key}"`, reader.at(e.value));
      return undefined;
    }
    const v = scalarValue(f.value);
    const s = typeof v === 'string' ? parseClock(v) : undefined;
    if (s === undefined || (key === 'from' && s === 86_400)) {
      reader.diags.error('ORDO_BAD_DATE', `"window.${key}" of ${what}: ${JSON.stringify(v ?? null)} is not a time of day ("06:00"; "24:00" ends a day)`, reader.at(f.value));
    }
    return s;
  };
  const from = clock('from');
  const to = clock('to');
  if (from === undefined || to === undefined) return undefined;
  if (from === to) {
    reader.diags.error('ORDO_BAD_VALUE', `"window" of ${what} is empty: it starts and ends at the same time`, reader.at(e.value));
    return undefined;
  }
  return { from, to };
}

function readBusinessDay(reader: Reader, node: Node | null, where: string): BusinessDayRule | undefined {
  const v = scalarValue(node);
  if (v === 'same') return { kind: 'same' };
  if (v === 'previous') return { kind: 'previous' };
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 31) return { kind: 'offset', days: v };
  reader.diags.error('ORDO_BAD_VALUE', `${where} must be same, previous or a number of days (-31 ... 31), got ${JSON.stringify(v ?? null)}`, reader.at(node));
  return undefined;
}
