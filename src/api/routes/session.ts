/**
 * The console's login: `POST /auth/login` with `{user, password}` or `{token}` opens a session (auth/sessions.ts)
 * and sets the `ordo_session` cookie (HttpOnly, SameSite=Strict, Path=/, Secure over TLS); its answer holds
 * the session's CSRF token. `GET /auth/session` answers who the cookie stands for now (with the CSRF token
 * again, for a reloaded page) and the environment banner; `POST /auth/logout` ends the session.
 * Failed logins count against the caller's address like bad tokens (auth/limiter.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { anonymous, type Principal } from '../../auth/principal.js';
import { permissionsOf } from '../../auth/roles.js';
import type { SessionRecord } from '../../auth/sessions.js';
import { verifyPassword } from '../../auth/secrets.js';
import { OrdoError } from '../../errors.js';
import { getUser } from '../../store/auth.js';
import type { ApiApp } from '../app.js';
import { callerOf, SESSION_COOKIE } from './caller.js';
import { sendError } from './rest.js';

/** Checks a login's credential: a user's password, or an API token. */
async function authenticate(app: ApiApp, body: Record<string, unknown>): Promise<Principal> {
  if (typeof body.token === 'string' && body.token !== '') return app.auth.fromToken(body.token);
  if (typeof body.user !== 'string' || typeof body.password !== 'string') {
    throw new OrdoError('ORDO_INVALID_PARAMS', 'log in with {"user", "password"} or {"token"}');
  }
  const user = await getUser(app.opts.services.store.sql, body.user);
  if (!user?.passwordHash || !(await verifyPassword(body.password, user.passwordHash))) {
    throw new OrdoError('ORDO_UNAUTHENTICATED', 'wrong user name or password');
  }
  return { name: user.name, role: user.role, via: 'token', credential: { kind: 'password', user: user.name, passwordHash: user.passwordHash } };
}

export interface ConsoleSettings {
  environment: { name: string; color: string };
}

function describe(principal: Principal, session: SessionRecord | undefined, settings: () => ConsoleSettings) {
  return {
    name: principal.name, role: principal.role, permissions: permissionsOf(principal.role),
    csrf: session?.csrf ?? null, ...settings(),
  };
}

export function sessionRoutes(app: ApiApp, tls: boolean, settings: () => ConsoleSettings) {
  const cookie = (reply: FastifyReply, value: string, maxAgeSeconds: number) =>
    void (reply as FastifyReply & { setCookie(n: string, v: string, o: object): void }).setCookie(SESSION_COOKIE, value, {
      httpOnly: true, sameSite: 'strict', secure: tls, path: '/', maxAge: maxAgeSeconds,
    });
  return async (f: FastifyInstance): Promise<void> => {
    f.post('/auth/login', async (req, reply) => {
      try {
        app.limiter.check(req.ip);
        let principal: Principal;
        try {
          principal = await authenticate(app, (req.body ?? {}) as Record<string, unknown>);
        } catch (err) {
          if (err instanceof OrdoError && err.code === 'ORDO_UNAUTHENTICATED') app.limiter.fail(req.ip);
          throw err;
        }
        const session = await app.sessions.open(principal);
        cookie(reply, session.id, Math.floor(app.sessions.idleMs / 1000));
        app.opts.logger.info({ user: principal.name, role: principal.role }, 'console login');
        return reply.send(describe(principal, session, settings));
      } catch (err) {
        return sendError(reply, err);
      }
    });
    f.get('/auth/session', async (req, reply) => {
      try {
        const { principal, session } = await callerOf(app, req, false);
        return reply.send(describe(principal, session, settings));
      } catch (err) {
        // A session whose credential no longer holds is simply gone: the console shows its login page.
        if (err instanceof OrdoError && err.code === 'ORDO_UNAUTHENTICATED') return reply.send(describe(anonymous(null), undefined, settings));
        return sendError(reply, err);
      }
    });
    f.post('/auth/logout', async (req, reply) => {
      try {
        const { session } = await callerOf(app, req, true);
        if (session) await app.sessions.close(session.id);
        cookie(reply, '', 0);
        return reply.send({ ok: true });
      } catch (err) {
        return sendError(reply, err);
      }
    });
  };
}
