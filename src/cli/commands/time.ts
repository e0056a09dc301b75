/**
 * Calendars and plans from the command line (docs/time.md):
 *   ordo calendar show CAL|FILE [--year 2027] [--json]      a year's working and non-working days
 *   ordo plan next PLAN-OR-FLOW [-n 10] [--from ISO] [--json] the next fires of a plan, or of a flow's triggers
 *   ordo plan next --cron EXPR [--tz ZONE] [--calendar FILE]  the same without a project
 *   ordo plan next --calendar FILE --at 20:00 [--working-day -1]
 */
import type { Command } from 'commander';
import { formatDiagnostic } from '../../defs/diagnostics.js';
import { readCalendarFile } from '../../defs/time.js';
import { OrdoError } from '../../errors.js';
import type { Calendar, CalendarDef } from '../../time/calendar.js';
import { cronError } from '../../time/cron.js';
import { datesOfMonth, formatDate, isoWeekday } from '../../time/date.js';
import { parseTimeOfDay, WEEKDAY_NAMES } from '../../time/parse.js';
import { compilePlan, cronPlan, type ExecutionPlan, type PlanDef } from '../../time/plan.js';
import { buildCalendars } from '../../time/registry.js';
import { isValidZone, localDateOf } from '../../time/zone.js';
import { calendarYear, checkYear, namedPlan, nextFires, projectCalendar } from '../../server/time-queries.js';
import { action, loadValidProject, parsePositiveInt, projectDir } from '../context.js';
import { table } from '../format.js';

