/**
 * The console's only way to the server: JSON-RPC over POST /rpc with the session cookie and the session's
 * CSRF token, and one WebSocket for the live feed (run.changed / task.changed), shared by every page.
 */

export interface SessionInfo {
  name: string;
  role: string | null;
  permissions: string[];
  csrf: string | null;
  environment: { name: string; color: string };
}

export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

let csrf = '';
let nextId = 1;

export function setCsrf(token: string | null): void {
  csrf = token ?? '';
}

async function json<T>(res: Response): Promise<T> {
  const body = (await res.json()) as { error?: { code: string; message: string } } & T;
  if (body.error) throw new ApiError(body.error.code, body.error.message);
  return body;
}

export async function session(): Promise<SessionInfo> {
  return json<SessionInfo>(await fetch('/auth/session', { credentials: 'same-origin' }));
}

export async function login(credentials: { user: string; password: string } | { token: string }): Promise<SessionInfo> {
  return json<SessionInfo>(await fetch('/auth/login', {
    method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials),
  }));
}

export async function logout(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-ordo-csrf': csrf } });
  feed.close();
}

/** Calls a method of the API; its error (ORDO_FORBIDDEN, ...) is thrown as an ApiError. */
export async function rpc<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch('/rpc', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-ordo-csrf': csrf },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string; data?: { code?: string } } };
  if (body.error) throw new ApiError(body.error.data?.code ?? 'ORDO_INTERNAL', body.error.message);
  return body.result as T;
}

export interface Change {
  kind: string;
  run: number;
  flow: string;
  job?: string;
  task?: number;
  state: string | null;
  at: number;
  eventId: number;
  data: Record<string, unknown>;
}

type Listener = (method: 'run.changed' | 'task.changed', change: Change) => void;

/**
 * The live feed: one WebSocket subscribed to every run while any page listens; reconnects with backoff.
 * Listeners are told `connected` changes too, so a page can reload what it may have missed.
 */
class LiveFeed {
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly reconnectListeners = new Set<() => void>();
  private retryMs = 500;
  private closed = false;

  listen(fn: Listener, onReconnect?: () => void): () => void {
    this.listeners.add(fn);
    if (onReconnect) this.reconnectListeners.add(onReconnect);
    this.closed = false;
    this.connect();
    return () => {
      this.listeners.delete(fn);
      if (onReconnect) this.reconnectListeners.delete(onReconnect);
    };
  }

  private connect(): void {
    if (this.socket) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?csrf=${encodeURIComponent(csrf)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { all: true } }));
      if (opened || this.retryMs > 500) for (const fn of this.reconnectListeners) fn();
      opened = true;
      this.retryMs = 500;
    };
    socket.onmessage = (msg) => {
      const m = JSON.parse(String(msg.data)) as { method?: string; params?: Change };
      if ((m.method === 'run.changed' || m.method === 'task.changed') && m.params) {
        for (const fn of this.listeners) fn(m.method, m.params);
      }
    };
    socket.onclose = () => {
      this.socket = null;
      if (this.closed) return;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    this.socket = null;
  }
}

export const feed = new LiveFeed();
