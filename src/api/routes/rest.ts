/**
 * The REST surface: each contract method with a `rest` route, mapped onto the same registry call as
 * JSON-RPC. Path segments and (GET) query strings arrive as text and are coerced to the types the method's
 * schema declares; POST bodies are JSON. Errors answer with the code's HTTP status and
 * `{"error": {"code", "message", "rpcCode", "details"}}`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrdoError } from '../../errors.js';
import type { ApiApp } from '../app.js';
import { CONTRACT, type MethodSpec } from '../contract/index.js';
import type { JsonSchema } from '../contract/schema.js';
import { toWireError, type WireError } from '../rpc/errors.js';
import { callerOf } from './caller.js';

/** Text to the declared scalar type, when it reads as one (else left for validation to refuse). */
function coerce(schema: JsonSchema | undefined, value: unknown): unknown {
  if (typeof value !== 'string' || !schema) return value;
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function paramsOf(spec: MethodSpec, req: FastifyRequest): Record<string, unknown> {
  const props = (spec.params.properties ?? {}) as Record<string, JsonSchema>;
  const fromUrl = { ...(req.query as Record<string, unknown>), ...(req.params as Record<string, unknown>) };
  const body = req.body === undefined || req.body === null ? {} : req.body;
  if (typeof body !== 'object' || Array.isArray(body)) throw new OrdoError('ORDO_INVALID_PARAMS', 'the request body must be a JSON object');
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const [k, v] of Object.entries(fromUrl)) out[k] = coerce(props[k], v);
  return out;
}

export function sendError(reply: FastifyReply, err: unknown, wire: WireError = toWireError(err)): FastifyReply {
  const { code, ...details } = (wire.rpc.data ?? {}) as Record<string, unknown>;
  if (typeof details.retryAfterSeconds === 'number') void reply.header('retry-after', String(details.retryAfterSeconds));
  return reply.code(wire.http).send({ error: { code, message: wire.rpc.message, rpcCode: wire.rpc.code, ...(Object.keys(details).length ? { details } : {}) } });
}

export function restRoutes(app: ApiApp) {
  return async (f: FastifyInstance): Promise<void> => {
    // An empty JSON body (a POST without params) is an empty object.
    f.removeContentTypeParser('application/json');
    f.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      if (String(body).trim() === '') return done(null, {});
      try {
        done(null, JSON.parse(String(body)));
      } catch (err) {
        done(new OrdoError('ORDO_PARSE_ERROR', `the body is not valid JSON: ${(err as Error).message}`), undefined);
      }
    });
    f.setErrorHandler((err: { statusCode?: number; message: string; code?: string }, _req, reply) => {
      if (err.statusCode === 413) return sendError(reply, new OrdoError('ORDO_TOO_LARGE', `body larger than ${app.core.maxMessageBytes} bytes`));
      if (err instanceof OrdoError) return sendError(reply, err);
      if (err.statusCode && err.statusCode < 500) return sendError(reply, new OrdoError('ORDO_PARSE_ERROR', err.message));
      return sendError(reply, err);
    });
    for (const [name, spec] of Object.entries(CONTRACT) as Array<[string, MethodSpec]>) {
      if (!spec.rest) continue;
      f.route({
        method: spec.rest.verb, url: spec.rest.path,
        handler: async (req, reply) => {
          const started = performance.now();
          let principal = 'anonymous';
          try {
            const caller = (await callerOf(app, req, req.method !== 'GET')).principal;
            principal = caller.name;
            const result = await app.registry.invoke(name, paramsOf(spec, req), { principal: caller, address: req.ip });
            app.observe({ method: name, ms: performance.now() - started, code: null, principal });
            return reply.send(result);
          } catch (err) {
            const wire = toWireError(err);
            app.observe({ method: name, ms: performance.now() - started, code: String((wire.rpc.data as { code?: string }).code), principal, internal: wire.internal });
            return sendError(reply, err, wire);
          }
        },
      });
    }
  };
}
