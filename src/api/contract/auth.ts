/** Users and API tokens (`ordo user|token`): permission `manage`, and nobody grants a role beyond their own. */
import { ROLES } from '../../auth/roles.js';
import { arr, bool, entity, int, nullable, obj, oneOf, str } from './schema.js';
import type { MethodSpec } from './types.js';

const name = str({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][\\w.@-]{0,99}$' });
const role = oneOf(ROLES);

export const authMethods = {
  'users.list': {
    summary: 'the users and their roles', permission: 'manage', params: obj({}),
    result: arr(entity('a user', { name: str(), role, hasPassword: bool(), createdAt: int() })), rest: { verb: 'GET', path: '/api/users' },
  },
  'users.add': {
    summary: 'add a user (or change its role and password with `replace`; its tokens are narrowed to a lower role at once); the role, new and current, may not exceed the caller\'s', permission: 'manage',
    params: obj({ name, role, password: str({ minLength: 8, maxLength: 1000 }), replace: bool() }, ['name', 'role']),
    result: obj({ name: str(), role }, ['name', 'role']), rest: { verb: 'POST', path: '/api/users' },
  },
  'tokens.list': {
    summary: 'the API tokens (never their secrets)', permission: 'manage', params: obj({}),
    result: arr(entity('a token', {
      name: str(), role, user: nullable(str()), createdAt: int(), lastUsedAt: nullable(int()),
      expiresAt: nullable(int({ description: 'when it stops working (ms since the epoch); null: never' })),
    })),
    rest: { verb: 'GET', path: '/api/tokens' },
  },
  'tokens.create': {
    summary: "create a token (role: by default the user's; never beyond the caller's; for a user the caller may change); `expires`: 90m, 12h, 30d or an ISO date; its secret is in the result only this once",
    permission: 'manage',
    params: obj({ name, role, user: name, expires: str({ minLength: 1, maxLength: 40 }) }, ['name']),
    result: obj({ name: str(), role, token: str(), expiresAt: nullable(int()) }, ['name', 'role', 'token', 'expiresAt']),
    rest: { verb: 'POST', path: '/api/tokens' },
  },
  'tokens.revoke': {
    summary: 'revoke a token: it stops working at once, also on open connections; the token and its user may not have a role beyond the caller\'s', permission: 'manage',
    params: obj({ name }, ['name']), result: obj({ name: str(), revoked: { const: true } }, ['name', 'revoked']),
    rest: { verb: 'POST', path: '/api/tokens/:name/revoke' },
  },
} satisfies Record<string, MethodSpec>;
