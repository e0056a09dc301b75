/**
 * How every route finds its caller: a request with an Authorization header is a bearer-token caller exactly
 * as before; without one, the console's session cookie is used (routes/session.ts), and then a request that
 * may change state must carry the session's CSRF token (`x-ordo-csrf` header, or `?csrf=` on the WebSocket
 * upgrade, which cannot set headers). Without either, the caller is anonymous.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/principal.js';
import { sameSecret, type SessionRecord } from '../../auth/sessions.js';
import { OrdoError } from '../../errors.js';
import type { ApiApp } from '../app.js';

export const SESSION_COOKIE = 'ordo_session';
export const CSRF_HEADER = 'x-ordo-csrf';

type CookieRequest = FastifyRequest & { cookies?: Record<string, string | undefined> };

export interface Caller {
  principal: Principal;
  session?: SessionRecord;
}

/** The CSRF token a request presents: its header, or (for the WebSocket upgrade, which cannot set headers) `?csrf=`. */
function presentedCsrf(req: FastifyRequest): string | undefined {
  const header = req.headers[CSRF_HEADER];
  if (typeof header === 'string') return header;
  const query = (req.query ?? {}) as Record<string, unknown>;
  return typeof query.csrf === 'string' ? query.csrf : undefined;
}

/**
 * Who sends this request: a bearer token, else a console session (its credential checked again now), else
 * anonymous. `needsCsrf`: the request may change state, so a session caller must prove it is the console.
 */
export async function callerOf(app: ApiApp, req: FastifyRequest, needsCsrf: boolean): Promise<Caller> {
  if (req.headers.authorization !== undefined && req.headers.authorization !== '') {
    return { principal: await app.auth.fromHeader(req.headers.authorization, req.ip) };
  }
  const session = await app.sessions.get((req as CookieRequest).cookies?.[SESSION_COOKIE]);
  if (!session) return { principal: await app.auth.fromHeader(undefined, req.ip) };
  if (needsCsrf) {
    const csrf = presentedCsrf(req);
    if (csrf === undefined || !sameSecret(csrf, session.csrf)) {
      throw new OrdoError('ORDO_FORBIDDEN', `a request with the session cookie must carry the session's CSRF token (${CSRF_HEADER} header)`);
    }
  }
  try {
    session.principal = await app.auth.recheck(session.principal);
  } catch (err) {
    if (err instanceof OrdoError && err.code === 'ORDO_UNAUTHENTICATED') await app.sessions.close(session.id);
    throw err;
  }
  return { principal: session.principal, session };
}
