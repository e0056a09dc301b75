/**
 * JSON-RPC 2.0 over a WebSocket at /ws: each text message is a request, a notification or a batch; the
 * server answers on the same socket (responses may come out of order) and sends live-update notifications
 * to the connection's subscriptions. The token comes in the upgrade request's Authorization header; the
 * upgrade of a page from another web origin is refused (guards.ts).
 *
 * The token is checked again before each message (one check for the messages of a burst) and while the
 * connection idles (connections.ts): a demoted user's next call has the new role, and a revoked or expired token gets its calls refused
 * (ORDO_UNAUTHENTICATED) and the socket closed (1008), its subscriptions with it.
 *
 * Bad peers cannot hold the server: a message past the size limit gets an error (past four times the limit
 * the socket closes with 1009); more than 32 calls in flight pause reading; a peer that does not drain what
 * it is sent (16 MiB behind) or does not answer pings for 60 s is disconnected.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { Principal } from '../../auth/principal.js';
import { allows } from '../../auth/roles.js';
import { OrdoError } from '../../errors.js';
import type { ApiApp } from '../app.js';
import type { Session } from '../context.js';
import { notification } from '../rpc/protocol.js';
import { callerOf } from './caller.js';
import { sendError } from './rest.js';
import { batchedSend } from './ws-batch.js';

const MAX_IN_FLIGHT = 32;
const MAX_BUFFERED = 16 * 1024 * 1024;
const PING_MS = 30_000;

function textOf(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

export function wsRoutes(app: ApiApp) {
  return async (f: FastifyInstance): Promise<void> => {
    f.decorateRequest('principal', null);
    f.get('/ws', {
      websocket: true,
      preValidation: async (req, reply) => {
        try {
          (req as unknown as { principal: Principal }).principal = (await callerOf(app, req, true)).principal;
        } catch (err) {
          return sendError(reply, err);
        }
      },
    }, (socket: WebSocket, req) => {
      let principal = (req as unknown as { principal: Principal }).principal;
      const address = req.ip;
      const send = batchedSend(socket);
      const session: Session = {
        id: randomBytes(8).toString('hex'),
        notify: (method, params) => {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_BUFFERED) {
            socket.close(1008, 'slow consumer');
            return;
          }
          send(JSON.stringify(notification(method, params)));
        },
      };
      /**
       * The principal as its credential stands now, or why it no longer stands. The messages that arrive before a
       * check starts share it (it starts once this turn's I/O is handled): each is still checked after it
       * arrived, with one store read for a burst of calls instead of one per call.
       */
      let check: ReturnType<typeof app.auth.verdict> | undefined;
      const current = () => {
        check ??= new Promise((resolve) => setImmediate(() => {
          check = undefined;
          resolve(app.auth.verdict(principal).then((verdict) => {
            if (verdict.error) req.log.error({ err: verdict.error }, 'websocket: the credential could not be checked');
            principal = verdict.principal;
            return verdict;
          }));
        }));
        return check;
      };
      const end = (refusal: OrdoError) => {
        app.hub.drop(session);
        if (socket.readyState === socket.OPEN) socket.close(1008, refusal.message.slice(0, 120));
      };
      const removeCheck = app.connections.add(async () => {
        const { refusal, final } = await current();
        if (refusal && final) end(refusal);
        else if (!refusal && !allows(principal.role, 'read')) app.hub.drop(session);
      });
      app.metrics.connections.inc();
      let inFlight = 0;
      let alive = true;
      const ping = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, PING_MS);
      socket.on('pong', () => {
        alive = true;
      });
      socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        alive = true;
        if (++inFlight >= MAX_IN_FLIGHT) socket.pause();
        const handle = async () => {
          const checked = await current();
          const after: Array<() => void> = [];
          const call = { principal: checked.principal, session, address, refusal: checked.refusal, afterReply: (fn: () => void) => after.push(fn) };
          const response = await app.core.handle(textOf(data), call);
          if (response !== undefined && socket.readyState === socket.OPEN) send(response);
          for (const fn of after) fn();
          if (checked.refusal && checked.final) end(checked.refusal);
        };
        handle()
          .catch((err: unknown) => req.log.error({ err }, 'websocket: a message could not be handled'))
          .finally(() => {
            if (--inFlight < MAX_IN_FLIGHT && socket.isPaused) socket.resume();
            app.metrics.subscriptions.set(app.hub.count);
          });
      });
      socket.on('close', () => {
        clearInterval(ping);
        removeCheck();
        app.hub.drop(session);
        app.opts.services.jobcenter?.sessionClosed(session.id);
        app.opts.services.agents?.sessionClosed(session.id);
        app.metrics.connections.dec();
        app.metrics.subscriptions.set(app.hub.count);
      });
      socket.on('error', (err) => req.log.warn({ err }, 'websocket error'));
    });
  };
}
