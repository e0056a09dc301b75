/** Handlers of the server's own methods: health, who am I, and subscriptions. */
import { permissionsOf } from '../../auth/roles.js';
import { OrdoError } from '../../errors.js';
import { handler, type ApiServices, type CallContext, type Session } from '../context.js';
import type { Filter, SubscriptionHub } from '../live/hub.js';

function sessionOf(call: CallContext): Session {
  if (!call.session) throw new OrdoError('ORDO_BAD_STATE', 'subscriptions need a connection that receives notifications: use the WebSocket at /ws');
  return call.session;
}

/** Whether the store answers and the engine has not stopped on a failure. */
export async function readiness(s: ApiServices): Promise<{ ready: boolean; problem?: string }> {
  if (s.engine?.error) return { ready: false, problem: `the engine stopped: ${s.engine.error.message}` };
  try {
    await s.store.sql.query('SELECT 1 AS one');
    return { ready: true };
  } catch (err) {
    return { ready: false, problem: `the store does not answer: ${(err as Error).message}` };
  }
}

export function serverHandlers(s: ApiServices, hub: SubscriptionHub) {
  return {
    'server.health': handler(async () => {
      const { ready } = await readiness(s);
      return { status: ready ? 'ok' : 'degraded', version: s.version, uptimeMs: Math.max(0, Math.round(s.now() - s.startedAt)), ready };
    }),
    'auth.whoami': handler(async (_p: unknown, call) => ({
      name: call.principal.name, role: call.principal.role, permissions: [...permissionsOf(call.principal.role)],
    })),
    subscribe: handler(async (p: Filter, call) => ({ subscription: hub.subscribe(sessionOf(call), p) })),
    unsubscribe: handler(async (p: { subscription: string }, call) => ({
      subscription: p.subscription, removed: hub.unsubscribe(sessionOf(call), p.subscription),
    })),
  };
}
