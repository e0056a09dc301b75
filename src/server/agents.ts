/**
 * The server's side of `ordo agent` (docs/hosts.md): the agents connected over the API's WebSocket, one per
 * declared host, and the attempts of command jobs placed on them (the executor port's agent adapter).
 *
 * A host is a resource (`host:NAME`) whose capacity is its slots: open while its agent is connected, so the
 * dispatcher places work only where it can run, and `ordo why` says when a host is down. An agent that drops
 * keeps its jobs running; what the server sends it meanwhile waits, and is sent when it reconnects. A host
 * away longer than the lease is closed, and the attempts that were running there end `lost` (retried per the
 * jobs' policy). Results come back with the attempt's fencing token; a stale or repeated one is refused.
 */
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { HostDef } from '../defs/model.js';
import { OrdoError } from '../errors.js';
import { hostResource } from '../engine/resources.js';
import type { AttemptHandle, AttemptOutcome, AttemptRequest, AttemptStatus } from '../engine/ports.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { LeaseStore } from '../store/leases.js';
import { outputFile } from '../exec/paths.js';
import { leaseTimingFrom, SingletonLeases, type HeldLease, type LeaseTiming } from './singleton-leases.js';

/** What a session can do: receive notifications. */
export interface AgentSession {
  readonly id: string;
  notify(method: string, params: Record<string, unknown>): void;
}

/** An attempt as the agent lists it when it (re)connects. */
export interface AgentInventoryItem {
  key: string;
  token: number;
  state: 'running' | 'ended';
}

export interface HostStatus {
  name: string;
  /** How the server reaches the host: its agent connects, or the server logs in over SSH (ssh-hosts.ts). */
  transport: 'agent' | 'ssh';
  state: 'up' | 'away' | 'down' | 'draining';
  /** SSH hosts: when the last probe ran, and why it failed. */
  checkedAt?: number;
  reason?: string;
  labels: Record<string, string>;
  slots: number;
  running: number;
  address?: string;
  agent?: { connectedAt: number; version?: string; labels: Record<string, string> };
}

interface Connection {
  session: AgentSession;
  connectedAt: number;
  labels: Record<string, string>;
  version?: string;
}

interface Tracked {
  key: string;
  host: string;
  req: AttemptRequest;
  startedAt: number;
  /**
   * leasing: a singleton attempt waiting for its lease (no host yet); queued: not sent yet; sent: sent, not
   * listed by the agent yet; running: the agent has it; unknown: re-attached, waiting for the agent's inventory.
   */
  state: 'leasing' | 'queued' | 'sent' | 'running' | 'unknown';
  /** A singleton attempt's lease (singleton-leases.ts). */
  lease?: HeldLease;
  resolve: (o: AttemptOutcome) => void;
  abortReason?: string;
}

export interface AgentHubOptions {
  store: OrdoStore;
  /** The hosts whose transport is agent (SSH hosts are ssh-hosts.ts's). */
  hosts: Map<string, HostDef>;
  /** A host away longer than this is down: its running attempts are lost. */
  leaseMs: number;
  /** Where the server keeps attempts' output (the agents stream it here). */
  stateDir: string;
  /** Singleton leases: how long a grant or renewal lasts, and how long before its end an agent stops the job. */
  singleton?: LeaseTiming;
  logger?: Logger;
  now?: () => number;
}

const STATUSES: readonly AttemptStatus[] = ['succeeded', 'failed', 'timeout', 'aborted', 'lost'];

