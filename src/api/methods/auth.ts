/** Handlers of the user and token methods: what `ordo user|token` do, with the caller's role as the ceiling. */
import { addUser, issueToken } from '../../auth/manage.js';
import { OrdoError } from '../../errors.js';
import { listTokens, listUsers, revokeToken } from '../../store/auth.js';
import { handler, type ApiServices } from '../context.js';

export function authHandlers(s: ApiServices) {
  const db = () => s.store.sql;
  return {
    'users.list': handler(async () => listUsers(db())),
    'users.add': handler(async (p: { name: string; role: string; password?: string; replace?: boolean }, call) => {
      const role = await addUser(db(), p, call.principal.name, s.now(), call.principal.role);
      return { name: p.name, role };
    }),
    'tokens.list': handler(async () => listTokens(db())),
    'tokens.create': handler(async (p: { name: string; role?: string; user?: string }, call) => {
      const { role, secret } = await issueToken(db(), p, call.principal.name, s.now(), call.principal.role);
      return { name: p.name, role, token: secret };
    }),
    'tokens.revoke': handler(async (p: { name: string }, call) => {
      if (!(await revokeToken(db(), p.name, call.principal.name, s.now()))) throw new OrdoError('ORDO_NOT_FOUND', `there is no token named "${p.name}"`);
      return { name: p.name, revoked: true };
    }),
  };
}
