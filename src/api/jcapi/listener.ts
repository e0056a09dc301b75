/**
 * The JobCenter listener: JSON-RPC 2.0 over TCP (TLS when a certificate is given), each message a
 * netstring of at most 999,999 bytes (64 KiB before hello), as seed 001's jcapi serves it (port 6522 there).
 * It offers the same methods as the native API (the registry's), with the identity `hello` gives the
 * connection.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { ApiApp } from '../app.js';
import { JcConnection } from './connection.js';
import { MAX_FRAME } from './netstring.js';
import type { JobCenterService } from './service.js';

export interface JcListenerOptions {
  app: ApiApp;
  service: JobCenterService;
  logger: Logger;
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Largest frame (default 999,999 bytes, and never more than the API's message limit). */
  maxFrame?: number;
  /** How often a worker's connection is pinged (default 60 s, as JobCenter). */
  pingMs?: number;
  /** How long a worker has to answer a ping (default 30 s, as JobCenter): a synchronous task may delay it. */
  pingTimeoutMs?: number;
  /** How long a new connection has to say hello (default 30 s). */
  helloTimeoutMs?: number;
  /** How long a frame, once begun, may take to arrive (default 30 s). */
  frameTimeoutMs?: number;
}

export const DEFAULT_PING_MS = 60_000;
export const DEFAULT_PING_TIMEOUT_MS = 30_000;
/** Before hello only hello and a few public methods answer: small frames suffice. */
const HELLO_MAX_FRAME = 64 * 1024;

export interface JcListener {
  host: string;
  port: number;
  /** e.g. `tcp://127.0.0.1:6522` or `tls://...`. */
  url: string;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startJcListener(opts: JcListenerOptions): Promise<JcListener> {
  const live = new Set<JcConnection>();
  const deps = {
    app: opts.app, service: opts.service, logger: opts.logger,
    maxFrame: Math.min(opts.maxFrame ?? MAX_FRAME, MAX_FRAME, opts.app.core.maxMessageBytes),
    helloMaxFrame: HELLO_MAX_FRAME,
    pingMs: opts.pingMs ?? DEFAULT_PING_MS,
    pingTimeoutMs: opts.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS,
    helloTimeoutMs: opts.helloTimeoutMs ?? 30_000,
    frameTimeoutMs: opts.frameTimeoutMs ?? 30_000,
  };
  const onSocket = (socket: Socket): void => {
    socket.setNoDelay(true);
    // Clients are not pinged: TCP keep-alive finds the peers that vanished without a word.
    socket.setKeepAlive(true, 60_000);
    const c = new JcConnection(socket, deps, (ended) => live.delete(ended));
    live.add(c);
    c.start();
  };
  const server: Server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, onSocket) : createTcpServer(onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Only once listening: a failure to listen is the caller's to report (in one line), not a log entry.
  server.on('error', (err) => opts.logger.error({ err }, 'jcapi listener error'));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    host: address.address, port: address.port, url: `${opts.tls ? 'tls' : 'tcp'}://${host}:${address.port}`,
    get connections() {
      return live.size;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of live) c.close('the server is shutting down');
      await closed;
    },
  };
}
