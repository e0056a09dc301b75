/**
 * `calendars:` and `plans:` of ordo.yaml (docs/time.md). Both are read once every other key of ordo.yaml
 * has been seen, because plans name calendars and calendars may import .ics files (read here, relative to
 * the project directory). Every problem is a diagnostic at the node that holds it.
 *
 *   calendars:
 *     cz-banking:
 *       zone: Europe/Prague
 *       workingWeek: [mon, tue, wed, thu, fri]
 *       holidays: { fixed: ["01-01", "12-24"], easter: [-2, 1], dates: ["2026-12-31"], ics: calendars/extra.ics }
 *   plans:
 *     eod: { calendar: cz-banking, workingDays: true, at: "18:30" }
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { isMap, isSeq, type Node, type YAMLMap } from 'yaml';
import type { CalendarDef, NamedDate } from '../time/calendar.js';
import { parseDate } from '../time/date.js';
import { parseIcs } from '../time/ics.js';
import { isMonthDay, parseWeekday } from '../time/parse.js';
import type { PlanDef } from '../time/plan.js';
import { buildCalendars, buildPlans } from '../time/registry.js';
import { NAME_PATTERN } from './spec.js';
import { readNames, readPlan, readZone, type PlanRefs } from './time-plans.js';
import type { Diagnostic } from './diagnostics.js';
import { Diagnostics, entries, parseYaml, Reader, scalarValue } from './yaml.js';

/** The nodes of `calendars:` and `plans:`, kept while the rest of ordo.yaml is read. */
export interface TimeSection {
  reader?: Reader;
  calendars?: Node | null;
  plans?: Node | null;
}

export const CALENDAR_KEYS = ['zone', 'workingWeek', 'holidays', 'union', 'subtract', 'description'] as const;
const HOLIDAY_KEYS = ['dates', 'fixed', 'easter', 'ics'] as const;

interface CalendarRefs {
  keyNode: Node;
  refs: Array<{ name: string; node: Node }>;
  ics: Array<{ path: string; node: Node }>;
}

/** Reads, imports and checks `calendars:` and `plans:` into the settings' maps. */
export async function readTime(section: TimeSection, projectDir: string, into: { calendars: Map<string, CalendarDef>; plans: Map<string, PlanDef> }): Promise<void> {
  const reader = section.reader;
  if (!reader) return;
  const calRefs = new Map<string, CalendarRefs>();
  const planRefs = new Map<string, PlanRefs>();
  // Names declared, valid or not: a reference to a definition with errors is not also "unknown".
  const declared = { calendars: new Set<string>(), plans: new Set<string>() };
  const calendars = section.calendars === undefined ? undefined : reader.map(section.calendars, '"calendars"');
  for (const e of calendars ? entries(calendars) : []) {
    if (!validName(reader, e.key, e.keyNode, 'calendar')) continue;
    declared.calendars.add(e.key);
    const refs: CalendarRefs = { keyNode: e.keyNode, refs: [], ics: [] };
    const def = readCalendar(reader, e.key, e.value, refs);
    if (!def) continue;
    into.calendars.set(e.key, def);
    calRefs.set(e.key, refs);
  }
  for (const [name, refs] of calRefs) await importIcs(reader, into.calendars.get(name)!, refs, projectDir);

  const plans = section.plans === undefined ? undefined : reader.map(section.plans, '"plans"');
  for (const e of plans ? entries(plans) : []) {
    if (!validName(reader, e.key, e.keyNode, 'plan')) continue;
    declared.plans.add(e.key);
    const refs: PlanRefs = { keyNode: e.keyNode, calendars: [], plans: [] };
    const def = readPlan(reader, e.key, e.value, refs);
    if (!def) continue;
    into.plans.set(e.key, def);
    planRefs.set(e.key, refs);
  }
  checkReferences(reader, into, declared, calRefs, planRefs);
}

function validName(reader: Reader, name: string, node: Node, what: string): boolean {
  if (NAME_PATTERN.test(name)) return true;
  reader.diags.error('ORDO_BAD_VALUE', `${what} "${name}": a name starts with a letter and holds letters, digits, "_" or "-"`, reader.at(node));
  return false;
}

