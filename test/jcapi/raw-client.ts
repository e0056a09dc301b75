/**
 * A JobCenter peer that frames netstrings by itself over a raw TCP socket (no code of Ordo's): it keeps
 * every message it receives, answers the server's `ping` requests as JobCenter::Client::Mojo does
 * (unless told not to), and waits for messages with a bound.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export type Msg = Record<string, unknown>;

/**
 * The ORDO_* code of an error answer on the netstring listener, which carries it at the head of the
 * message (JobCenter's JSON-RPC library accepts no member but code and message); checks that shape.
 */
export function errorCode(response: Msg): string {
  const error = response.error as Msg | undefined;
  if (!error) throw new Error(`not an error: ${JSON.stringify(response)}`);
  if (Object.keys(error).sort().join() !== 'code,message') throw new Error(`an error with members beyond code and message: ${JSON.stringify(error)}`);
  const m = /^(ORDO_[A-Z_]+): /.exec(String(error.message));
  if (!m) throw new Error(`no ORDO_* code at the head of ${JSON.stringify(error.message)}`);
  return m[1]!;
}

export class RawClient {
  readonly received: Msg[] = [];
  answerPings = true;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.closed = new Promise((resolve) => socket.on('close', () => {
      resolve();
      for (const w of this.waiters) w();
    }));
    socket.on('error', () => {});
  }

  /** Over TCP, or over TLS when `ca` (the server's certificate authority, PEM) is given. */
  static connect(port: number, ca?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket: Socket = ca === undefined
        ? connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)))
        : connectTls({ host: '127.0.0.1', port, ca }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  sendRaw(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  send(message: unknown): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
  }

  notify(method: string, params: Msg): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** A request; resolves with the whole response (result or error). */
  async request(method: string, params: Msg = {}, timeoutMs = 5000): Promise<Msg> {
    const id = this.nextId++;
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.next((m) => m.id === id && !('method' in m), `the answer to ${method}`, timeoutMs);
  }

  /** A request whose answer must be a result. */
  async call(method: string, params: Msg = {}, timeoutMs = 5000): Promise<unknown> {
    const r = await this.request(method, params, timeoutMs);
    if ('error' in r) throw new Error(`${method} failed: ${JSON.stringify(r.error)}`);
    return r.result;
  }

  /** The first message received (now or later) that matches, taking it out of the unread ones. */
  next(pred: (m: Msg) => boolean, what: string, timeoutMs = 5000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const k = this.received.findIndex(pred);
        if (k >= 0) {
          done();
          resolve(this.received.splice(k, 1)[0]!);
        } else if (this.isClosed) {
          done();
          reject(new Error(`the connection closed while waiting for ${what}; received ${JSON.stringify(this.received)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  notification(method: string, pred: (p: Msg) => boolean = () => true, timeoutMs = 5000): Promise<Msg> {
    return this.next((m) => m.method === method && !('id' in m) && pred(m.params as Msg), `the notification ${method}`, timeoutMs)
      .then((m) => m.params as Msg);
  }

  close(): Promise<void> {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 500).unref();
    return this.closed;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) break;
      const length = Number(this.buffer.subarray(0, colon).toString('latin1'));
      if (this.buffer.length < colon + 1 + length + 1) break;
      const body = this.buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      if (this.buffer[colon + 1 + length] !== 0x2c) throw new Error('the server sent a netstring without its comma');
      this.buffer = this.buffer.subarray(colon + 2 + length);
      const m = JSON.parse(body) as Msg;
      if (m.method === 'ping' && 'id' in m && this.answerPings) {
        this.send({ jsonrpc: '2.0', id: m.id, result: 'pong!' });
        continue;
      }
      this.received.push(m);
    }
    for (const w of this.waiters) w();
  }
}
