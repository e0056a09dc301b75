/**
 * Holidays from an iCalendar (.ics) file: every day an event covers becomes a holiday named by the
 * event's SUMMARY. Pure: it takes the file's text (the loader reads the file).
 *
 * Dependency: ical.js (Mozilla's parser of RFC 5545, used by Thunderbird), because holiday feeds rely on the
 * parts of the format that are easy to get wrong: line folding, escaped text, all-day dates with exclusive
 * DTEND, DURATION, RRULE with EXDATE, and moved occurrences (RECURRENCE-ID).
 */
import ICAL from 'ical.js';
import type { NamedDate } from './calendar.js';
import { addDays, formatDate } from './date.js';

export interface IcsOptions {
  /** Recurring events are expanded over these years (inclusive). */
  fromYear?: number;
  toYear?: number;
}

export type IcsResult = { events: NamedDate[]; error?: undefined } | { events?: undefined; error: string };

/** The longest event taken (longer ones are cut): a holiday feed holds days, not seasons. */
const MAX_EVENT_DAYS = 366;
/** Occurrences taken from one recurring event at most. */
const MAX_OCCURRENCES = 5000;

type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalEvent = InstanceType<typeof ICAL.Event>;

/** The dates an event from `start` to `end` (exclusive, as RFC 5545 says) covers. */
function datesCovered(start: IcalTime, end: IcalTime | null): string[] {
  const first = formatDate(start.year, start.month, start.day);
  if (!end) return [first];
  let last = formatDate(end.year, end.month, end.day);
  // An end at midnight (or any all-day end) is exclusive; an end later in a day includes that day.
  const endsAtMidnight = end.isDate || (end.hour === 0 && end.minute === 0 && end.second === 0);
  if (endsAtMidnight && last > first) last = addDays(last, -1);
  const out: string[] = [];
  for (let d = first; d <= last && out.length < MAX_EVENT_DAYS; d = addDays(d, 1)) out.push(d);
  return out;
}

export function parseIcs(text: string, options: IcsOptions = {}): IcsResult {
  const fromYear = options.fromYear ?? 1970;
  const toYear = options.toYear ?? 2100;
  let root: InstanceType<typeof ICAL.Component>;
  try {
    root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (err) {
    return { error: `not an iCalendar file: ${(err as Error).message}` };
  }
  if (root.name !== 'vcalendar') return { error: `not an iCalendar file: it holds a ${root.name.toUpperCase()}, not a VCALENDAR` };

  const vevents = root.getAllSubcomponents('vevent');
  const masters = new Map<string, IcalEvent>();
  const exceptions: IcalEvent[] = [];
  const events: IcalEvent[] = [];
  for (const comp of vevents) {
    const ev = new ICAL.Event(comp);
    if (ev.isRecurrenceException()) exceptions.push(ev);
    else {
      events.push(ev);
      if (ev.uid) masters.set(ev.uid, ev);
    }
  }
  for (const ex of exceptions) {
    const master = masters.get(ex.uid);
    if (master) master.relateException(ex);
    else events.push(ex);
  }

  const out: NamedDate[] = [];
  const cancelled = (ev: IcalEvent) => String(ev.component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
  for (const ev of events) {
    if (!ev.startDate) return { error: `event "${ev.summary ?? ev.uid ?? '?'}" has no DTSTART` };
    const name = ev.summary || 'holiday';
    if (!ev.isRecurring()) {
      if (!cancelled(ev)) for (const date of datesCovered(ev.startDate, ev.endDate)) out.push({ date, name });
      continue;
    }
    const it = ev.iterator();
    for (let n = 0; n < MAX_OCCURRENCES; n++) {
      const occ = it.next();
      if (!occ || occ.year > toYear) break;
      if (occ.year < fromYear) continue;
      const details = ev.getOccurrenceDetails(occ);
      if (cancelled(details.item)) continue;
      for (const date of datesCovered(details.startDate, details.endDate)) out.push({ date, name: details.item.summary || name });
    }
  }
  out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { events: out };
}
