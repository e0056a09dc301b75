/**
 * A connection to an Ordo server that comes back: when the WebSocket drops, it reconnects with
 * exponential backoff (with jitter, capped) and tells its users (`onConnect`), who then restore what the
 * server kept per connection (announcements, watched jobs). Requests made while it is down wait for the
 * next connection, within their timeout. A refused token ends it: retrying would not help.
 */
import { OrdoError } from '../errors.js';
import { RpcSocket, type SocketOptions } from './rpc-socket.js';

export interface LinkOptions extends SocketOptions {
  /** First and longest wait between reconnects (default 100 ms and 10 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told about connection failures and drops (they are retried). */
  onError?(err: Error): void;
}

/** The wait before reconnect `attempt` (0-based): doubling from min to max, +-20% jitter. */
export function backoff(attempt: number, minMs = 100, maxMs = 10_000, random = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

type Params = Record<string, unknown>;

export class Link {
  private socket: RpcSocket | null = null;
  private closed = false;
  private failure: Error | null = null;
  private connecting: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();
  private readonly handlers = new Map<string, Set<(p: Params) => void>>();
  private readonly answers = new Map<string, (p: Params) => unknown>();
  private readonly connectListeners = new Set<() => void | Promise<void>>();

  constructor(private readonly opts: LinkOptions) {}

  /**
   * Connects (retrying with backoff); rejects when the server refuses the token, or when `timeoutMs` passes
   * without a connection (the link is then closed).
   */
  open(timeoutMs?: number): Promise<void> {
    this.connecting ??= this.connectLoop();
    if (timeoutMs === undefined) return this.connecting;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        void this.close();
        reject(new OrdoError('ORDO_UNAVAILABLE', `cannot connect to ${this.opts.url} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    return Promise.race([this.connecting, late]).finally(() => clearTimeout(timer));
  }

  get connected(): boolean {
    return this.socket?.isOpen === true;
  }

  on(method: string, handler: (p: Params) => void): () => void {
    let set = this.handlers.get(method);
    if (!set) {
      set = new Set();
      this.handlers.set(method, set);
      if (this.socket) this.route(this.socket, method);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  answer(method: string, handler: (p: Params) => unknown): void {
    this.answers.set(method, handler);
    this.socket?.answer(method, handler);
  }

  /** Called after every (re)connect, before waiting requests go out. */
  onConnect(listener: () => void | Promise<void>): void {
    this.connectListeners.add(listener);
  }

  async request<T = unknown>(method: string, params: Params = {}, timeoutMs = this.opts.requestTimeoutMs ?? 30_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    const socket = await this.ready(timeoutMs, method);
    return socket.request<T>(method, params, Math.max(1, until - Date.now()));
  }

  /** A request on the current connection only (no waiting for a reconnect). */
  requestNow<T = unknown>(method: string, params: Params = {}, timeoutMs?: number): Promise<T> {
    if (!this.socket?.isOpen) return Promise.reject(new OrdoError('ORDO_UNAVAILABLE', `not connected: cannot call ${method}`));
    return this.socket.request<T>(method, params, timeoutMs);
  }

  /** Drops the current connection (it stopped answering); the link reconnects. */
  drop(): void {
    this.socket?.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters) w();
    await this.socket?.close();
  }

  private async ready(timeoutMs: number, method: string): Promise<RpcSocket> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.closed) throw new OrdoError('ORDO_UNAVAILABLE', `the connection is closed: cannot call ${method}`);
      if (this.socket?.isOpen) return this.socket;
      const left = until - Date.now();
      if (left <= 0) throw new OrdoError('ORDO_UNAVAILABLE', `not connected to the server within ${timeoutMs} ms: cannot call ${method}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** Connects once (retrying with backoff); on a drop, the next loop starts at once. */
  private async connectLoop(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new OrdoError('ORDO_UNAVAILABLE', 'the connection is closed');
      let socket: RpcSocket;
      try {
        socket = await RpcSocket.connect(this.opts);
      } catch (err) {
        if (err instanceof OrdoError && err.code === 'ORDO_UNAUTHENTICATED') {
          this.failure = err;
          for (const w of this.waiters) w();
          throw err;
        }
        this.opts.onError?.(err as Error);
        await new Promise((r) => setTimeout(r, backoff(attempt, this.opts.minBackoffMs, this.opts.maxBackoffMs)).unref());
        continue;
      }
      if (this.closed) {
        await socket.close();
        throw new OrdoError('ORDO_UNAVAILABLE', 'the connection is closed');
      }
      this.attach(socket);
      socket.onClose((reason) => {
        if (this.closed || this.failure) return;
        this.opts.onError?.(new OrdoError('ORDO_UNAVAILABLE', `the connection to the server ${reason}; reconnecting`));
        this.connecting = this.connectLoop();
        this.connecting.catch((err: unknown) => this.opts.onError?.(err as Error));
      });
      for (const l of this.connectListeners) {
        try {
          await l();
        } catch (err) {
          this.opts.onError?.(err as Error);
        }
      }
      for (const w of this.waiters) w();
      return;
    }
  }

  private attach(socket: RpcSocket): void {
    this.socket = socket;
    for (const method of this.handlers.keys()) this.route(socket, method);
    for (const [method, h] of this.answers) socket.answer(method, h);
  }

  private route(socket: RpcSocket, method: string): void {
    socket.on(method, (p) => {
      for (const h of this.handlers.get(method) ?? []) h(p);
    });
  }
}
