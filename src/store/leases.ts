/**
 * Leases with fencing numbers (DESIGN.md: "the right to run ... is a lease with a fencing number"): one row
 * per lease name (a singleton flow's is `flow:NAME`). A grant succeeds only when the lease is free (released,
 * or its expiry has passed) and raises the fence by one; a renewal or a release must carry the current fence,
 * so a holder that was given up cannot extend or end its successor's lease. Each operation is one statement,
 * atomic on both backends, so servers sharing a PostgreSQL agree on the holder without more coordination.
 */
import type { Queryable, SqlPort } from './port.js';

export interface LeaseRow {
  name: string;
  fence: number;
  /** The host that holds (or held) it. */
  holder: string;
  /** The attempt it was granted for (`run/task/attempt`). */
  attempt: string;
  grantedAt: number;
  expiresAt: number;
  releasedAt: number | null;
}

function toLease(r: Record<string, unknown>): LeaseRow {
  return {
    name: String(r.name), fence: Number(r.fence), holder: String(r.holder), attempt: String(r.attempt),
    grantedAt: Number(r.granted_at), expiresAt: Number(r.expires_at), releasedAt: r.released_at === null ? null : Number(r.released_at),
  };
}

export class LeaseStore {
  constructor(private readonly db: SqlPort) {}

  /** Grants a free lease to `holder` for `attempt` until now + ttl; the new fence, or undefined while it is held. */
  async grant(name: string, holder: string, attempt: string, now: number, ttlMs: number): Promise<number | undefined> {
    const taken = await this.db.query<{ fence: number }>(
      'UPDATE leases SET fence = fence + 1, holder = ?, attempt = ?, granted_at = ?, expires_at = ?, released_at = NULL ' +
      'WHERE name = ? AND (released_at IS NOT NULL OR expires_at <= ?) RETURNING fence',
      [holder, attempt, now, now + ttlMs, name, now]);
    if (taken[0]) return Number(taken[0].fence);
    const first = await this.db.query<{ fence: number }>(
      'INSERT INTO leases (name, fence, holder, attempt, granted_at, expires_at) VALUES (?, 1, ?, ?, ?, ?) ' +
      'ON CONFLICT (name) DO NOTHING RETURNING fence',
      [name, holder, attempt, now, now + ttlMs]);
    return first[0] ? Number(first[0].fence) : undefined;
  }

  /**
   * Takes a lease that `fence` still holds for a holder known to be gone (its process is dead on this host):
   * the new fence, or undefined when the lease moved on meanwhile.
   */
  async seize(name: string, fence: number, holder: string, attempt: string, now: number, ttlMs: number): Promise<number | undefined> {
    const taken = await this.db.query<{ fence: number }>(
      'UPDATE leases SET fence = fence + 1, holder = ?, attempt = ?, granted_at = ?, expires_at = ?, released_at = NULL ' +
      'WHERE name = ? AND fence = ? RETURNING fence',
      [holder, attempt, now, now + ttlMs, name, fence]);
    return taken[0] ? Number(taken[0].fence) : undefined;
  }

  /** Extends a lease that this fence still holds and that has not run out; false otherwise (it is lost). */
  async renew(name: string, fence: number, now: number, ttlMs: number): Promise<boolean> {
    return (await this.db.run(
      'UPDATE leases SET expires_at = ? WHERE name = ? AND fence = ? AND released_at IS NULL AND expires_at > ?',
      [now + ttlMs, name, fence, now])) > 0;
  }

  /**
   * Ends the lease of this fence (its holder reported its result): false when the fence is not the current
   * one any more (the lease was granted to someone else meanwhile), so the result is refused.
   */
  async release(name: string, fence: number, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE leases SET released_at = COALESCE(released_at, ?) WHERE name = ? AND fence = ?', [now, name, fence])) > 0;
  }

  /**
   * Inside a transaction `tx`: whether `fence` still holds the lease (not released, not run out at `now`). On a
   * backend with row locks the lease row stays locked (FOR SHARE) until `tx` ends, so a grant to someone else
   * waits for it: what `tx` writes under the fence is committed before the next holder can look. Without row
   * locks the backend runs write transactions one at a time, which gives the same order. So that a holder
   * frozen inside `tx` cannot keep that lock (and the next holder waiting) for ever, the backend ends its
   * session once it has been silent inside `tx` for `quietMs`, where it can (`idleTxTimeout`).
   */
  async holds(tx: Queryable, name: string, fence: number, now: number, quietMs: number): Promise<boolean> {
    const { caps } = this.db;
    const bound = caps.idleTxTimeout ? ", set_config('idle_in_transaction_session_timeout', ?, true) AS bound" : '';
    const lock = caps.rowLocks ? ' FOR SHARE' : '';
    const rows = await tx.query(`SELECT fence${bound} FROM leases WHERE name = ? AND fence = ? AND released_at IS NULL AND expires_at > ?${lock}`,
      [...(bound ? [String(Math.max(1, Math.round(quietMs)))] : []), name, fence, now]);
    return rows.length > 0;
  }

  async get(name: string): Promise<LeaseRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM leases WHERE name = ?', [name]);
    return row ? toLease(row) : undefined;
  }

  /** The lease last granted for this attempt (a restarted server finds where a singleton attempt runs). */
  async ofAttempt(attempt: string): Promise<LeaseRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM leases WHERE attempt = ? ORDER BY fence DESC LIMIT 1', [attempt]);
    return row ? toLease(row) : undefined;
  }
}
