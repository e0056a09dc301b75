/**
 * Turns what a caller presents (an `Authorization: Bearer TOKEN` header, or a token in a WebSocket's first
 * message later) into a Principal. A caller without a token is anonymous, with the role the server grants
 * anonymous callers (none by default: only `public` methods). A token that is given but unknown, revoked or
 * expired is refused outright, so that a typo does not silently fall back to anonymous.
 *
 * A token's role is narrowed to its user's current role at every use, and a connection that lives on (a
 * WebSocket, a JobCenter connection) has its credential checked again before each call (`recheck`): a
 * demotion applies to its next call, a revocation or an expiry refuses it.
 *
 * With a limiter, failures are counted per client address (auth/limiter.ts).
 */
import { OrdoError } from '../errors.js';
import type { SqlPort } from '../store/port.js';
import { getUser, tokenByHash, touchToken } from '../store/auth.js';
import type { FailureLimiter } from './limiter.js';
import { anonymous, type Credential, type Principal } from './principal.js';
import { narrower, type Role } from './roles.js';
import { hashToken } from './secrets.js';

export interface AuthenticatorOptions {
  db: SqlPort;
  /** Role of callers without a token (null: only public methods). */
  anonymousRole?: Role | null;
  now?: () => number;
  /** How often a token's last use is written at most. */
  touchEveryMs?: number;
  /** Counts failures per address and refuses blocked addresses. */
  limiter?: FailureLimiter;
}

export class Authenticator {
  private readonly touched = new Map<string, number>();

  constructor(private readonly opts: AuthenticatorOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** From an HTTP Authorization header value (or undefined when there is none), for a caller at `address`. */
  async fromHeader(header: string | undefined, address?: string): Promise<Principal> {
    if (header === undefined || header === '') return anonymous(this.opts.anonymousRole ?? null);
    const { limiter } = this.opts;
    if (limiter && address !== undefined) limiter.check(address);
    try {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new OrdoError('ORDO_UNAUTHENTICATED', 'the Authorization header must be "Bearer TOKEN"');
      return await this.fromToken(match[1]!);
    } catch (err) {
      if (limiter && address !== undefined && err instanceof OrdoError && err.code === 'ORDO_UNAUTHENTICATED') limiter.fail(address);
      throw err;
    }
  }

  async fromToken(token: string): Promise<Principal> {
    return this.byHash(hashToken(token));
  }

  /**
   * The principal a credential accepted earlier stands for now: its current role, or ORDO_UNAUTHENTICATED
   * when the token was revoked or expired, or the user is gone or has another password.
   */
  async recheck(p: Principal): Promise<Principal> {
    const c: Credential | undefined = p.credential;
    if (!c) return p;
    if (c.kind === 'token') return this.byHash(c.hash);
    const user = await getUser(this.opts.db, c.user);
    if (!user || user.passwordHash !== c.passwordHash) {
      throw new OrdoError('ORDO_UNAUTHENTICATED', `the password of user "${c.user}" changed (or the user is gone): say hello again`);
    }
    return { ...p, role: user.role };
  }

  /**
   * `recheck` as a verdict for a connection: a refusal that is `final` (the credential no longer holds: close
   * the connection) or not (the store could not be asked: refuse this call with ORDO_UNAVAILABLE, keep the
   * connection; `error` is the failure, for the log).
   */
  async verdict(p: Principal): Promise<{ principal: Principal; refusal?: OrdoError; final?: boolean; error?: unknown }> {
    try {
      return { principal: await this.recheck(p) };
    } catch (err) {
      if (err instanceof OrdoError) return { principal: p, refusal: err, final: true };
      return { principal: p, refusal: new OrdoError('ORDO_UNAVAILABLE', 'the credential cannot be checked now: try again'), final: false, error: err };
    }
  }

  private async byHash(hash: string): Promise<Principal> {
    const record = await tokenByHash(this.opts.db, hash);
    if (!record) throw new OrdoError('ORDO_UNAUTHENTICATED', 'the API token is not valid (unknown or revoked)');
    const now = this.now();
    if (record.expiresAt !== null && now >= record.expiresAt) {
      throw new OrdoError('ORDO_UNAUTHENTICATED', `the API token "${record.name}" expired at ${new Date(record.expiresAt).toISOString()}`);
    }
    if (record.user !== null && !record.userExists) {
      throw new OrdoError('ORDO_UNAUTHENTICATED', `the API token "${record.name}" belongs to user "${record.user}", who no longer exists`);
    }
    if (now - (this.touched.get(record.name) ?? 0) >= (this.opts.touchEveryMs ?? 60_000)) {
      this.touched.set(record.name, now);
      await touchToken(this.opts.db, record.name, now);
    }
    const role = record.userRole === null ? record.role : narrower(record.role, record.userRole);
    return { name: record.user ?? record.name, role, via: 'token', token: record.name, credential: { kind: 'token', hash } };
  }
}
