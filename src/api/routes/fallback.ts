/**
 * What answers a request that no route takes: the documented error body (see rest.ts), never Fastify's
 * default. A path that exists under another HTTP method is `405` with an `Allow` header
 * (`ORDO_METHOD_NOT_ALLOWED`); any other path is `404` (`ORDO_METHOD_NOT_FOUND`). Routes are collected as
 * they are registered (`onRoute`), so install this before the route plugins.
 */
import type { FastifyInstance } from 'fastify';
import { OrdoError } from '../../errors.js';
import type { ConsoleFiles } from './console.js';
import { sendError } from './rest.js';

interface KnownRoute {
  methods: string[];
  pattern: RegExp;
}

/** `/api/runs/:run/jobs/:job` -> a regular expression matching concrete paths of it. */
function patternOf(url: string): RegExp {
  const parts = url.split('/').map((seg) => {
    if (seg.startsWith(':')) return '[^/]+';
    if (seg === '*') return '.*';
    return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}/?$`);
}

/** `spa`: the console's pages, which answer a browser's GET of a client route (routes/console.ts). */
export function installFallback(f: FastifyInstance, spa?: () => ConsoleFiles | null): void {
  const routes: KnownRoute[] = [];
  f.addHook('onRoute', (opts) => {
    const methods = ([] as string[]).concat(opts.method);
    routes.push({ methods, pattern: patternOf(opts.url ?? opts.path) });
  });
  f.setNotFoundHandler((req, reply) => {
    const pages = spa?.();
    if (pages?.wantsPage(req)) return pages.sendPage(reply);
    const path = req.url.split('?')[0] ?? '/';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))].sort();
    // Bodies of unknown routes are not read; a request path is echoed without its query string.
    const shown = JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}...` : path);
    if (allowed.length > 0) {
      void reply.header('allow', allowed.join(', '));
      return sendError(reply, new OrdoError('ORDO_METHOD_NOT_ALLOWED',
        `${req.method} is not allowed on ${shown} (allowed: ${allowed.join(', ')})`, { allowed }));
    }
    return sendError(reply, new OrdoError('ORDO_METHOD_NOT_FOUND',
      `no route ${req.method} ${shown}: see /openapi.json for the REST routes, or POST /rpc for JSON-RPC`));
  });
}
