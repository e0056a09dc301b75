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
 * Sessions live in the store (table `console_sessions`, migration 0018), keyed by the SHA-256 of their id:
 * they survive a restart of the server and work on every server of the store; a logout on one server ends
 * the session on all. They end after `idleMs` without a request (the last use is written at most once a
 * `touchEveryMs`), after `maxAgeMs` in any case, and at logout. Expired rows are deleted at the next login.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlPort, SqlRow } from '../store/port.js';
import type { Principal } from './principal.js';
import { hashToken } from './secrets.js';

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
  /** How often a session's last use is written at most (default 1 minute). */
  touchEveryMs?: number;
  now?: () => number;
}

const DEFAULT_IDLE_MS = 8 * 3600_000;
const DEFAULT_MAX_AGE_MS = 24 * 3600_000;

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The principal as stored: what it was opened as, with the credential to check again. */
function storable(p: Principal): Principal {
  return { name: p.name, role: p.role, via: p.via, ...(p.token !== undefined && { token: p.token }), ...(p.credential && { credential: p.credential }) };
}

export class SessionStore {
  constructor(private readonly db: SqlPort, private readonly opts: SessionOptions = {}) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get idleMs(): number {
    return this.opts.idleMs ?? DEFAULT_IDLE_MS;
  }

  private get maxAgeMs(): number {
    return this.opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  }

  async open(principal: Principal): Promise<SessionRecord> {
    const now = this.now();
    const record: SessionRecord = {
      id: randomBytes(32).toString('base64url'), csrf: randomBytes(24).toString('base64url'), principal, createdAt: now, lastUsedAt: now,
    };
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM console_sessions WHERE last_used_at <= ? OR created_at <= ?', [now - this.idleMs, now - this.maxAgeMs]);
      await tx.run('INSERT INTO console_sessions (id_hash, csrf, principal, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)',
        [hashToken(record.id), record.csrf, JSON.stringify(storable(principal)), now, now]);
      const [count] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM console_sessions');
      const over = Number(count?.n ?? 0) - (this.opts.max ?? 10_000);
      if (over > 0) {
        await tx.run('DELETE FROM console_sessions WHERE id_hash IN (SELECT id_hash FROM console_sessions ORDER BY last_used_at ASC LIMIT ?)', [over]);
      }
    });
    return record;
  }

  /** The live session of this id (touched), or undefined when unknown or expired (and then forgotten). */
  async get(id: string | undefined): Promise<SessionRecord | undefined> {
    if (id === undefined || id === '') return undefined;
    const hash = hashToken(id);
    const [row] = await this.db.query<SqlRow>('SELECT csrf, principal, created_at, last_used_at FROM console_sessions WHERE id_hash = ?', [hash]);
    if (!row) return undefined;
    const now = this.now();
    const createdAt = Number(row.created_at);
    const lastUsedAt = Number(row.last_used_at);
    if (now - lastUsedAt >= this.idleMs || now - createdAt >= this.maxAgeMs) {
      await this.db.run('DELETE FROM console_sessions WHERE id_hash = ?', [hash]);
      return undefined;
    }
    if (now - lastUsedAt >= (this.opts.touchEveryMs ?? 60_000)) {
      await this.db.run('UPDATE console_sessions SET last_used_at = ? WHERE id_hash = ?', [now, hash]);
    }
    return { id, csrf: String(row.csrf), principal: storable(JSON.parse(String(row.principal)) as Principal), createdAt, lastUsedAt: now };
  }

  async close(id: string): Promise<void> {
    await this.db.run('DELETE FROM console_sessions WHERE id_hash = ?', [hashToken(id)]);
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM console_sessions');
    return Number(row?.n ?? 0);
  }
}
