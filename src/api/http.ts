/**
 * The HTTP server: Fastify on one port (TLS when a certificate and key are given) serving JSON-RPC over
 * POST /rpc and over the WebSocket /ws, the REST routes under /api, /openapi.json, /, /health(z), /readyz and
 * /metrics. Structured logs go to the pino logger it is given.
 */
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { ApiApp, type ApiAppOptions } from './app.js';
import { installFallback } from './routes/fallback.js';
import { OriginPolicy } from './origin.js';
import { installGuards } from './routes/guards.js';
import { opsRoutes } from './routes/ops.js';
import { restRoutes } from './routes/rest.js';
import { rpcRoutes } from './routes/rpc.js';
import { wsRoutes } from './routes/ws.js';

export interface ApiServerOptions extends ApiAppOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Web origins besides the server's own that may call it from a browser (`--allow-origin`). */
  allowOrigins?: readonly string[];
}

export interface ApiServer {
  app: ApiApp;
  fastify: FastifyInstance;
  /** e.g. http://127.0.0.1:6580 */
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const origins = new OriginPolicy(opts.allowOrigins ?? [], opts.tls ? 'https' : 'http');
  const app = new ApiApp(opts);
  const maxBytes = app.core.maxMessageBytes;
  const f = Fastify({
    loggerInstance: opts.logger,
    // One line per request comes from the onResponse hook below, at a level that depends on the route.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxBytes,
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  f.addHook('onResponse', async (req, reply) => {
    const quiet = req.url === '/metrics' || req.url === '/health' || req.url === '/healthz' || req.url === '/readyz';
    req.log[quiet ? 'debug' : 'info']({ method: req.method, path: req.routeOptions.url ?? req.url.split('?')[0], status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });
  installFallback(f);
  await f.register(fastifyWebsocket, { options: { maxPayload: maxBytes * 4 } });
  // After the WebSocket plugin, whose hooks mark an upgrade first (so a refused upgrade's socket is closed).
  installGuards(f, origins);
  await f.register(opsRoutes(app));
  await f.register(rpcRoutes(app));
  await f.register(restRoutes(app));
  await f.register(wsRoutes(app));
  try {
    await f.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = f.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    app, fastify: f, url: `${opts.tls ? 'https' : 'http'}://${host}:${address.port}`,
    async close() {
      await app.close();
      await f.close();
    },
  };
}
