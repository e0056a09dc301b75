/**
 * JSON-RPC 2.0 over one netstring stream, in both directions (JobCenter's jcapi: either side may send
 * requests and notifications). Frames from the peer are either responses to our requests (matched by id)
 * or messages for the server, handed to `handle`; its answer goes back as a frame. Messages are handled
 * one at a time while `serial()` says so (before hello), else concurrently; either way at most
 * `maxInFlight` wait or run at once (reading pauses beyond that). A frame past the limit, bytes that are
 * not a netstring, or a frame that takes longer than `frameTimeoutMs` to arrive end the stream (with an
 * error answer first), so a peer that trickles bytes holds nothing for long.
 */
import type { Socket } from 'node:net';
import { encodeNetstring, NetstringDecoder, NetstringError } from './netstring.js';

export interface PeerOptions {
  maxFrame: number;
  maxInFlight?: number;
  /** A frame once begun must be complete within this. */
  frameTimeoutMs: number;
  /** A message (parsed, or undefined when it is not JSON: `text` then) to answer; resolves to the answer's text. */
  handle(message: unknown, text: string): Promise<string | undefined>;
  /** Whether messages must be handled one at a time now. */
  serial(): boolean;
  /** The error answer to a stream that cannot be read on (sent before closing). */
  framingError(err: NetstringError): string;
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
  private frameTimer: NodeJS.Timeout | null = null;
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
      this.stopFrameTimer();
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error('the connection closed'));
      }
      this.pending.clear();
      this.opts.onClose(this.closeReason);
    });
  }

  /** The largest frame accepted from now on (smaller before hello). */
  set maxFrame(bytes: number) {
    this.decoder.limit = bytes;
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
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.socket.pause();
      if (err instanceof NetstringError) this.send(this.opts.framingError(err));
      this.close(`bad framing: ${(err as Error).message}`);
      return;
    }
    if (frames.length > 0) this.stopFrameTimer();
    if (this.decoder.pending > 0 && this.frameTimer === null) {
      this.frameTimer = setTimeout(() => {
        this.frameTimer = null;
        this.socket.pause();
        const seconds = this.opts.frameTimeoutMs / 1000;
        this.send(this.opts.framingError(new NetstringError('malformed', `a frame took more than ${seconds} s to arrive`)));
        this.close(`a frame took more than ${seconds} s to arrive`);
      }, this.opts.frameTimeoutMs);
      this.frameTimer.unref();
    }
    for (const frame of frames) this.onFrame(frame.toString('utf8'));
  }

  private stopFrameTimer(): void {
    if (this.frameTimer === null) return;
    clearTimeout(this.frameTimer);
    this.frameTimer = null;
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
    // Counted from arrival, so that a queue of messages waiting for their turn also pauses reading.
    if (++this.inFlight >= this.maxInFlight) this.socket.pause();
    if (this.opts.serial()) {
      this.chain = this.chain.then(() => this.answer(message, text));
      return;
    }
    this.answer(message, text).catch(() => {});
  }

  private get maxInFlight(): number {
    return this.opts.maxInFlight ?? 32;
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
    try {
      const response = await this.opts.handle(message, text);
      if (response !== undefined) this.send(response);
    } catch (err) {
      this.opts.onError(err);
    } finally {
      if (--this.inFlight < this.maxInFlight && this.socket.isPaused() && !this.closed) this.socket.resume();
    }
  }
}
