/**
 * Console sessions: a browser logs in once (user and password, or an API token) and then authenticates by an
 * HttpOnly cookie holding a random session id. Each session also has a CSRF token that the page reads from
 * the login answer (or `GET /auth/session`) and sends back in the `x-ordo-csrf` header of every request that
 * may change state: a page of another site can make the browser send the cookie (SameSite=Strict already
 * stops that in current browsers) but can never read the token (double submit, kept on the server side).
 *
 * A session keeps the credential it was opened with, not a role: every request asks the Authenticator what
 * that credential stands for now, so a demoted user's session has the lower role at its next request and a
 * deleted user's (or re-passworded user's, or revoked token's) session is refused at once.
 *
 * Sessions live in the memory of the server that opened them; they end after `idleMs` without a request,
 * after `maxAgeMs` in any case, at logout, and when the server restarts (the browser logs in again).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.js';

export interface SessionRecord {
  id: string;
  csrf: string;
  principal: Principal;
  createdAt: number;
  lastUsedAt: number;
}

export interface SessionOptions {
  /** A session unused for this long ends (default 8 hours). */
  idleMs?: number;
  /** A session ends this long after login whatever its use (default 24 hours). */
  maxAgeMs?: number;
  /** At most this many sessions; the least recently used go first (default 10,000). */
  max?: number;
  now?: () => number;
}

const DEFAULT_IDLE_MS = 8 * 3600_000;
const DEFAULT_MAX_AGE_MS = 24 * 3600_000;

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  // A Map keeps insertion order: touching a session re-inserts it, so the first entry is the least recent.
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(private readonly opts: SessionOptions = {}) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get idleMs(): number {
    return this.opts.idleMs ?? DEFAULT_IDLE_MS;
  }

  open(principal: Principal): SessionRecord {
    const now = this.now();
    const record: SessionRecord = {
      id: randomBytes(32).toString('base64url'), csrf: randomBytes(24).toString('base64url'), principal, createdAt: now, lastUsedAt: now,
    };
    this.sessions.set(record.id, record);
    const max = this.opts.max ?? 10_000;
    for (const id of this.sessions.keys()) {
      if (this.sessions.size <= max) break;
      this.sessions.delete(id);
    }
    return record;
  }

  /** The live session of this id (touched), or undefined when unknown or expired (and then forgotten). */
  get(id: string | undefined): SessionRecord | undefined {
    if (id === undefined || id === '') return undefined;
    const record = this.sessions.get(id);
    if (!record) return undefined;
    const now = this.now();
    if (now - record.lastUsedAt >= this.idleMs || now - record.createdAt >= (this.opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) {
      this.sessions.delete(id);
      return undefined;
    }
    record.lastUsedAt = now;
    this.sessions.delete(id);
    this.sessions.set(id, record);
    return record;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  get count(): number {
    return this.sessions.size;
  }
}
