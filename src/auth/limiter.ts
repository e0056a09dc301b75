/**
 * Limits credential guessing per client address: bad bearer tokens on HTTP and WebSocket upgrades, and
 * failed `hello`s (token or password) on every transport. After `maxFailures` failures within `windowMs`
 * an address is blocked for `windowMs` from its last failure: every attempt of it that presents a
 * credential is refused unchecked (so that a guess cannot be confirmed while blocked), with
 * ORDO_RATE_LIMITED (HTTP 429). A success changes nothing: neither this address's count (an attacker with
 * one valid token could reset it) nor any other address's.
 *
 * Addresses are counted by `clientKey`: an IPv4 address as it is, an IPv6 address by its /64 network (one
 * host commonly holds a whole /64, so counting single IPv6 addresses would not limit anything).
 *
 * The table is bounded: past `maxEntries` addresses the least recently failing entry goes first, so a flood
 * of addresses costs memory up to the cap only. The clock is injected for tests.
 */
import { OrdoError } from '../errors.js';

/** What failures are counted by: the IPv4 address (also when IPv4-mapped), or the /64 of an IPv6 address. */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('%')[0]!.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export interface LimiterOptions {
  /** Failures allowed within the window (default 10). */
  maxFailures?: number;
  /** The window, and how long an address stays blocked after its last failure (default 60 s). */
  windowMs?: number;
  /** Most addresses remembered (default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  /** Times of the failures within the window, oldest first (at most maxFailures). */
  failures: number[];
  blockedUntil: number;
}

export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: LimiterOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** How many addresses are remembered (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Milliseconds until `address` may try again, 0 when it may now. */
  retryAfterMs(address: string): number {
    const entry = this.entries.get(clientKey(address));
    return entry ? Math.max(0, entry.blockedUntil - this.now()) : 0;
  }

  /** Throws ORDO_RATE_LIMITED while `address` is blocked. */
  check(address: string): void {
    const wait = this.retryAfterMs(address);
    if (wait > 0) {
      throw new OrdoError('ORDO_RATE_LIMITED', `too many failed authentications from ${address}: try again in ${Math.ceil(wait / 1000)} s`,
        { retryAfterSeconds: Math.ceil(wait / 1000) });
    }
  }

  /** Records a failed authentication of `address`. */
  fail(client: string): void {
    const address = clientKey(client);
    const now = this.now();
    const entry = this.entries.get(address) ?? { failures: [], blockedUntil: 0 };
    // Re-inserted, so that the map's order is the order of last failure (the eviction order).
    this.entries.delete(address);
    entry.failures = entry.failures.filter((t) => now - t < this.windowMs);
    entry.failures.push(now);
    if (entry.failures.length > this.maxFailures) entry.failures.shift();
    if (entry.failures.length >= this.maxFailures) entry.blockedUntil = now + this.windowMs;
    this.entries.set(address, entry);
    this.evict();
  }

  /** The map's first entries failed least recently: past the cap they go (the oldest are most likely cooled). */
  private evict(): void {
    for (const address of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) return;
      this.entries.delete(address);
    }
  }
}