/** An agent's outcome, checked field by field (it goes into the store as it is), or what is wrong with it. */
function outcomeOf(o: Record<string, unknown>): AttemptOutcome | string {
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!STATUSES.includes(o.status as AttemptStatus)) return `outcome.status must be one of ${STATUSES.join(', ')}`;
  if (!num(o.startedAt) || !num(o.endedAt)) return 'outcome.startedAt and outcome.endedAt must be epoch milliseconds';
  if (o.exitCode !== null && !(Number.isInteger(o.exitCode))) return 'outcome.exitCode must be an integer or null';
  if (o.signal !== null && typeof o.signal !== 'string') return 'outcome.signal must be a signal name or null';
  if (o.error !== undefined && typeof o.error !== 'string') return 'outcome.error must be text';
  if (o.result !== undefined && (typeof o.result !== 'object' || o.result === null || Array.isArray(o.result))) return 'outcome.result must be an object';
  if (o.pid !== undefined && !Number.isInteger(o.pid)) return 'outcome.pid must be an integer';
  const usage = o.usage as Record<string, unknown> | undefined;
  const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (usage !== undefined && (typeof usage !== 'object' || usage === null || !count(usage.cpuUserMs) || !count(usage.cpuSystemMs)
    || (usage.maxRssKb !== undefined && !count(usage.maxRssKb)))) {
    return 'outcome.usage must be {cpuUserMs, cpuSystemMs[, maxRssKb]} of whole numbers';
  }
  if (o.reason !== undefined && o.reason !== 'oom') return 'outcome.reason must be "oom"';
  const limits = o.limits as Record<string, unknown> | undefined;
  if (limits !== undefined && (typeof limits !== 'object' || limits === null || Object.values(limits).some((v) => typeof v !== 'string'))) {
    return 'outcome.limits must be an object of texts';
  }
  return {
    status: o.status as AttemptStatus, exitCode: o.exitCode as number | null, signal: o.signal as string | null,
    startedAt: o.startedAt as number, endedAt: o.endedAt as number,
    ...(o.error !== undefined && { error: (o.error as string).slice(0, 4000) }),
    ...(o.result !== undefined && { result: o.result as Record<string, unknown> }),
    ...(o.pid !== undefined && { pid: o.pid as number }),
    ...(o.reason !== undefined && { reason: 'oom' }),
    ...(limits !== undefined && { limits: limits as Record<string, string> }),
    ...(usage !== undefined && {
      usage: { cpuUserMs: usage.cpuUserMs as number, cpuSystemMs: usage.cpuSystemMs as number, ...(usage.maxRssKb !== undefined && { maxRssKb: usage.maxRssKb as number }) },
    }),
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Why a host is closed while no agent speaks for it, with what to do. */
const noAgent = (name: string, why = 'no agent connected') => `down: ${why} (start one on the host: ordo agent --name ${name} --server URL)`;

export const attemptKey = (runId: string, taskId: number, attempt: number) => `${runId}/${taskId}/${attempt}`;

export class AgentHub {
  readonly kinds = ['command'] as const;
  private readonly conns = new Map<string, Connection>();
  private readonly sessions = new Map<string, string>();
  private readonly attempts = new Map<string, Tracked>();
  private readonly awayTimers = new Map<string, NodeJS.Timeout>();
  private readonly draining = new Set<string>();
  /** When each host's agent was last heard from (its renewals double as heartbeats). */
  private readonly heard = new Map<string, number>();
  private readonly now: () => number;
  private readonly leases: SingletonLeases<Tracked>;

  constructor(private readonly opts: AgentHubOptions) {
    this.now = opts.now ?? Date.now;
    this.leases = new SingletonLeases<Tracked>({
      liveHosts: (allowed) => this.liveHosts(allowed), send: (t) => this.send(t), end: (t, status, error) => this.end(t, status, error),
    }, new LeaseStore(opts.store.sql), opts.singleton ?? leaseTimingFrom({}), this.now, opts.logger);
  }

  /** At start-up no agent is connected to this server: every host is down until its agent says hello. */
  async init(): Promise<void> {
    const view = await this.opts.store.resourceView();
    for (const name of this.opts.hosts.keys()) {
      const row = view.states.get(hostResource(name));
      if (row?.closed && row.reason?.startsWith('draining')) this.draining.add(name);
      else await this.setClosed(name, true, noAgent(name));
    }
  }

  /** The executor port: runs the attempt on its job's host. */
  start(req: AttemptRequest): AttemptHandle {
    return this.track(req, this.now(), 'queued');
  }

  /** After an engine restart: the attempt is the agent's; its inventory (at its next hello) says how it is. */
  reattach(req: AttemptRequest, startedAt: number): AttemptHandle {
    const handle = this.track(req, startedAt, 'unknown');
    const t = this.attempts.get(attemptKey(req.runId, req.taskId, req.attempt))!;
    if (!req.job.singleton) this.askInventory(t.host);
    else {
      // A singleton attempt runs where its lease was granted, while that lease lasts.
      void this.leases.adopt(t).then((held) => {
        if (held) this.askInventory(t.host);
        else this.end(t, 'lost', 'its singleton lease ended while no server watched it: its agent has stopped the job');
      }, (err: unknown) => this.end(t, 'lost', `cannot read its singleton lease: ${String(err)}`));
    }
    return handle;
  }

  private askInventory(host: string): void {
    const conn = this.conns.get(host);
    if (conn) conn.session.notify('agent.inventory', {});
    else this.armAway(host);
  }

  private track(req: AttemptRequest, startedAt: number, state: Tracked['state']): AttemptHandle {
    const key = attemptKey(req.runId, req.taskId, req.attempt);
    let resolve!: (o: AttemptOutcome) => void;
    const done = new Promise<AttemptOutcome>((r) => (resolve = r));
    // A singleton attempt gets its host with its lease.
    const singleton = req.job.singleton !== undefined;
    const t: Tracked = { key, host: req.job.host ?? '', req, startedAt, state: singleton && state === 'queued' ? 'leasing' : state, resolve };
    this.attempts.set(key, t);
    if (t.state === 'leasing') this.leases.wait(t);
    else if (state === 'queued') this.send(t);
    return {
      done,
      abort: (reason) => {
        t.abortReason = reason;
        // Not sent yet: it never starts. Otherwise the agent stops it (again at its next hello if away now).
        if (t.state === 'leasing' || t.state === 'queued') this.end(t, 'aborted', `aborted before it was sent to ${t.host ? `host ${t.host}` : 'a host'}: ${reason}`);
        else this.conns.get(t.host)?.session.notify('agent.abort', { key, reason });
      },
      abandon: (kill) => {
        // This engine lost the run: the engine that adopted it re-attaches through its own hub.
        if (kill) this.conns.get(t.host)?.session.notify('agent.abort', { key, reason: 'the engine lost the run' });
        this.forget(t);
      },
    };
  }

  private send(t: Tracked): void {
    const conn = this.conns.get(t.host);
    if (!conn) return; // sent when the agent is back (hello)
    const { req } = t;
    conn.session.notify('agent.start', {
      key: t.key, runId: req.runId, taskId: req.taskId, flow: req.flow, attempt: req.attempt, token: req.token,
      job: req.job as unknown as Record<string, unknown>, input: req.input, env: req.env, logMaxBytes: req.logMaxBytes,
      startedAt: t.startedAt, ...(req.mask ? { mask: req.mask } : {}),
      ...(t.lease && { lease: { name: t.lease.name, fence: t.lease.fence, ttlMs: this.leases.timing.ttlMs, marginMs: this.leases.timing.marginMs } }),
    });
    t.state = 'sent';
  }

  /** An agent connects (or reconnects) under its host's name, with the attempts it holds. */
  async hello(session: AgentSession, p: { name: string; labels?: Record<string, string>; version?: string; attempts: AgentInventoryItem[] }): Promise<{ host: string; slots: number; renewEveryMs: number }> {
    const def = this.opts.hosts.get(p.name);
    if (!def) throw new OrdoError('ORDO_NOT_FOUND', `no host "${p.name}" in ordo.yaml (hosts: ${[...this.opts.hosts.keys()].sort().join(', ') || 'none'})`);
    const old = this.conns.get(p.name);
    if (old && old.session.id !== session.id) this.sessions.delete(old.session.id);
    this.conns.set(p.name, { session, connectedAt: this.now(), labels: p.labels ?? {}, ...(p.version !== undefined && { version: p.version }) });
    this.sessions.set(session.id, p.name);
    this.heard.set(p.name, this.now());
    clearTimeout(this.awayTimers.get(p.name));
    this.awayTimers.delete(p.name);
    this.inventory(p.name, p.attempts);
    if (!this.draining.has(p.name)) await this.setClosed(p.name, false, null);
    this.opts.logger?.info({ host: p.name, attempts: p.attempts.length }, 'agent connected');
    this.leases.pump();
    return { host: p.name, slots: def.slots, renewEveryMs: this.leases.renewEveryMs };
  }

  /**
   * An agent renews the singleton leases of its attempts (every `renewEveryMs`, also as its heartbeat):
   * `lost` are the keys whose lease it no longer holds (stale fence, ran out, unknown): it stops those at once.
   */
  async renew(session: AgentSession, p: { leases: Array<{ key: string; fence: number }> }): Promise<{ renewed: string[]; lost: string[]; ttlMs: number }> {
    const host = this.sessions.get(session.id);
    if (!host) throw new OrdoError('ORDO_BAD_STATE', 'say agent.hello first');
    this.heard.set(host, this.now());
    const renewed = await this.leases.renew(host, p.leases, (key) => this.attempts.get(key));
    const ok = new Set(renewed);
    // An attempt this server does not track yet (its engine re-attaches after a restart) is not lost: its deadline stands.
    const lost = p.leases.map((l) => l.key).filter((k) => !ok.has(k) && this.attempts.has(k));
    return { renewed, lost, ttlMs: this.leases.timing.ttlMs };
  }

  /** Of the allowed hosts, those a singleton job may go to now, least busy first (declaration order on a tie). */
  private liveHosts(allowed: readonly string[]): string[] {
    const at = this.now();
    const running = (host: string) => [...this.attempts.values()].filter((t) => t.host === host).length;
    // Heard within three renewal periods: a stopped (SIGSTOP) agent keeps its socket open but goes silent.
    const live = allowed.filter((h) => this.conns.has(h) && !this.draining.has(h) && at - (this.heard.get(h) ?? 0) <= 3 * this.leases.renewEveryMs &&
      running(h) < (this.opts.hosts.get(h)?.slots ?? 1));
    return live.map((h, i) => ({ h, i, n: running(h) })).sort((a, b) => a.n - b.n || a.i - b.i).map((x) => x.h);
  }

  /** What the agent holds: running ones are watched, ones it never got are sent (again), unknown ones it lacks are lost. */
  inventory(host: string, items: AgentInventoryItem[]): void {
    const held = new Map(items.map((i) => [i.key, i]));
    for (const t of [...this.attempts.values()]) {
      if (t.host !== host) continue;
      const item = held.get(t.key);
      if (item && item.token === t.req.token) {
        t.state = 'running';
        // An abort that came while the agent was away.
        if (t.abortReason !== undefined) this.conns.get(host)?.session.notify('agent.abort', { key: t.key, reason: t.abortReason });
      } else if (t.state === 'unknown') this.end(t, 'lost', 'the host\'s agent does not have the attempt');
      else if (t.state === 'queued' || t.state === 'sent') this.send(t);
    }
  }

  /** An attempt ended on an agent. */
  async done(session: AgentSession, p: { key: string; token: number; fence?: number; outcome: Record<string, unknown> }): Promise<{ accepted: boolean; reason?: string }> {
    const host = this.sessions.get(session.id);
    const t = this.attempts.get(p.key);
    if (!host || !t || t.host !== host) return { accepted: false, reason: 'no such attempt in flight on this host' };
    if (t.req.token !== p.token) return { accepted: false, reason: 'stale token' };
    const o = outcomeOf(p.outcome);
    if (typeof o === 'string') throw new OrdoError('ORDO_INVALID_PARAMS', `agent.done: ${o}`);
    this.heard.set(host, this.now());
    // A singleton result counts only with the lease's current fence; it releases the lease.
    if (t.lease && !(await this.leases.release(t, p.fence))) return { accepted: false, reason: 'stale fence' };
    if (this.attempts.get(p.key) !== t) return { accepted: false, reason: 'no such attempt in flight on this host' };
    this.forget(t);
    t.resolve({ ...o, status: t.abortReason && o.status !== 'succeeded' ? 'aborted' : o.status });
    return { accepted: true };
  }

  /** Live output of an attempt, appended to the server's copy of its log. */
  output(session: AgentSession, p: { key: string; stream: 'stdout' | 'stderr'; data: string }): void {
    const t = this.attempts.get(p.key);
    if (!t || this.sessions.get(session.id) !== t.host) return;
    const path = outputFile(this.opts.stateDir, t.req.runId, t.req.job.name, t.req.attempt, p.stream);
    try {
      mkdirSync(dirname(path), { recursive: true });
      // The agent caps what the job writes; this caps what a misbehaving agent could send.
      if (sizeOf(path) > t.req.logMaxBytes + 4096) return;
      appendFileSync(path, Buffer.from(p.data, 'base64'));
    } catch (err) {
      this.opts.logger?.warn({ err, key: p.key }, 'cannot write an agent\'s output');
    }
  }

  /** The host an agent's session speaks for, once it said hello. */
  hostOf(sessionId: string): string | undefined {
    return this.sessions.get(sessionId);
  }

  sessionClosed(sessionId: string): void {
    const host = this.sessions.get(sessionId);
    if (!host) return;
    this.sessions.delete(sessionId);
    if (this.conns.get(host)?.session.id !== sessionId) return;
    this.conns.delete(host);
    this.opts.logger?.warn({ host }, 'agent disconnected: its jobs go on; it has the lease to come back');
    this.armAway(host);
  }

  /** The host is down once it has been away for the lease: its attempts are lost, its resource closed. */
  private armAway(host: string): void {
    if (this.awayTimers.has(host)) return;
    this.awayTimers.set(host, setTimeout(() => {
      this.awayTimers.delete(host);
      if (this.conns.has(host)) return;
      for (const t of [...this.attempts.values()]) {
        if (t.host === host && t.state !== 'queued' && t.state !== 'leasing') this.end(t, 'lost', `host ${host} was away longer than its lease`);
      }
      if (!this.draining.has(host)) void this.setClosed(host, true, noAgent(host, 'its agent has been away longer than its lease')).catch(() => {});
    }, this.opts.leaseMs).unref());
  }

  private forget(t: Tracked): void {
    if (this.attempts.get(t.key) === t) this.attempts.delete(t.key);
    this.leases.cancel(t);
    this.leases.forget(t);
  }

  private end(t: Tracked, status: AttemptStatus, error: string): void {
    if (this.attempts.get(t.key) !== t) return;
    this.forget(t);
    const at = this.now();
    t.resolve({ status, exitCode: null, signal: null, error, startedAt: t.startedAt, endedAt: at });
  }

  async drain(name: string, by: string): Promise<void> {
    this.mustKnow(name);
    this.draining.add(name);
    await this.setClosed(name, true, `draining (by ${by}): running jobs finish, no new ones start`, by);
  }

  async resume(name: string, by: string): Promise<void> {
    this.mustKnow(name);
    this.draining.delete(name);
    await this.setClosed(name, !this.conns.has(name), this.conns.has(name) ? null : noAgent(name), by);
  }

  list(): HostStatus[] {
    return [...this.opts.hosts.values()].map((def) => {
      const conn = this.conns.get(def.name);
      const running = [...this.attempts.values()].filter((t) => t.host === def.name).length;
      const state = this.draining.has(def.name) ? 'draining' : conn ? 'up' : this.awayTimers.has(def.name) ? 'away' : 'down';
      return {
        name: def.name, transport: 'agent' as const, state, labels: def.labels, slots: def.slots, running,
        ...(def.address !== undefined && { address: def.address }),
        ...(conn && { agent: { connectedAt: conn.connectedAt, labels: conn.labels, ...(conn.version !== undefined && { version: conn.version }) } }),
      };
    });
  }

  close(): void {
    for (const t of this.awayTimers.values()) clearTimeout(t);
    this.awayTimers.clear();
    this.leases.close();
    for (const t of this.attempts.values()) this.leases.forget(t);
  }

  private mustKnow(name: string): void {
    if (!this.opts.hosts.has(name)) throw new OrdoError('ORDO_NOT_FOUND', `no host "${name}" in ordo.yaml`);
  }

  private setClosed(name: string, closed: boolean, reason: string | null, by = 'server'): Promise<void> {
    return this.opts.store.setResourceClosed(hostResource(name), closed, reason, by, this.now());
  }
}