function readCalendar(reader: Reader, name: string, node: Node | null, refs: CalendarRefs): CalendarDef | undefined {
  const what = `calendar "${name}"`;
  const body = reader.map(node, what);
  if (!body) return undefined;
  const def: CalendarDef = { name, holidays: { dates: [], fixed: [], easter: [], imported: [] }, union: [], subtract: [] };
  for (const f of reader.strictEntries(body, CALENDAR_KEYS, what)) {
    switch (f.key) {
      case 'zone':
        def.zone = readZone(reader, f.value, `"zone" of ${what}`);
        break;
      case 'workingWeek': {
        const days = (isSeq(f.value) ? (f.value.items as Node[]) : reader.list(f.value, `"workingWeek" of ${what}`) ?? []).map((n) => {
          const d = parseWeekday(scalarValue(n));
          if (d === undefined) reader.bad(n, `a day of "workingWeek" of ${what}`, 'a weekday (mon ... sun, or 1 ... 7)');
          return d;
        });
        if (days.every((d) => d !== undefined)) def.workingWeek = days;
        if (isSeq(f.value) && f.value.items.length === 0) reader.diags.error('ORDO_BAD_VALUE', `"workingWeek" of ${what} needs at least one day`, reader.at(f.value));
        break;
      }
      case 'holidays': {
        const h = reader.map(f.value, `"holidays" of ${what}`);
        if (h) readHolidays(reader, h, what, def, refs);
        break;
      }
      case 'union':
      case 'subtract':
        for (const r of readNames(reader, f.value, `"${f.key}" of ${what}`)) {
          def[f.key].push(r.name);
          refs.refs.push(r);
        }
        break;
      default:
        def.description = reader.string(f.value, `"description" of ${what}`);
    }
  }
  return def;
}

/** Items of a holiday list: `value` or `{ <key>: value, name: ... }`; or a mapping `value: name`. */
function namedItems(reader: Reader, node: Node | null, what: string, key: string): Array<{ value: unknown; name?: string; node: Node }> {
  if (isMap(node)) {
    return entries(node).map((e) => ({ value: e.key, name: reader.string(e.value, `the name of ${e.key} in ${what}`), node: e.keyNode }));
  }
  const out: Array<{ value: unknown; name?: string; node: Node }> = [];
  for (const item of reader.list(node, what) ?? []) {
    if (!isMap(item)) {
      out.push({ value: scalarValue(item), node: item });
      continue;
    }
    const f = new Map(reader.strictEntries(item, [key, 'name'], `an item of ${what}`).map((e) => [e.key, e]));
    const v = f.get(key);
    if (!v) reader.diags.error('ORDO_MISSING_KEY', `an item of ${what} needs "${key}"`, reader.at(item));
    else out.push({ value: scalarValue(v.value), name: f.get('name') ? reader.string(f.get('name')!.value, `"name" in ${what}`) : undefined, node: v.value ?? item });
  }
  return out;
}

function readHolidays(reader: Reader, map: YAMLMap, what: string, def: CalendarDef, refs: CalendarRefs): void {
  for (const f of reader.strictEntries(map, HOLIDAY_KEYS, `"holidays" of ${what}`)) {
    const where = `"holidays.${f.key}" of ${what}`;
    if (f.key === 'ics') {
      for (const r of readNames(reader, f.value, where)) refs.ics.push({ path: r.name, node: r.node });
      continue;
    }
    const key = f.key === 'dates' ? 'date' : f.key === 'fixed' ? 'date' : 'offset';
    for (const item of namedItems(reader, f.value, where, key)) {
      const named = item.name === undefined ? {} : { name: item.name };
      if (f.key === 'dates') {
        if (typeof item.value === 'string' && parseDate(item.value)) def.holidays.dates.push({ date: item.value, ...named });
        else reader.diags.error('ORDO_BAD_DATE', `${where}: ${JSON.stringify(item.value)} is not a date (YYYY-MM-DD)`, reader.at(item.node));
      } else if (f.key === 'fixed') {
        if (typeof item.value === 'string' && isMonthDay(item.value)) def.holidays.fixed.push({ monthDay: item.value, ...named });
        else reader.diags.error('ORDO_BAD_DATE', `${where}: ${JSON.stringify(item.value)} is not a day of the year (MM-DD)`, reader.at(item.node));
      } else {
        const offset = typeof item.value === 'string' && /^[+-]?\d+$/.test(item.value) ? Number(item.value) : item.value;
        if (typeof offset === 'number' && Number.isInteger(offset) && Math.abs(offset) <= 300) def.holidays.easter.push({ offset, ...named });
        else reader.diags.error('ORDO_BAD_VALUE', `${where}: ${JSON.stringify(item.value)} is not a number of days from Easter Sunday (-300 ... 300)`, reader.at(item.node));
      }
    }
  }
}

