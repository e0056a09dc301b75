/**
 * Checks every HTTP request passes before any route sees it, against web pages elsewhere driving the
 * server (cross-site request forgery, above all of a server started with `--anonymous`):
 *
 * - a request with an `Origin` that is not allowed (origin.ts) is refused with 403, the WebSocket upgrade too;
 * - a body must be JSON: any other content type (`text/plain`, `application/x-www-form-urlencoded`,
 *   `multipart/form-data`, ...) and a body without a content type are refused with 415. Those are what a
 *   page can send without a CORS preflight; `application/json` needs one, which this server never grants.
 *
 * Refusals have the error shape of the route: a JSON-RPC error (id null) on /rpc, else the REST shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrdoError } from '../../errors.js';
import type { OriginPolicy } from '../origin.js';
import { toWireError } from '../rpc/errors.js';
import { failure } from '../rpc/protocol.js';
import { sendError } from './rest.js';

/** `application/json` and `application/*+json`, with any parameters (charset). */
export function isJsonType(contentType: string): boolean {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || /^application\/[\w.-]+\+json$/.test(media);
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Answers an error in the shape of the route the request was for. */
export function refuse(req: FastifyRequest, reply: FastifyReply, err: OrdoError): FastifyReply {
  const wire = toWireError(err);
  const retry = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (retry !== undefined) void reply.header('retry-after', String(retry));
  if (req.url.split('?')[0] === '/rpc') {
    return reply.code(wire.http).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(failure(null, wire.rpc)));
  }
  return sendError(reply, err, wire);
}

export function installGuards(f: FastifyInstance, origins: OriginPolicy): void {
  f.addHook('onRequest', async (req, reply) => {
    const why = origins.refusal(req.headers.origin, req.headers.host);
    if (why) return refuse(req, reply, new OrdoError('ORDO_FORBIDDEN', why, { origin: req.headers.origin }));
    const type = req.headers['content-type'];
    if (type !== undefined ? !isJsonType(type) : hasBody(req)) {
      return refuse(req, reply, new OrdoError('ORDO_UNSUPPORTED_MEDIA_TYPE',
        `the request body must be JSON (content-type: application/json), got ${type === undefined ? 'no content type' : `"${type}"`}`,
        { contentType: type ?? null }));
    }
  });
}
