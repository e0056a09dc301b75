/**
 * JSON-RPC 2.0 over one netstring stream, in both directions (JobCenter's jcapi: either side may send
 * requests and notifications). Frames from the peer are either responses to our requests (matched by id)
 * or messages for the server, handed to `handle`; its answer goes back as a frame. Messages are handled
 * one at a time while `serial()` says so (before hello), else concurrently, at most `maxInFlight` at once
 * (reading pauses beyond that). A frame past the limit, or bytes that are not a netstring, end the stream.
 */
import type { Socket } from 'node:net';
import { encodeNetstring, NetstringDecoder, NetstringError } from './netstring.js';

export interface PeerOptions {
  maxFrame: number;
  maxInFlight?: number;
  /** A message (parsed, or undefined when it is not JSON: `text` then) to answer; resolves to the answer's text. */
  handle(message: unknown, text: string): Promise<string | undefined>;
  /** Whether messages must be handled one at a time now. */
  serial(): boolean;
  /** The answer to a frame past the limit (sent before closing). */
  tooLarge(): string;
  /** Any frame arrived. */
  onActivity(): void;
  onClose(reason: string): void;
  onError(err: unknown): void;
}

/** A peer that does not read what it is sent is dropped. */
const MAX_UNSENT = 16 * 1024 * 1024;

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class RpcPeer {
  private readonly decoder: NetstringDecoder;
  private readonly pending = new Map<string, Pending>();
  private chain: Promise<void> = Promise.resolve();
  private nextId = 1;
  private inFlight = 0;
  private closed = false;
  private closeReason = 'closed by the peer';

  constructor(private readonly socket: Socket, private readonly opts: PeerOptions) {
    this.decoder = new NetstringDecoder(opts.maxFrame);
  }

  start(): void {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => {
      this.closeReason = `socket error: ${err.message}`;
    });
    this.socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error('the connection closed'));
      }
      this.pending.clear();
      this.opts.onClose(this.closeReason);
    });
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  send(text: string): void {
    if (!this.isOpen) return;
    if (this.socket.writableLength > MAX_UNSENT) {
      this.close('the peer does not read what it is sent');
      return;
    }
    this.socket.write(encodeNetstring(text));
  }

  notify(method: string, params: Record<string, unknown>): void {
    this.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  /** A request to the peer; rejects when it does not answer within `timeoutMs` or answers an error. */
  request(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const id = `jcapi-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Ends the stream once what was written is sent (destroyed if that takes more than a second). */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      if (err instanceof NetstringError && err.kind === 'too_large') this.send(this.opts.tooLarge());
      this.socket.pause();
      this.close(`bad framing: ${(err as Error).message}`);
      return;
    }
    for (const frame of frames) this.onFrame(frame.toString('utf8'));
  }

  private onFrame(text: string): void {
    if (this.closed) return;
    this.opts.onActivity();
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (this.takeResponse(message)) return;
    if (this.opts.serial()) {
      this.chain = this.chain.then(() => this.answer(message, text));
      return;
    }
    this.answer(message, text).catch(() => {});
  }

  /** A response to one of our requests: settles it. */
  private takeResponse(m: unknown): boolean {
    if (typeof m !== 'object' || m === null || Array.isArray(m) || 'method' in m) return false;
    const r = m as { id?: unknown; result?: unknown; error?: { message?: unknown } };
    if (!('result' in r) && !('error' in r)) return false;
    const p = typeof r.id === 'string' ? this.pending.get(r.id) : undefined;
    if (p) {
      this.pending.delete(r.id as string);
      clearTimeout(p.timer);
      if ('error' in r) p.reject(new Error(`the peer answered an error: ${String(r.error?.message ?? 'unknown')}`));
      else p.resolve(r.result);
    }
    return true;
  }

  private async answer(message: unknown, text: string): Promise<void> {
    if (++this.inFlight >= (this.opts.maxInFlight ?? 32)) this.socket.pause();
    try {
      const response = await this.opts.handle(message, text);
      if (response !== undefined) this.send(response);
    } catch (err) {
      this.opts.onError(err);
    } finally {
      if (--this.inFlight < (this.opts.maxInFlight ?? 32) && this.socket.isPaused() && !this.closed) this.socket.resume();
    }
  }
}
