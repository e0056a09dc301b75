/**
 * The wire behaviour of JobCenter's Perl JSON-RPC layer (JSON::RPC2::TwoWay 0.08 over MojoX::NetstringStream),
 * reproduced for tests from what that library does, byte for byte where it matters:
 *
 * - messages are JSON without spaces whose object keys come in Perl's hash order (pseudo-random per process:
 *   here a seeded order, so `jsonrpc` is not necessarily first); ids of calls are md5_base64 strings;
 * - a request for a method it did not register gets `-32601 "Method not found."`, a request without id for a
 *   method that is no notification `-32000`; both are answered with id null and the connection stays;
 * - a message that is not JSON, not an object, not "2.0", with an id that is no scalar, or a response to one
 *   of its calls whose error object has members beyond `code` and `message`, is fatal: it answers
 *   `-32600 "Invalid Request: ..."` with id null and closes the connection;
 * - it is single-threaded: while a synchronous task runs (`block`) nothing it receives is handled, so a
 *   ping is answered only when the task returned.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

export type Msg = Record<string, unknown>;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Registered {
  /** Registered with `notification => 1`. */
  notification: boolean;
  handle(params: Msg): unknown;
}

/** What a call's callback gets: an error object, or the result. */
export type Outcome = { error: Msg } | { result: unknown };

interface Queued {
  text: string;
  arrived: number;
  whileBlocked: boolean;
}

export class TwoWay {
  /** Every message written, as sent. */
  readonly sent: string[] = [];
  /** Every message read, parsed (or the text when it was not JSON). */
  readonly received: unknown[] = [];
  /** What the library logged or returned as an error (a fatal one closes the connection). */
  readonly log: string[] = [];
  /** Requests handled, with how long each waited in the queue and whether it came during a block. */
  readonly handled: Array<{ method: string; heldMs: number; whileBlocked: boolean }> = [];
  readonly closed: Promise<void>;
  private readonly calls = new Map<string, (o: Outcome) => void>();
  private readonly queue: Queued[] = [];
  private buffer = Buffer.alloc(0);
  private blocked = false;

