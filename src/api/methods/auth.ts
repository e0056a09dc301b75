/**
 * Handlers of the user and token methods: what `ordo user|token` do, with the caller's role as the ceiling
 * (auth/manage.ts). After a change, this server's open connections check their credentials at once.
 */
import { addUser, issueToken, withdrawToken } from '../../auth/manage.js';
import { OrdoError } from '../../errors.js';
import { listTokens, listUsers } from '../../store/auth.js';
import { handler, type ApiServices } from '../context.js';

export function authHandlers(s: ApiServices) {
  const db = () => s.store.sql;
  return {
    'users.list': handler(async () => listUsers(db())),
    'users.add': handler(async (p: { name: string; role: string; password?: string; replace?: boolean }, call) => {
      const role = await addUser(db(), p, call.principal.name, s.now(), call.principal.role);
      if (p.replace) await s.credentialsChanged?.();
      return { name: p.name, role };
    }),
    'tokens.list': handler(async () => listTokens(db())),
    'tokens.create': handler(async (p: { name: string; role?: string; user?: string; expires?: string }, call) => {
      const { role, secret, expiresAt } = await issueToken(db(), p, call.principal.name, s.now(), call.principal.role);
      return { name: p.name, role, token: secret, expiresAt };
    }),
    'tokens.revoke': handler(async (p: { name: string }, call) => {
      if (!(await withdrawToken(db(), p.name, call.principal.name, s.now(), call.principal.role))) {
        throw new OrdoError('ORDO_NOT_FOUND', `there is no token named "${p.name}"`);
      }
      await s.credentialsChanged?.();
      return { name: p.name, revoked: true };
    }),
  };
}
