/**
 * JSON-RPC 2.0 over HTTP POST at /rpc. The body must be JSON by its content type (guards.ts refuses others
 * with 415) and is read as text, so that the core answers malformed JSON with -32700 itself. 200 with the
 * response, 204 when only notifications were sent, 413 (with a JSON-RPC error) past the size limit, 401 (with
 * a JSON-RPC error) for an invalid token, 429 while the caller's address is blocked for failed tokens.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OrdoError } from '../../errors.js';
import type { ApiApp } from '../app.js';
import { toWireError } from '../rpc/errors.js';
import { failure } from '../rpc/protocol.js';
import { callerOf } from './caller.js';
import { refuse } from './guards.js';

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(typeof body === 'string' ? body : JSON.stringify(body));
}

export function rpcRoutes(app: ApiApp) {
  return async (f: FastifyInstance): Promise<void> => {
    f.removeAllContentTypeParsers();
    f.addContentTypeParser('*', { parseAs: 'string', bodyLimit: app.core.maxMessageBytes }, (_req, body, done) => done(null, body));
    f.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
      if (err.statusCode === 413) return send(reply, 413, app.core.tooLarge());
      const wire = toWireError(new OrdoError('ORDO_INVALID_REQUEST', `invalid request: ${err.message}`));
      return send(reply, err.statusCode ?? 400, failure(null, wire.rpc));
    });
    f.post('/rpc', async (req, reply) => {
      let principal;
      try {
        principal = (await callerOf(app, req, true)).principal;
      } catch (err) {
        if (err instanceof OrdoError) return refuse(req, reply, err);
        const wire = toWireError(err);
        return send(reply, wire.http, failure(null, wire.rpc));
      }
      const text = typeof req.body === 'string' ? req.body : '';
      const response = await app.core.handle(text, { principal, address: req.ip });
      if (response === undefined) return reply.code(204).send();
      return send(reply, 200, response);
    });
  };
}