interface NextOptions {
  dir?: string;
  from?: string;
  json?: boolean;
  cron?: string;
  tz?: string;
  calendar?: string;
  at?: string;
  workingDay?: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const day3 = (date: string) => WEEKDAY_NAMES[isoWeekday(date) - 1]!.replace(/^./, (c) => c.toUpperCase());

function one(calendar: CalendarDef): Calendar {
  const { calendars, errors } = buildCalendars([calendar]);
  if (errors.length) throw new OrdoError('ORDO_BAD_ARGUMENT', errors.map((e) => e.message).join('; '));
  return calendars.get(calendar.name)!;
}

async function calendarFile(path: string): Promise<Calendar> {
  const { def, diagnostics } = await readCalendarFile(path);
  if (!def) {
    process.stderr.write(`${diagnostics.map(formatDiagnostic).join('\n')}\n`);
    throw new OrdoError('ORDO_BAD_ARGUMENT', `${path} is not a valid calendar definition`);
  }
  return one(def);
}

async function calendarOf(name: string, dir: string): Promise<Calendar> {
  if (/\.ya?ml$/.test(name)) return calendarFile(name);
  return projectCalendar(await loadValidProject(dir), name);
}

/** A plan made from the command line's options, without a project. */
async function adhocPlan(opts: NextOptions): Promise<ExecutionPlan> {
  const calendar = opts.calendar ? await calendarFile(opts.calendar) : undefined;
  const zone = opts.tz ?? calendar?.zone ?? 'UTC';
  if (!isValidZone(zone)) throw new OrdoError('ORDO_BAD_ARGUMENT', `--tz must be an IANA time zone such as Europe/Prague, got "${zone}"`);
  if (opts.cron !== undefined && opts.at !== undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', 'give --cron or --at, not both');
  if (opts.cron !== undefined) {
    const error = cronError(opts.cron);
    if (error !== undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', `--cron "${opts.cron}" is not a cron expression of 5 or 6 fields: ${error}`);
    if (!calendar) return cronPlan(opts.cron, zone);
  } else if (opts.at === undefined) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', 'without a plan name, give --cron EXPR or --at HH:MM (with --calendar FILE for working days)');
  }
  const def: PlanDef = { name: 'preview', rule: { kind: 'cron', cron: opts.cron ?? '' }, zone, days: {} };
  if (calendar) def.calendar = calendar.name;
  if (opts.at !== undefined) {
    const times = opts.at.split(',').map((t) => parseTimeOfDay(t));
    if (times.some((t) => t === undefined)) throw new OrdoError('ORDO_BAD_ARGUMENT', `--at expects times of day such as 18:30 or 06:00,18:00, got "${opts.at}"`);
    def.rule = { kind: 'at', times: times.map((t) => t!) };
  }
  if (opts.workingDay !== undefined) {
    const n = Number(opts.workingDay);
    if (!Number.isInteger(n) || n === 0 || Math.abs(n) > 31) throw new OrdoError('ORDO_BAD_ARGUMENT', `--working-day expects 1 ... 31 or -1 ... -31 (-1 = the last), got "${opts.workingDay}"`);
    def.days!.workingDayOfMonth = [n];
  } else if (calendar) def.days!.workingDays = true;
  return compilePlan(def, { calendar: (n) => (n === calendar?.name ? calendar : undefined), plan: () => undefined });
}

/** Three months a row, a week a line; "*" marks a holiday, "." a day outside the working week. */
export function yearGrid(cal: Calendar, year: number): string {
  const lines: string[] = [];
  const width = 29;
  for (let q = 0; q < 12; q += 3) {
    const blocks = [q + 1, q + 2, q + 3].map((month) => {
      const out = [`${MONTHS[month - 1]} ${year}`.padStart(Math.floor((width + MONTHS[month - 1]!.length + 5) / 2)).padEnd(width), ' Mo  Tu  We  Th  Fr  Sa  Su  '];
      let row = '    '.repeat(isoWeekday(formatDate(year, month, 1)) - 1);
      for (const date of datesOfMonth(year, month)) {
        const mark = cal.isHoliday(date) ? '*' : cal.isWorkingWeekday(date) ? ' ' : '.';
        row += `${date.slice(8).replace(/^0/, ' ').padStart(3)}${mark}`;
        if (isoWeekday(date) === 7) {
          out.push(row.padEnd(width));
          row = '';
        }
      }
      if (row) out.push(row.padEnd(width));
      return out;
    });
    const height = Math.max(...blocks.map((b) => b.length));
    for (let i = 0; i < height; i++) lines.push(blocks.map((b) => b[i] ?? ' '.repeat(width)).join('   ').trimEnd());
    lines.push('');
  }
  return lines.join('\n');
}

function showCalendar(cal: Calendar, year: number, json: boolean): void {
  const doc = calendarYear(cal, year);
  if (json) {
    process.stdout.write(`${JSON.stringify(doc)}\n`);
    return;
  }
  const working = doc.workingDays;
  const off = doc.nonWorkingDays;
  const week = cal.workingWeek.map((d) => WEEKDAY_NAMES[d - 1]).join(' ');
  process.stdout.write(`calendar ${cal.name} ${year} (${cal.zone}), working week: ${week}\n`);
  process.stdout.write(`${working.length} working days, ${off.length} non-working; * holiday, . outside the working week\n\n`);
  process.stdout.write(`${yearGrid(cal, year)}\n`);
  const holidays = cal.holidays(year);
  process.stdout.write(holidays.length ? table(['HOLIDAY', 'DAY', 'NAME'], holidays.map((h) => [h.date, day3(h.date), h.name ?? ''])) : 'no holidays\n');
}

export function registerTimeCommands(program: Command): void {
  const calendar = program.command('calendar').description('calendars: working days and holidays');
  calendar.command('show <calendar>')
    .description("a year's working and non-working days of a calendar of ordo.yaml (or of a calendar YAML file)")
    .option('-d, --dir <dir>', 'project directory')
    .option('-y, --year <year>', 'the year (default: this year)')
    .option('--json', 'print JSON: working days and non-working days with the reason')
    .action(action(async (name: string, opts: { dir?: string; year?: string; json?: boolean }) => {
      const cal = await calendarOf(name, projectDir(opts));
      const year = checkYear(opts.year === undefined ? Number(localDateOf(Date.now(), cal.zone).slice(0, 4)) : Number(opts.year), '--year');
      showCalendar(cal, year, opts.json === true);
    }));

  const plan = program.command('plan').description('execution plans: when they fire');
  plan.command('next [plan-or-flow]')
    .description("the next fires of a plan of ordo.yaml, or of a flow's plan and cron triggers, with their business dates")
    .option('-d, --dir <dir>', 'project directory')
    .option('-n, --count <n>', 'how many fires', '10')
    .option('--from <iso>', 'list fires at or after this time (ISO 8601; without an offset, local to the plan\'s zone); default now')
    .option('--json', 'print a JSON array of {"at": ISO with offset, "businessDate": YYYY-MM-DD}')
    .option('--cron <expr>', 'preview a cron expression (5 or 6 fields) without a project')
    .option('--tz <zone>', 'the IANA zone of --cron or --at (default: the calendar\'s, else UTC)')
    .option('--calendar <file>', 'a YAML file holding one calendar: only its working days (without a project)')
    .option('--at <times>', 'preview times of day, e.g. 18:30 or 06:00,18:00 (without a project)')
    .option('--working-day <n>', 'with --at: only the n-th working day of the month (-1 = the last)')
    .action(action(async (target: string | undefined, opts: NextOptions & { count: string }) => {
      const adhoc = opts.cron !== undefined || opts.at !== undefined || opts.calendar !== undefined;
      if (adhoc && target !== undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', `give a plan or flow name, or --cron/--at/--calendar, not both`);
      if (!adhoc && target === undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', 'name a plan or a flow, or give --cron EXPR or --calendar FILE --at HH:MM');
      if (!adhoc && (opts.tz !== undefined || opts.workingDay !== undefined)) throw new OrdoError('ORDO_BAD_ARGUMENT', '--tz and --working-day apply to --cron and --at previews');
      const p = adhoc ? await adhocPlan(opts) : namedPlan(await loadValidProject(projectDir(opts)), target!);
      const fires = nextFires(p, parsePositiveInt(opts.count, '--count'), opts.from);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(fires.map((f) => ({ at: f.local, businessDate: f.businessDate })))}\n`);
        return;
      }
      if (fires.length === 0) {
        process.stdout.write(`plan ${p.name} has no fire after ${opts.from ?? 'now'}\n`);
        return;
      }
      process.stdout.write(table(['AT', 'DAY', 'BUSINESS DATE', 'UTC'], fires.map((f) => [
        f.local, day3(f.local.slice(0, 10)), f.businessDate, new Date(f.at).toISOString().replace('.000Z', 'Z'),
      ])));
    }));
}
