/**
 * The web console (console/ built by vite into dist/console) served by the server itself: its files under
 * `/assets/...`, and `index.html` for `/` and every client route (`/runs/12`, ...) that a browser asks for
 * as a page (Accept: text/html). API paths and clients that want JSON keep their answers: `GET /` without
 * `text/html` is still the API's index. Pages get headers that keep them out of frames and other sites'
 * scripts out of them (the console loads only its own files and talks only to this server).
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dist/console, beside dist/src (this file is dist/src/api/routes/console.js once built). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

const NOT_PAGES = /^\/(api|rpc|ws|auth|metrics|openapi\.json|health|healthz|readyz)(\/|$)/;

export interface ConsoleFiles {
  /** Whether this request is a browser asking for a page of the console. */
  wantsPage(req: FastifyRequest): boolean;
  sendPage(reply: FastifyReply): FastifyReply;
}

function securityHeaders(reply: FastifyReply): void {
  void reply.header('content-security-policy', "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
    .header('x-frame-options', 'DENY').header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
}

/** Registers the console's files, or returns null when the console was not built (dist/console missing). */
export async function installConsole(f: FastifyInstance, dir = CONSOLE_DIR): Promise<ConsoleFiles | null> {
  if (!existsSync(`${dir}/index.html`)) return null;
  const index = readFileSync(`${dir}/index.html`);
  await f.register(fastifyStatic, {
    root: dir, prefix: '/', index: false, wildcard: false, cacheControl: true, maxAge: '1h',
    setHeaders: (res) => res.setHeader('x-content-type-options', 'nosniff'),
  });
  return {
    wantsPage(req) {
      const path = req.url.split('?')[0] ?? '/';
      return req.method === 'GET' && !NOT_PAGES.test(path) && /text\/html/.test(req.headers.accept ?? '');
    },
    sendPage(reply) {
      securityHeaders(reply);
      return reply.code(200).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
    },
  };
}
