/**
 * The API without its transports: the registry (contract + handlers), the JSON-RPC core, the live feed
 * and its subscriptions, metrics and authentication. http.ts puts it on Fastify; tests and other
 * transports (the JobCenter listener to come) can use it directly.
 */
import type { Logger } from 'pino';
import { Authenticator } from '../auth/authenticator.js';
import { FailureLimiter, type LimiterOptions } from '../auth/limiter.js';
import type { Role } from '../auth/roles.js';
import { SessionStore, type SessionOptions } from '../auth/sessions.js';
import { OpenConnections } from './connections.js';
import { CONTRACT } from './contract/index.js';
import type { ApiServices } from './context.js';
import { EventFeed } from './live/feed.js';
import { SubscriptionHub } from './live/hub.js';
import { handlers } from './methods/index.js';
import { ApiMetrics } from './metrics.js';
import { DEFAULT_MAX_MESSAGE_BYTES, RpcCore, type CallInfo } from './rpc/core.js';
import { Registry } from './rpc/registry.js';

export interface ApiAppOptions {
  services: ApiServices;
  logger: Logger;
  maxMessageBytes?: number;
  /** Role of callers without a token (default: none, only public methods). */
  anonymousRole?: Role | null;
  /** How often the live feed reads new events while anyone subscribes. */
  feedPollMs?: number;
  /** Check every result against its schema (tests). */
  checkResults?: boolean;
  /** Failed authentications allowed per client address (default 10 a minute). */
  rateLimit?: LimiterOptions;
  /** Serve /metrics without a token (`--metrics-public`). */
  metricsPublic?: boolean;
  /** How often open connections check their credential while idle (default 5 s). */
  recheckMs?: number;
  /** Console sessions' lifetimes (auth/sessions.ts). */
  sessions?: SessionOptions;
  /** The environment the console's banner shows (ORDO_ENV), over ordo.yaml's `environment`. */
  environmentName?: string;
}

export class ApiApp {
  readonly registry: Registry;
  readonly core: RpcCore;
  readonly hub: SubscriptionHub;
  readonly feed: EventFeed;
  readonly metrics: ApiMetrics;
  readonly auth: Authenticator;
  readonly limiter: FailureLimiter;
  readonly connections: OpenConnections;
  readonly sessions: SessionStore;
  private readonly unsubscribe: () => void;

  constructor(readonly opts: ApiAppOptions) {
    const { logger } = opts;
    this.sessions = new SessionStore(opts.services.store.sql, opts.sessions);
    this.limiter = opts.services.limiter ?? new FailureLimiter(opts.rateLimit);
    this.connections = new OpenConnections((err) => logger.warn({ err }, 'checking the credential of a connection failed'));
    this.connections.start(opts.recheckMs ?? 5000);
    const services = {
      ...opts.services, limiter: this.limiter,
      credentialsChanged: async () => {
        await opts.services.credentialsChanged?.();
        await this.connections.recheckAll();
      },
    };
    this.metrics = new ApiMetrics(services.store, services.engine);
    this.feed = new EventFeed({
      db: services.store.sql, pollMs: opts.feedPollMs ?? 250,
      onEvents: (events) => this.hub.deliver(events),
      onError: (err) => logger.warn({ err }, 'live feed: reading events failed'),
    });
    this.hub = new SubscriptionHub((active) => {
      this.feed.setActive(active).catch((err: Error) => logger.warn({ err }, 'live feed: cannot start'));
    });
    // The local engine's commits wake the feed at once; other servers' changes arrive at the next poll.
    this.unsubscribe = services.engine?.onProgressChange(() => this.feed.wake()) ?? (() => {});
    this.registry = new Registry(CONTRACT, handlers(services, this.hub), { checkResults: opts.checkResults });
    this.auth = new Authenticator({ db: services.store.sql, anonymousRole: opts.anonymousRole ?? null, limiter: this.limiter });
    this.core = new RpcCore(this.registry, {
      maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      onCall: (info) => this.observe(info),
    });
  }

  /** Counts and logs one call, whatever its transport. */
  observe(info: CallInfo): void {
    const { method, ms, code, principal, internal } = info;
    this.metrics.calls.inc({ method: this.registry.get(method) ? method : '(unknown)', outcome: code ?? 'ok' });
    if (internal) this.opts.logger.error({ err: internal.error, ref: internal.ref, method, principal }, 'internal error in an API call');
    else this.opts.logger.debug({ method, ms: Math.round(ms * 10) / 10, code, principal }, 'api call');
  }

  async close(): Promise<void> {
    this.connections.stop();
    this.unsubscribe();
    await this.feed.stop();
  }
}
