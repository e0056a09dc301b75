/** Operations endpoints, without authentication: /healthz, /readyz, /metrics, /openapi.json. */
import type { FastifyInstance } from 'fastify';
import type { ApiApp } from '../app.js';
import { readiness } from '../methods/server.js';
import { openApiDocument } from '../openapi.js';

export function opsRoutes(app: ApiApp) {
  const document = openApiDocument(app.opts.services.version);
  return async (f: FastifyInstance): Promise<void> => {
    f.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok\n'));
    f.get('/readyz', async (_req, reply) => {
      const { ready, problem } = await readiness(app.opts.services);
      return reply.code(ready ? 200 : 503).type('text/plain').send(ready ? 'ready\n' : `not ready: ${problem}\n`);
    });
    f.get('/metrics', async (_req, reply) => {
      app.metrics.subscriptions.set(app.hub.count);
      return reply.type(app.metrics.contentType).send(await app.metrics.render());
    });
    f.get('/openapi.json', async (_req, reply) => reply.send(document));
  };
}
