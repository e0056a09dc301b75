/**
 * JSON-RPC 2.0 over one WebSocket, both ways: requests to the server (answered by id, with a timeout),
 * notifications from it (to handlers by method), and requests from it (answered by handlers). The token
 * goes in the upgrade request's Authorization header. An error answer becomes an OrdoError with the
 * server's ORDO_* code.
 */
import WebSocket from 'ws';
import { OrdoError } from '../errors.js';
import { fromRpcError } from '../api/rpc/errors.js';
import type { RpcError } from '../api/rpc/protocol.js';

export interface SocketOptions {
  /** The server's base URL (`http://host:6580`, `https://...`) or its WebSocket URL (`ws://host:6580/ws`). */
  url: string;
  token?: string;
  /** Extra CA certificates to trust (PEM), for a server with a private CA. */
  ca?: string | Buffer;
  /** How long a request may wait for its answer (default 30 s). */
  requestTimeoutMs?: number;
  /** How long opening the socket may take (default 10 s). */
  connectTimeoutMs?: number;
}

type Params = Record<string, unknown>;
type NotificationHandler = (params: Params) => void;
type RequestHandler = (params: Params) => unknown;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export function wsUrl(url: string): string {
  const u = url.replace(/\/+$/, '').replace(/^http/, 'ws');
  return /^wss?:\/\//.test(u) ? (u.endsWith('/ws') ? u : `${u}/ws`) : `ws://${u}/ws`;
}

export class RpcSocket {
  private readonly pending = new Map<number, Pending>();
  private readonly notifications = new Map<string, Set<NotificationHandler>>();
  private readonly requests = new Map<string, RequestHandler>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private nextId = 1;

  private constructor(private readonly ws: WebSocket, private readonly opts: SocketOptions) {
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', (code, reason) => {
      const why = `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new OrdoError('ORDO_UNAVAILABLE', `the connection to the server ${why} before it answered`));
      }
      this.pending.clear();
      for (const l of this.closeListeners) l(why);
    });
    ws.on('error', () => {});
  }

  static connect(opts: SocketOptions): Promise<RpcSocket> {
    const ws = new WebSocket(wsUrl(opts.url), {
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {}, ca: opts.ca, handshakeTimeout: opts.connectTimeoutMs ?? 10_000,
    });
    return new Promise((resolve, reject) => {
      const onOpen = () => {
        off();
        resolve(new RpcSocket(ws, opts));
      };
      const onError = (err: Error) => fail(new OrdoError('ORDO_UNAVAILABLE', `cannot reach ${wsUrl(opts.url)}: ${err.message}`));
      const onRefused = (_req: unknown, res: { statusCode?: number }) => fail(res.statusCode === 401
        ? new OrdoError('ORDO_UNAUTHENTICATED', 'the server refused the token (HTTP 401)')
        : new OrdoError('ORDO_UNAVAILABLE', `the server refused the WebSocket (HTTP ${res.statusCode ?? '?'})`));
      const off = () => {
        ws.off('open', onOpen);
        ws.off('error', onError);
        ws.off('unexpected-response', onRefused);
      };
      const fail = (err: Error) => {
        off();
        ws.on('error', () => {});
        ws.terminate();
        reject(err);
      };
      ws.on('open', onOpen);
      ws.on('error', onError);
      ws.on('unexpected-response', onRefused);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  request<T = unknown>(method: string, params: Params = {}, timeoutMs = this.opts.requestTimeoutMs ?? 30_000): Promise<T> {
    if (!this.isOpen) return Promise.reject(new OrdoError('ORDO_UNAVAILABLE', `not connected: cannot call ${method}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new OrdoError('ORDO_UNAVAILABLE', `no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  notify(method: string, params: Params = {}): void {
    if (this.isOpen) this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  on(method: string, handler: NotificationHandler): () => void {
    const set = this.notifications.get(method) ?? new Set();
    set.add(handler);
    this.notifications.set(method, set);
    return () => set.delete(handler);
  }

  /** Answers the server's requests of this method (e.g. `ping`). */
  answer(method: string, handler: RequestHandler): void {
    this.requests.set(method, handler);
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.add(listener);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => this.ws.terminate(), 2000);
      this.ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.ws.close();
    });
  }

  /** Drops the connection at once (a peer that stopped answering). */
  terminate(): void {
    this.ws.terminate();
  }

  private onMessage(text: string): void {
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    for (const one of Array.isArray(m) ? m : [m]) this.onOne(one as Record<string, unknown>);
  }

  private onOne(m: Record<string, unknown>): void {
    if (typeof m !== 'object' || m === null) return;
    if (typeof m.method === 'string') {
      const params = (typeof m.params === 'object' && m.params !== null ? m.params : {}) as Params;
      if (!('id' in m)) {
        for (const h of this.notifications.get(m.method) ?? []) h(params);
        return;
      }
      this.answerRequest(m.id, m.method, params);
      return;
    }
    const p = typeof m.id === 'number' ? this.pending.get(m.id) : undefined;
    if (!p) return;
    this.pending.delete(m.id as number);
    clearTimeout(p.timer);
    if (m.error) p.reject(fromRpcError(m.error as RpcError));
    else p.resolve(m.result);
  }

  private answerRequest(id: unknown, method: string, params: Params): void {
    const handler = this.requests.get(method);
    const reply = (body: Record<string, unknown>) => {
      if (this.isOpen) this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, ...body }));
    };
    if (!handler) {
      reply({ error: { code: -32601, message: `method not found: ${method}` } });
      return;
    }
    Promise.resolve().then(() => handler(params)).then(
      (result) => reply({ result: result ?? null }),
      (err: unknown) => reply({ error: { code: -32603, message: err instanceof Error ? err.message : String(err) } }),
    );
  }
}