async function importIcs(reader: Reader, def: CalendarDef, refs: CalendarRefs, projectDir: string): Promise<void> {
  for (const { path, node } of refs.ics) {
    let text: string;
    try {
      text = await readFile(resolve(projectDir, path), 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message;
      reader.diags.error('ORDO_BAD_ICS', `calendar "${def.name}" imports ${path}, which cannot be read: ${why}`, reader.at(node));
      continue;
    }
    const parsed = parseIcs(text);
    if (parsed.error !== undefined) reader.diags.error('ORDO_BAD_ICS', `calendar "${def.name}" imports ${path}: ${parsed.error}`, reader.at(node));
    else def.holidays.imported.push(...(parsed.events satisfies NamedDate[]));
  }
}

function checkReferences(
  reader: Reader,
  defs: { calendars: Map<string, CalendarDef>; plans: Map<string, PlanDef> },
  declared: { calendars: Set<string>; plans: Set<string> },
  calRefs: Map<string, CalendarRefs>,
  planRefs: Map<string, PlanRefs>,
): void {
  const known = (names: Set<string>) => [...names].sort().join(', ') || 'none';
  const calendarRef = (owner: string, r: { name: string; node: Node }) => {
    if (declared.calendars.has(r.name)) return;
    reader.diags.error('ORDO_UNKNOWN_CALENDAR', `${owner} refers to calendar "${r.name}", which ordo.yaml does not declare (calendars: ${known(declared.calendars)})`, reader.at(r.node));
  };
  for (const [name, refs] of calRefs) for (const r of refs.refs) calendarRef(`calendar "${name}"`, r);
  for (const [name, refs] of planRefs) {
    for (const r of refs.calendars) calendarRef(`plan "${name}"`, r);
    for (const r of refs.plans) {
      if (declared.plans.has(r.name)) continue;
      reader.diags.error('ORDO_UNKNOWN_PLAN', `plan "${name}" refers to plan "${r.name}", which ordo.yaml does not declare (plans: ${known(declared.plans)})`, reader.at(r.node));
    }
  }
  // Cycles and whatever else only a build finds; unknown names were reported above, where they are written.
  const cal = buildCalendars(defs.calendars.values());
  for (const e of cal.errors) {
    const at = reader.at(calRefs.get(e.name)?.keyNode);
    if (e.code === 'cycle') reader.diags.error('ORDO_CALENDAR_CYCLE', e.message, at);
    else if (e.code === 'no-working-day' || e.code === 'invalid') reader.diags.error('ORDO_BAD_VALUE', e.message, at);
  }
  for (const e of buildPlans(defs.plans.values(), cal.calendars).errors) {
    const at = reader.at(planRefs.get(e.name)?.keyNode);
    if (e.code === 'cycle') reader.diags.error('ORDO_PLAN_CYCLE', e.message, at);
    else if (e.code === 'invalid') reader.diags.error('ORDO_BAD_VALUE', e.message, at);
  }
}

/**
 * A YAML file holding one calendar's definition (the body of an entry of `calendars:`), named after the
 * file: `ordo plan next --calendar FILE` and `ordo calendar show FILE` use it without a project. Its .ics
 * paths are relative to the file's directory; it cannot name other calendars.
 */
export async function readCalendarFile(path: string): Promise<{ def?: CalendarDef; diagnostics: Diagnostic[] }> {
  const diags = new Diagnostics();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    diags.error('ORDO_NO_PROJECT', `cannot read ${path}: ${(err as Error).message}`, { file: path, line: 1, column: 1 });
    return { diagnostics: diags.list };
  }
  const src = parseYaml(path, text, diags);
  const reader = new Reader(src, diags);
  const name = basename(path, extname(path));
  const refs: CalendarRefs = { keyNode: src.root as Node, refs: [], ics: [] };
  const def = src.root === null ? undefined : readCalendar(reader, name, src.root, refs);
  if (def) {
    await importIcs(reader, def, refs, dirname(resolve(path)));
    for (const r of refs.refs) {
      reader.diags.error('ORDO_UNKNOWN_CALENDAR', `calendar "${name}" refers to calendar "${r.name}": a calendar file stands alone (use a project for union and subtract)`, reader.at(r.node));
    }
  }
  const diagnostics = [...diags.list].sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);
  return diags.hasErrors ? { diagnostics } : { def, diagnostics };
}
