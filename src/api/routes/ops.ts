/**
 * Operations endpoints: / (an index of the API), /health and /healthz, /readyz and /openapi.json without
 * authentication; /metrics with a token whose role may read (or, with `--anonymous ROLE`, none), unless the
 * server runs with `--metrics-public`.
 */
import type { FastifyInstance } from 'fastify';
import { allows } from '../../auth/roles.js';
import { OrdoError } from '../../errors.js';
import type { ApiApp } from '../app.js';
import { readiness } from '../methods/server.js';
import { openApiDocument } from '../openapi.js';
import { callerOf } from './caller.js';
import type { ConsoleFiles } from './console.js';
import { sendError } from './rest.js';

/** What `GET /` answers: where a visitor (a browser, curl) goes next. */
export function apiIndex(version: string) {
  return {
    name: 'ordo', version, docs: 'docs/api.md',
    endpoints: {
      'POST /rpc': 'JSON-RPC 2.0 over HTTP (Authorization: Bearer TOKEN)',
      'GET /ws': 'JSON-RPC 2.0 over a WebSocket, with live updates',
      '/api/...': 'REST over the same methods (listed in /openapi.json)',
      'GET /openapi.json': 'the OpenAPI 3.1 document',
      'GET /health': 'liveness (also /healthz)',
      'GET /readyz': 'readiness: the store answers and the engine runs',
      'GET /metrics': 'Prometheus metrics (with a token, unless --metrics-public)',
    },
  };
}

export function opsRoutes(app: ApiApp, pages: ConsoleFiles | null = null) {
  const document = openApiDocument(app.opts.services.version);
  const index = apiIndex(app.opts.services.version);
  return async (f: FastifyInstance): Promise<void> => {
    // A browser gets the console; other clients (curl, scripts) the index of the API.
    f.get('/', async (req, reply) => (pages?.wantsPage(req) ? pages.sendPage(reply) : reply.send(index)));
    for (const path of ['/health', '/healthz']) f.get(path, async (_req, reply) => reply.type('text/plain').send('ok\n'));
    f.get('/readyz', async (_req, reply) => {
      const { ready, problem } = await readiness(app.opts.services);
      return reply.code(ready ? 200 : 503).type('text/plain').send(ready ? 'ready\n' : `not ready: ${problem}\n`);
    });
    f.get('/metrics', async (req, reply) => {
      if (!app.opts.metricsPublic) {
        try {
          const caller = (await callerOf(app, req, false)).principal;
          if (!allows(caller.role, 'read')) {
            throw caller.role === null
              ? new OrdoError('ORDO_UNAUTHENTICATED', '/metrics needs an API token (or ordo server --metrics-public)')
              : new OrdoError('ORDO_FORBIDDEN', `the role ${caller.role} may not read /metrics`);
          }
        } catch (err) {
          return sendError(reply, err);
        }
      }
      app.metrics.subscriptions.set(app.hub.count);
      return reply.type(app.metrics.contentType).send(await app.metrics.render());
    });
    f.get('/openapi.json', async (_req, reply) => reply.send(document));
  };
}
