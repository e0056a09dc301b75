/**
 * The JobCenter listener: JSON-RPC 2.0 over TCP (TLS when a certificate is given), each message a
 * netstring of at most 999,999 bytes, as seed 001's jcapi serves it (port 6522 there). It offers the same
 * methods as the native API (the registry's), with the identity `hello` gives the connection.
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
  /** How often a connection is pinged, and how long it has to answer (default a third of the worker timeout). */
  pingMs?: number;
  /** How long a new connection has to say hello (default 30 s). */
  helloTimeoutMs?: number;
}

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
    pingMs: opts.pingMs ?? Math.max(100, Math.floor(opts.service.workerTimeoutMs / 3)),
    helloTimeoutMs: opts.helloTimeoutMs ?? 30_000,
  };
  const onSocket = (socket: Socket): void => {
    socket.setNoDelay(true);
    const c = new JcConnection(socket, deps, (ended) => live.delete(ended));
    live.add(c);
    c.start();
  };
  const server: Server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, onSocket) : createTcpServer(onSocket);
  server.on('error', (err) => opts.logger.error({ err }, 'jcapi listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
