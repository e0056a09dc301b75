/**
 * One connection of the netstring listener, as seed 001's jcapi has it: the server greets it
 * (`greetings {"who": "jcapi", "version": "1.1"}`), the peer says `hello` with a token (and is closed when
 * that fails, or when it says nothing for `helloTimeoutMs`), then calls any method of the API with the
 * token's role. The server pings it every `pingMs`; a peer that does not answer within `pingMs` is
 * dropped (and its tasks recovered, when it was a worker).
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { anonymous, type Principal } from '../../auth/principal.js';
import type { ApiApp } from '../app.js';
import type { CallContext, Session } from '../context.js';
import { RpcPeer } from './peer.js';
import type { Connection, JobCenterService } from './service.js';
import type { WorkerLink } from './workers.js';

export interface ConnectionDeps {
  app: ApiApp;
  service: JobCenterService;
  logger: Logger;
  maxFrame: number;
  pingMs: number;
  helloTimeoutMs: number;
}

export class JcConnection implements Connection {
  readonly id = `jc-${randomBytes(8).toString('hex')}`;
  readonly link: WorkerLink;
  who?: string;
  private principal: Principal = anonymous(null);
  private readonly peer: RpcPeer;
  private readonly session: Session;
  private authenticated = false;
  private rejected = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private detach: () => void = () => {};

  constructor(socket: Socket, private readonly deps: ConnectionDeps, private readonly onEnd: (c: JcConnection) => void) {
    const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.peer = new RpcPeer(socket, {
      maxFrame: deps.maxFrame,
      serial: () => !this.authenticated,
      handle: (message, text) => this.handle(message, text),
      tooLarge: () => JSON.stringify(deps.app.core.tooLarge()),
      onActivity: () => deps.service.dispatcher.touch(this.id),
      onClose: (reason) => this.ended(reason),
      onError: (err) => deps.logger.error({ err, connection: this.id }, 'jcapi: a message could not be handled'),
    });
    this.session = { id: this.id, notify: (method, params) => this.peer.notify(method, params) };
    this.link = { transport: 'netstring', notify: this.session.notify, close: (reason) => this.peer.close(reason) };
    deps.logger.debug({ connection: this.id, from }, 'jcapi: connection');
  }

  start(): void {
    this.peer.start();
    this.detach = this.deps.service.attach(this.id, this);
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
  }

  reject(): void {
    this.rejected = true;
  }

  close(reason: string): void {
    this.peer.close(reason);
  }

  private async handle(message: unknown, text: string): Promise<string | undefined> {
    const call: CallContext = { principal: this.principal, session: this.session };
    const { core } = this.deps.app;
    const response = message === undefined ? await core.handle(text, call) : await core.handleValue(message, call);
    const out = response === undefined ? undefined : typeof response === 'string' ? response : JSON.stringify(response);
    if (this.rejected) {
      // `hello` failed: its answer goes out, then the connection closes.
      if (out !== undefined) this.peer.send(out);
      this.peer.close('hello refused');
      return undefined;
    }
    return out;
  }

  private ping(): void {
    if (!this.authenticated || !this.peer.isOpen) return;
    this.peer.request('ping', {}, this.deps.pingMs).catch((err: Error) => {
      if (this.peer.isOpen) this.peer.close(`ping: ${err.message}`);
    });
  }

  private ended(reason: string): void {
    for (const t of this.timers) clearTimeout(t);
    this.detach();
    this.deps.app.hub.drop(this.session);
    this.deps.logger.debug({ connection: this.id, who: this.who, reason }, 'jcapi: connection closed');
    this.onEnd(this);
  }
}
