/** Who calls the API: a token's name and role, or an anonymous caller (role null unless configured). */
import type { Role } from './roles.js';

export interface Principal {
  /** The token's name (or the user it belongs to), `anonymous`, or `local` for in-process callers. */
  name: string;
  role: Role | null;
  via: 'token' | 'anonymous' | 'local';
  /** The name of the token used, when `via` is `token`. */
  token?: string;
}

export const ANONYMOUS: Principal = { name: 'anonymous', role: null, via: 'anonymous' };

export function anonymous(role: Role | null): Principal {
  return { name: 'anonymous', role, via: 'anonymous' };
}