  constructor(readonly socket: Socket, private readonly methods: Record<string, Registered>, private readonly seed: string) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (err) => this.log.push(`socket: ${err.message}`));
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  /** `$con->call`: the callback gets `[$e]` or `[0, $result]`. */
  call(method: string, params: Msg, cb: (o: Outcome) => void): void {
    const id = this.newId();
    this.calls.set(id, cb);
    this.write({ jsonrpc: '2.0', method, params, id });
  }

  notify(method: string, params: Msg): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /** Runs `task` as a synchronous Perl callback of `ms`: nothing received is handled until it returned. */
  block<T>(ms: number, task: () => T): Promise<T> {
    this.blocked = true;
    return new Promise((resolve) => {
      setTimeout(() => {
        const out = task();
        this.blocked = false;
        resolve(out);
        this.drain();
      }, ms);
    });
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 500).unref();
  }

  /** JSON as JSON::MaybeXS writes it: no spaces, keys in (this process's) hash order. */
  encode(value: unknown): string {
    return JSON.stringify(this.hashOrder(value));
  }

  private hashOrder(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.hashOrder(v));
    if (typeof value !== 'object' || value === null) return value;
    const rank = (k: string) => createHash('md5').update(this.seed + k).digest('hex');
    const entries = Object.entries(value as Msg).filter(([, v]) => v !== undefined).sort(([a], [b]) => (rank(a) < rank(b) ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, this.hashOrder(v)]));
  }

  /** md5_base64 of the time, a random number and an address: 22 characters of base64. */
  private newId(): string {
    return createHash('md5').update(`${performance.now()}${Math.random()}${randomBytes(4).toString('hex')}`).digest('base64').replace(/=+$/, '');
  }

  private write(message: Msg): void {
    if (this.isClosed) return;
    const text = this.encode(message);
    this.sent.push(text);
    const body = Buffer.from(text, 'utf8');
    this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) break;
      const length = Number(this.buffer.subarray(0, colon).toString('latin1'));
      if (this.buffer.length < colon + length + 2) break;
      const text = this.buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      this.buffer = this.buffer.subarray(colon + length + 2);
      this.queue.push({ text, arrived: Date.now(), whileBlocked: this.blocked });
    }
    this.drain();
  }

  private drain(): void {
    while (!this.blocked && this.queue.length > 0 && !this.isClosed) this.handle(this.queue.shift()!);
  }

  /** `$con->handle($chunk)`, and the chunk handler's `$ns->close if $err[0]`. */
  private handle(q: Queued): void {
    const fatal = this.handleOne(q);
    if (fatal === undefined) return;
    this.log.push(`fatal: ${fatal}`);
    this.error(null, -32600, `Invalid Request: ${fatal}`);
    this.close();
  }

  /** Undefined, or the message of a fatal error. */
  private handleOne(q: Queued): string | undefined {
    let r: unknown;
    try {
      r = JSON.parse(q.text);
    } catch (err) {
      this.received.push(q.text);
      return `json decode failed: ${(err as Error).message}`;
    }
    this.received.push(r);
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not a json object';
    const m = r as Msg;
    if (m.jsonrpc !== '2.0') return 'expected jsonrpc version 2.0';
    if ('id' in m && typeof m.id === 'object' && m.id !== null) return 'id is not a string or number';
    if (m.method !== undefined && m.method !== null) {
      this.request(m, q);
      return undefined;
    }
    if ('id' in m && ('result' in m || (m.error !== undefined && m.error !== null))) return this.response(m);
    return 'invalid jsonnrpc object';
  }

  private request(r: Msg, q: Queued): void {
    const method = this.methods[String(r.method)];
    // Perl's truth: an id of null, "" or 0 is no id.
    const id = r.id === undefined || r.id === null || r.id === '' || r.id === 0 ? null : (r.id as string | number);
    if (!method) return this.error(id, -32601, 'Method not found.');
    if (id === null && !method.notification) return this.error(id, -32000, 'Method is not a notification.');
    if (typeof r.params !== 'object' || r.params === null) return this.error(id, -32600, 'Invalid Request: params should be array or object.');
    if (Array.isArray(r.params)) return this.error(id, -32602, 'This method expects named params.');
    this.handled.push({ method: String(r.method), heldMs: Date.now() - q.arrived, whileBlocked: q.whileBlocked });
    let result: unknown;
    try {
      result = method.handle(r.params as Msg);
    } catch (err) {
      return this.error(id, -32001, `Method threw error: ${(err as Error).message}`);
    }
    if (id !== null) this.write({ jsonrpc: '2.0', id, result: result === undefined ? null : result });
  }

  private response(r: Msg): string | undefined {
    const id = r.id as string | number | null;
    const cb = id === null || id === '' || id === 0 ? undefined : this.calls.get(String(id));
    if (!cb) return undefined;
    this.calls.delete(String(id));
    if (r.error !== undefined && r.error !== null) {
      const e = r.error;
      if (typeof e !== 'object' || Array.isArray(e)) return 'error is not an object';
      const err = e as Msg;
      if (!/^-?\d+$/.test(String(err.code ?? ''))) return 'error code is not a integer';
      if (typeof err.message === 'object' && err.message !== null) return 'error message is not a string';
      const keys = Object.keys(err).length;
      if ((keys === 3 && !('data' in err)) || keys > 2) return 'extra members in error object';
      cb({ error: err });
      return undefined;
    }
    cb({ result: r.result });
    return undefined;
  }

  private error(id: string | number | null, code: number, message: string): void {
    this.log.push(`error: ${code} ${message}`);
    this.write({ jsonrpc: '2.0', id, error: { code, message } });
  }
}
