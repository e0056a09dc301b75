/**
 * What method handlers work with: the services of the server (store, engine, definitions) and, per call,
 * who calls and over which connection.
 */
import type { MasterKey } from '../secrets/master-key.js';
import type { FailureLimiter } from '../auth/limiter.js';
import type { Principal } from '../auth/principal.js';
import type { OrdoError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { OrdoStore } from '../store/ordo-store.js';
import type { JobCenterService } from './jcapi/service.js';
import type { ProjectHolder } from './project.js';
import type { AgentHub } from '../server/agents.js';
import type { SshHosts } from '../server/ssh-hosts.js';

/** A connection that can receive notifications (a WebSocket). */
export interface Session {
  readonly id: string;
  notify(method: string, params: Record<string, unknown>): void;
}

export interface ApiServices {
  store: OrdoStore;
  /** The engine of this server, when it runs one (settings apply to it at once). */
  engine?: Engine;
  project: ProjectHolder;
  /** Where attempts' output lives (logs). */
  stateDir: string;
  version: string;
  startedAt: number;
  /** The JobCenter methods' service (workflow runs as jobs, remote workers), when this server runs one. */
  jobcenter?: JobCenterService;
  /** The agents of the project's hosts (docs/hosts.md), when this server runs an engine. */
  agents?: AgentHub;
  /** The project's SSH hosts (docs/hosts.md), when this server runs an engine. */
  sshHosts?: SshHosts;
  now(): number;
  /** Failed authentications per client address (`hello` counts its failures here); the API sets it. */
  limiter?: FailureLimiter;
  /** Told when users or tokens changed here: open connections check their credentials at once. */
  credentialsChanged?: () => Promise<void>;
  /**
   * Told of a run this server created (runs.start): its engine adopts and drives it at once rather than at
   * the next sweep, so each of several servers drives the runs it was asked for (docs/servers.md).
   */
  runCreated?: (runId: number) => void;
  /** The key secrets are sealed with (docs/secrets.md), when the server was given one. */
  masterKey?: MasterKey;
}

export interface CallContext {
  principal: Principal;
  /** Present over a WebSocket: subscriptions deliver their notifications here. */
  session?: Session;
  /**
   * Runs `fn` once the answer to this call has been written, so that what the call made possible (the
   * first `task_ready` after `announce`) reaches the peer after the answer. Transports without it: see
   * `afterReply` below.
   */
  afterReply?(fn: () => void): void;
  /** The client's address, for limits per address. */
  address?: string;
  /** Set when the connection's credential no longer holds (revoked, expired): every call is refused with it. */
  refusal?: OrdoError;
}

/** `call.afterReply`, or else the next turn of the event loop. */
export function afterReply(call: CallContext, fn: () => void): void {
  if (call.afterReply) call.afterReply(fn);
  else setImmediate(fn);
}

export type Handler = (params: Record<string, unknown>, call: CallContext) => Promise<unknown>;

/** A handler whose params have been validated against the method's schema, so may be typed as `P`. */
export function handler<P>(fn: (params: P, call: CallContext) => Promise<unknown>): Handler {
  return fn as unknown as Handler;
}
