import type { Json } from './json.js';

/**
 * Durations in seconds. A number is seconds; a string is a number with an optional unit, as JobCenter
 * wrote them (`'5.55 seconds'`, `'10m'`, `'2 hours'`). Used by sleep, timeouts and retry intervals.
 */
const UNITS: Record<string, number> = {
  '': 1, ms: 0.001, s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hour: 3600, hours: 3600, d: 86400, day: 86400, days: 86400,
};

export function parseSeconds(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = UNITS[(m[2] as string).toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}
