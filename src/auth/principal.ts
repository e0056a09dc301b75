/** Who calls the API: a token's name and role, or an anonymous caller (role null unless configured). */
import type { Role } from './roles.js';

export interface Principal {
  /** The token's name (or the user it belongs to), `anonymous`, or `local` for in-process callers. */
  name: string;
  role: Role | null;
  via: 'token' | 'anonymous' | 'local';
  /** The name of the token used, when `via` is `token`. */
  token?: string;
  /** What was presented, so that a long-lived connection can check it again before each call. */
  credential?: Credential;
}

/** A credential accepted once: a token (by its hash) or a user's password (by the hash it matched). */
export type Credential =
  | { kind: 'token'; hash: string }
  | { kind: 'password'; user: string; passwordHash: string };

export const ANONYMOUS: Principal = { name: 'anonymous', role: null, via: 'anonymous' };

export function anonymous(role: Role | null): Principal {
  return { name: 'anonymous', role, via: 'anonymous' };
}
