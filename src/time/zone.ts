/**
 * Time zones: instants (epoch ms) to wall-clock readings and back, with Ordo's daylight-saving rule.
 *
 * Dependency: luxon (`IANAZone`), for the offset of an IANA zone at an instant. Node's Intl knows the tz
 * database but answers only through formatted parts; luxon wraps that once, caches the formatters, and
 * validates zone names. We use nothing else of it: the DST rule below is ours, because luxon resolves a
 * non-existent local time by shifting it by the gap (02:30 -> 03:30), where Ordo fires at 03:00.
 */
import { IANAZone } from 'luxon';
import { DAY_MS, splitFloating } from './date.js';

const MINUTE = 60_000;
const zones = new Map<string, IANAZone>();
/**
 * Per zone, per UTC day: the offset of the whole day, or null for a day in which it changes. Asking Intl
 * costs microseconds and every plan step asks several times; zones change offset a few times a year.
 */
const dayOffsets = new Map<string, Map<number, number | null>>();
const MAX_CACHED_DAYS = 100_000;

export function isValidZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

function zone(name: string): IANAZone {
  let z = zones.get(name);
  if (!z) {
    if (!IANAZone.isValidZone(name)) throw new RangeError(`unknown time zone "${name}"`);
    z = IANAZone.create(name);
    zones.set(name, z);
  }
  return z;
}

/** Minutes east of UTC in `zoneName` at the instant `ms`. */
export function offsetMinutes(ms: number, zoneName: string): number {
  let days = dayOffsets.get(zoneName);
  if (!days) dayOffsets.set(zoneName, (days = new Map()));
  const day = Math.floor(ms / DAY_MS);
  let off = days.get(day);
  if (off === undefined) {
    const z = zone(zoneName);
    // Equal offsets at both ends of a day mean no change within it: no zone changes twice in a day.
    const start = z.offset(day * DAY_MS);
    off = start === z.offset((day + 1) * DAY_MS - 1) ? start : null;
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(day, off);
  }
  return off ?? zone(zoneName).offset(ms);
}

/** The wall-clock reading at `ms` in the zone, as floating milliseconds (see date.ts). */
export function wallOf(ms: number, zoneName: string): number {
  return ms + offsetMinutes(ms, zoneName) * MINUTE;
}

/** The local date of an instant in the zone. */
export function localDateOf(ms: number, zoneName: string): string {
  return splitFloating(wallOf(ms, zoneName)).date;
}

/**
 * The instant of a wall-clock reading in the zone, by Ordo's rule:
 * - a reading that occurs once: that instant;
 * - a reading that occurs twice (clocks go back): the first occurrence;
 * - a reading that does not occur (clocks go forward): the first valid instant after it, which is the
 *   instant of the transition (02:30 in a 02:00 -> 03:00 gap gives 03:00).
 */
export function instantOf(floatingMs: number, zoneName: string): number {
  const offset = (ms: number) => offsetMinutes(ms, zoneName);
  // Offsets change at most once within a day in every zone of the tz database, so the offsets a day
  // either side are all the candidates.
  const before = offset(floatingMs - DAY_MS);
  const after = offset(floatingMs + DAY_MS);
  let best: number | undefined;
  for (const off of before === after ? [before] : [before, after]) {
    const t = floatingMs - off * MINUTE;
    if (offset(t) === off && (best === undefined || t < best)) best = t;
  }
  if (best !== undefined) return best;
  // A gap: the transition lies between the instant the reading would have with the new offset and the one
  // it would have with the old offset; find the first instant that has the new offset.
  let lo = floatingMs - Math.max(before, after) * MINUTE;
  let hi = floatingMs - Math.min(before, after) * MINUTE;
  const newOffset = offset(hi);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offset(mid) === newOffset) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** `2026-03-29T03:00:00+02:00`: the wall-clock reading in the zone with its offset (milliseconds if any). */
export function formatLocal(ms: number, zoneName: string): string {
  const off = offsetMinutes(ms, zoneName);
  const wall = ms + off * MINUTE;
  const iso = new Date(wall).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ of the wall reading
  const body = iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
  const abs = Math.abs(Math.round(off));
  const sign = off < 0 ? '-' : '+';
  return `${body}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * Reads an ISO 8601 time: with an offset or `Z` it is that instant; without, a wall-clock reading in
 * `zoneName` (DST rule as in instantOf); a bare date is its midnight. Undefined when it is not such a text.
 */
export function parseInstant(text: string, zoneName: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return undefined;
  const [, date, hh = '00', mm = '00', ss = '00', frac = '0', zoneText] = m;
  const day = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(day) || new Date(day).toISOString().slice(0, 10) !== date) return undefined;
  const h = Number(hh);
  const min = Number(mm);
  const s = Number(ss);
  if (h > 23 || min > 59 || s > 59) return undefined;
  const floatingMs = day + ((h * 60 + min) * 60 + s) * 1000 + Number(frac.padEnd(3, '0'));
  if (zoneText === undefined) return instantOf(floatingMs, zoneName);
  if (zoneText === 'Z') return floatingMs;
  const digits = zoneText.replace(':', '');
  const off = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return floatingMs - (digits.startsWith('-') ? -off : off) * MINUTE;
}
