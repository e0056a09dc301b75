/**
 * One connection of the netstring listener, as seed 001's jcapi has it: the server greets it
 * (`greetings {"who": "jcapi", "version": "1.1"}`), the peer says `hello` with a token (and is closed when
 * that fails, or when it says nothing for `helloTimeoutMs`), then calls any method of the API with the
 * token's role. While the connection is a worker (it announced actions or holds claimed tasks) the server
 * pings it every `pingMs` and drops it when an answer takes longer than `pingTimeoutMs` (JobCenter: 60 s
 * and 30 s; a worker busy in a synchronous task answers only when the task returns). Clients are not pinged.
 *
 * JobCenter's JSON-RPC library drops the connection on an error object with members beyond `code` and
 * `message`, so errors here carry the ORDO_* code in the message instead of in `data`.
 *
 * The credential of hello is checked again before each call and while idle (connections.ts): its current
 * role applies, and once it no longer holds (token revoked or expired, password changed) the call is refused
 * and the connection closed.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { anonymous, type Principal } from '../../auth/principal.js';
import { OrdoError } from '../../errors.js';
import type { ApiApp } from '../app.js';
import type { CallContext, Session } from '../context.js';
import { toWireError } from '../rpc/errors.js';
import { failure } from '../rpc/protocol.js';
import { plainErrors } from './errors.js';
import { formatBytes, type NetstringError } from './netstring.js';
import { RpcPeer } from './peer.js';
import type { Connection, JobCenterService } from './service.js';
import type { WorkerLink } from './workers.js';

export interface ConnectionDeps {
  app: ApiApp;
  service: JobCenterService;
  logger: Logger;
  maxFrame: number;
  /** The largest frame before hello (only hello and a few public methods answer then). */
  helloMaxFrame: number;
  pingMs: number;
  pingTimeoutMs: number;
  helloTimeoutMs: number;
  frameTimeoutMs: number;
}

export class JcConnection implements Connection {
  readonly id = `jc-${randomBytes(8).toString('hex')}`;
  readonly link: WorkerLink;
  readonly from: string;
  who?: string;
  private principal: Principal = anonymous(null);
  private readonly peer: RpcPeer;
  private readonly session: Session;
  private authenticated = false;
  private rejected = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private detach: () => void = () => {};
  private removeCheck: () => void = () => {};
  private readonly address: string | undefined;

  constructor(socket: Socket, private readonly deps: ConnectionDeps, private readonly onEnd: (c: JcConnection) => void) {
    this.from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.address = socket.remoteAddress;
    this.peer = new RpcPeer(socket, {
      maxFrame: Math.min(deps.helloMaxFrame, deps.maxFrame),
      frameTimeoutMs: deps.frameTimeoutMs,
      serial: () => !this.authenticated,
      handle: (message, text) => this.handle(message, text),
      framingError: (err) => this.framingError(err),
      onActivity: () => deps.service.dispatcher.touch(this.id),
      onClose: (reason) => this.ended(reason),
      onError: (err) => deps.logger.error({ err, connection: this.id }, 'jcapi: a message could not be handled'),
    });
    this.session = { id: this.id, notify: (method, params) => this.peer.notify(method, params) };
    this.link = { transport: 'netstring', notify: this.session.notify, close: (reason) => this.peer.close(reason) };
    deps.logger.debug({ connection: this.id, from: this.from }, 'jcapi: connection');
  }

  start(): void {
    this.peer.start();
    this.detach = this.deps.service.attach(this.id, this);
    this.removeCheck = this.deps.app.connections.add(async () => {
      const { refusal, final } = await this.recheck();
      if (refusal && final) this.peer.close(`hello no longer valid: ${refusal.message}`);
    });
    this.peer.notify('greetings', { who: 'jcapi', version: '1.1' });
    const hello = setTimeout(() => {
      if (!this.authenticated) this.peer.close('no hello in time');
    }, this.deps.helloTimeoutMs);
    const ping = setInterval(() => this.ping(), this.deps.pingMs);
    hello.unref();
    ping.unref();
    this.timers.push(hello, ping);
  }

  accept(principal: Principal, who: string): void {
    this.principal = principal;
    this.who = who;
    this.authenticated = true;
    this.peer.maxFrame = this.deps.maxFrame;
  }

  reject(): void {
    this.rejected = true;
  }

  close(reason: string): void {
    this.peer.close(reason);
  }

  /** Checks hello's credential again: the current role, or why this call is refused (and whether for good). */
  private async recheck(): Promise<{ refusal?: OrdoError; final?: boolean }> {
    if (!this.authenticated) return {};
    const verdict = await this.deps.app.auth.verdict(this.principal);
    if (verdict.error) this.deps.logger.error({ err: verdict.error, connection: this.id }, 'jcapi: the credential could not be checked');
    this.principal = verdict.principal;
    return verdict;
  }

  /** Answers a message; what the answer made possible (task_ready after announce, ...) follows it. */
  private async handle(message: unknown, text: string): Promise<undefined> {
    const { refusal, final } = await this.recheck();
    const after: Array<() => void> = [];
    const call: CallContext = { principal: this.principal, session: this.session, address: this.address, refusal, afterReply: (fn) => after.push(fn) };
    const { core } = this.deps.app;
    const response = message === undefined ? await core.handle(text, call) : await core.handleValue(message, call);
    if (response !== undefined) this.peer.send(JSON.stringify(plainErrors(typeof response === 'string' ? JSON.parse(response) : response)));
    if (this.rejected || (refusal && final)) {
      // `hello` failed (or its credential no longer holds): its answer went out, now the connection closes.
      this.peer.close(refusal ? `hello no longer valid: ${refusal.message}` : 'hello refused');
      return undefined;
    }
    for (const fn of after) fn();
    return undefined;
  }

  private framingError(err: NetstringError): string {
    const e = err.kind === 'too_large'
      ? new OrdoError('ORDO_TOO_LARGE', this.authenticated
        ? `a frame of more than ${formatBytes(this.deps.maxFrame)} bytes (the limit)`
        : `a frame of more than ${formatBytes(Math.min(this.deps.helloMaxFrame, this.deps.maxFrame))} bytes before hello (the limit)`)
      : new OrdoError('ORDO_INVALID_REQUEST', `not a netstring: ${err.message}`);
    return JSON.stringify(plainErrors(failure(null, toWireError(e).rpc)));
  }

  private ping(): void {
    if (!this.authenticated || !this.peer.isOpen) return;
    // Only workers: a client may sit in synchronous code for long (JobCenter pings workers alone).
    if (!this.deps.service.dispatcher.workers.get(this.id)) return;
    this.peer.request('ping', {}, this.deps.pingTimeoutMs).catch((err: Error) => {
      if (this.peer.isOpen) this.peer.close(`ping: ${err.message}`);
    });
  }

  private ended(reason: string): void {
    for (const t of this.timers) clearTimeout(t);
    this.detach();
    this.removeCheck();
    this.deps.app.hub.drop(this.session);
    this.deps.logger.debug({ connection: this.id, who: this.who, reason }, 'jcapi: connection closed');
    this.onEnd(this);
  }
}
