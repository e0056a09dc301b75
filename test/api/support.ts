/**
 * A real Ordo server for API tests: a temp project, a store (SQLite in the temp dir, or a PostgreSQL
 * database), the engine, the adopt loop and the API on 127.0.0.1 with an ephemeral port; a token per role;
 * and small clients: a JSON-RPC client from the json-rpc-2.0 package over fetch, raw POSTs, WebSockets.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JSONRPCClient, type JSONRPCResponse } from 'json-rpc-2.0';
import { pino } from 'pino';
import WebSocket from 'ws';
import { startOrdoServer, type OrdoServer } from '../../src/api/serve.js';
import type { LimiterOptions } from '../../src/auth/limiter.js';
import { ROLES, type Role } from '../../src/auth/roles.js';
import { hashToken, newToken } from '../../src/auth/secrets.js';
import { loadProject } from '../../src/defs/load.js';
import { createToken } from '../../src/store/auth.js';
import { usePostgres } from '../support/postgres.js';
import { tempDir } from '../support/tmp.js';
import { poll } from '../support/wait.js';

export const PROJECT: Record<string, string> = {
  'ordo.yaml': 'maxParallel: 4\ngates:\n  eod: {}\nconnectors:\n  dwh: { maxParallel: 2 }\n',
  'flows/quick.yaml': 'flow: quick\njobs:\n  a: { kind: noop }\n  b: { kind: noop, after: [a] }\n',
  'flows/params.yaml': 'flow: params\nparams:\n  n: { type: integer, required: true }\njobs:\n  echo: { command: [echo, "n=${{ params.n }}"] }\n',
  // Holds at the gate until a test opens it.
  'flows/gated.yaml': 'flow: gated\njobs:\n  first: { kind: noop }\n  held: { kind: noop, after: [first], locks: [{ name: eod, mode: shared }] }\n',
};

export interface TestServer {
  server: OrdoServer;
  url: string;
  /** The state directory (ORDO_HOME): the SQLite store is there. */
  stateDir: string;
  /** The PostgreSQL database, when on PostgreSQL. */
  databaseUrl?: string;
  tokens: Record<Role, string>;
  dir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  postgres?: boolean;
  /** The PostgreSQL database of another test server, to share it. */
  databaseUrl?: string;
  maxMessageBytes?: number;
  anonymousRole?: Role | null;
  files?: Record<string, string>;
  tls?: { cert: string; key: string };
  allowOrigins?: string[];
  metricsPublic?: boolean;
  rateLimit?: LimiterOptions;
  /** How often open connections check their credential while idle (default: rarely, tests call recheckAll). */
  recheckMs?: number;
  /** The state directory (ORDO_HOME) of another test server, to share its SQLite store (kept at close). */
  stateDir?: string;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const tmp = tempDir('ordo-api-');
  const projectDir = join(tmp.path, 'project');
  for (const [name, text] of Object.entries({ ...PROJECT, ...opts.files })) {
    mkdirSync(dirname(join(projectDir, name)), { recursive: true });
    writeFileSync(join(projectDir, name), text);
  }
  const { project, diagnostics } = await loadProject(projectDir);
  if (!project) throw new Error(`test project invalid: ${JSON.stringify(diagnostics)}`);
  const db = opts.postgres && !opts.databaseUrl ? await usePostgres() : undefined;
  const databaseUrl = opts.databaseUrl ?? db?.url;
  const env: NodeJS.ProcessEnv = { ORDO_HOME: opts.stateDir ?? join(tmp.path, 'state'), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  let server: OrdoServer;
  try {
    server = await startOrdoServer({
      project, env, logger: pino({ level: 'silent' }), version: 'test', host: '127.0.0.1', port: 0, pollMs: 50, feedPollMs: 50,
      maxMessageBytes: opts.maxMessageBytes, anonymousRole: opts.anonymousRole, checkResults: true, tls: opts.tls,
      allowOrigins: opts.allowOrigins, metricsPublic: opts.metricsPublic, rateLimit: opts.rateLimit, recheckMs: opts.recheckMs ?? 600_000,
    });
  } catch (err) {
    await db?.release();
    tmp.cleanup();
    throw err;
  }
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) {
    tokens[role] = newToken();
    const name = opts.databaseUrl || opts.stateDir ? `t${randomBytes(3).toString('hex')}-${role}` : `t-${role}`;
    await createToken(server.rt.store.sql, { name, role, user: null, hash: hashToken(tokens[role]) }, 'test', Date.now());
  }
  return {
    server, url: server.url!, stateDir: env.ORDO_HOME!, tokens, dir: projectDir, databaseUrl,
    async close() {
      await server.close();
      await db?.release();
      tmp.cleanup();
    },
  };
}

/** The independent JSON-RPC client (json-rpc-2.0 from npm) over HTTP POST /rpc. */
export function rpcClient(url: string, token?: string): JSONRPCClient {
  const client: JSONRPCClient = new JSONRPCClient(async (payload) => {
    const res = await fetch(`${url}/rpc`, {
      method: 'POST', body: JSON.stringify(payload),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    if (res.status === 204) return;
    client.receive((await res.json()) as JSONRPCResponse | JSONRPCResponse[]);
  });
  return client;
}

/** A raw POST of any body to /rpc. */
export async function postRaw(url: string, body: string, token?: string): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(`${url}/rpc`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

/** A WebSocket with a queue of what it received, and a bounded wait for a message. */
export interface TestSocket {
  ws: WebSocket;
  received: unknown[];
  send(value: unknown): void;
  next(pred: (m: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the socket closed, with the close code the server sent. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** `origin`: the Origin header a browser would send; `localAddress`: connect from this loopback address. */
export interface SocketOptions {
  origin?: string;
  localAddress?: string;
}

export async function openSocket(url: string, token?: string, ca?: string, opts: SocketOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, {
    headers: token ? { authorization: `Bearer ${token}` } : {}, ca, ...(opts.origin ? { origin: opts.origin } : {}),
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const received: unknown[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    received.push(JSON.parse(String(data)));
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
  });
  return {
    ws, received, closed,
    send: (value) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    next: (pred, what, timeoutMs = 10_000) => new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < received.length; seen++) {
          const m = received[seen] as Record<string, unknown>;
          if (typeof m === 'object' && m !== null && pred(m)) {
            cleanup();
            resolve(m);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(received)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    }),
    close: () => new Promise<void>((resolve) => {
      if (ws.readyState === ws.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close();
    }),
  };
}

/** Polls `fn` until it returns something other than undefined (bounded). */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  return poll(what, fn, { timeoutMs, intervalMs: 25 });
}
