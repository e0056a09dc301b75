/**
 * The HTTP server: Fastify on one port (TLS when a certificate and key are given) serving JSON-RPC over
 * POST /rpc and over the WebSocket /ws, the REST routes under /api, /openapi.json, /, /health(z), /readyz,
 * /metrics, the console's login under /auth and the console itself (its pages and files). Structured logs go to the pino logger it is given.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { ApiApp, type ApiAppOptions } from './app.js';
import { installConsole, type ConsoleFiles } from './routes/console.js';
import { installFallback } from './routes/fallback.js';
import { OriginPolicy } from './origin.js';
import { installGuards } from './routes/guards.js';
import { opsRoutes } from './routes/ops.js';
import { restRoutes } from './routes/rest.js';
import { rpcRoutes } from './routes/rpc.js';
import { sessionRoutes, type ConsoleSettings } from './routes/session.js';
import { wsRoutes } from './routes/ws.js';

export interface ApiServerOptions extends ApiAppOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Web origins besides the server's own that may call it from a browser (`--allow-origin`). */
  allowOrigins?: readonly string[];
  /** The console's files: false serves none, a directory other files (default: dist/console when built). */
  console?: false | string;
}

/** The banner: ORDO_ENV or ordo.yaml's `environment`, in `environmentColor` (red for prod by default). */
function consoleSettings(app: ApiApp): ConsoleSettings {
  const settings = app.opts.services.project.current.settings;
  const name = app.opts.environmentName ?? settings.environment;
  const color = settings.environmentColor ?? (/^prod(uction)?$/i.test(name) ? '#c62828' : '#546e7a');
  return { environment: { name, color } };
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
  let pages: ConsoleFiles | null = null;
  installFallback(f, () => pages);
  await f.register(fastifyCookie);
  await f.register(fastifyWebsocket, { options: { maxPayload: maxBytes * 4 } });
  // After the WebSocket plugin, whose hooks mark an upgrade first (so a refused upgrade's socket is closed).
  installGuards(f, origins);
  pages = opts.console === false ? null : await installConsole(f, typeof opts.console === 'string' ? opts.console : undefined);
  await f.register(opsRoutes(app, pages));
  await f.register(sessionRoutes(app, opts.tls !== undefined, () => consoleSettings(app)));
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
