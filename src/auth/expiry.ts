/**
 * When a token expires, from what `ordo token create --expires` and `tokens.create {expires}` accept: a
 * duration from now (`90m`, `12h`, `30d`) or an ISO 8601 date or date-time (`2027-01-31` is midnight UTC at
 * its start; a date-time without a zone is UTC too, so that the answer does not depend on the server's zone).
 */
import { OrdoError } from '../errors.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;
/** Far enough for any real token; refuses typos such as 3000000d. */
const MAX_MS = 10 * 366 * 86_400_000;

/** The instant (ms since the epoch) a token created at `now` expires; throws ORDO_BAD_ARGUMENT. */
export function parseExpiry(text: string, now: number, what = '--expires'): number {
  const t = text.trim();
  const duration = /^(\d{1,6})([mhd])$/.exec(t);
  let at: number;
  if (duration) {
    at = now + Number(duration[1]) * UNIT_MS[duration[2]!]!;
  } else if (ISO.test(t)) {
    const zoned = /T.*(?:Z|[+-]\d{2}:\d{2})$/.test(t) ? t : t.includes('T') ? `${t}Z` : `${t}T00:00:00Z`;
    at = Date.parse(zoned);
  } else {
    at = NaN;
  }
  if (!Number.isFinite(at)) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} expects a duration (90m, 12h, 30d) or an ISO date (2027-01-31, 2027-01-31T18:00Z), got "${text}"`);
  }
  if (at <= now) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} must lie in the future, got "${text}"`);
  if (at - now > MAX_MS) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} may lie at most 10 years ahead, got "${text}"`);
  return at;
}
