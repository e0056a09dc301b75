/**
 * Turns what a caller presents (an `Authorization: Bearer TOKEN` header, or a token in a WebSocket's first
 * message later) into a Principal. A caller without a token is anonymous, with the role the server grants
 * anonymous callers (none by default: only `public` methods). A token that is given but unknown is refused
 * outright, so that a typo does not silently fall back to anonymous.
 */
import { OrdoError } from '../errors.js';
import type { SqlPort } from '../store/port.js';
import { tokenByHash, touchToken } from '../store/auth.js';
import { anonymous, type Principal } from './principal.js';
import type { Role } from './roles.js';
import { hashToken } from './secrets.js';

export interface AuthenticatorOptions {
  db: SqlPort;
  /** Role of callers without a token (null: only public methods). */
  anonymousRole?: Role | null;
  now?: () => number;
  /** How often a token's last use is written at most. */
  touchEveryMs?: number;
}

export class Authenticator {
  private readonly touched = new Map<string, number>();

  constructor(private readonly opts: AuthenticatorOptions) {}

  /** From an HTTP Authorization header value (or undefined when there is none). */
  async fromHeader(header: string | undefined): Promise<Principal> {
    if (header === undefined || header === '') return anonymous(this.opts.anonymousRole ?? null);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new OrdoError('ORDO_UNAUTHENTICATED', 'the Authorization header must be "Bearer TOKEN"');
    return this.fromToken(match[1]!);
  }

  async fromToken(token: string): Promise<Principal> {
    const record = await tokenByHash(this.opts.db, hashToken(token));
    if (!record) throw new OrdoError('ORDO_UNAUTHENTICATED', 'the API token is not valid (unknown or revoked)');
    const now = (this.opts.now ?? Date.now)();
    if (now - (this.touched.get(record.name) ?? 0) >= (this.opts.touchEveryMs ?? 60_000)) {
      this.touched.set(record.name, now);
      await touchToken(this.opts.db, record.name, now);
    }
    return { name: record.user ?? record.name, role: record.role, via: 'token', token: record.name };
  }
}
