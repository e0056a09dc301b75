/**
 * Agentless hosts (`transport: ssh`, docs/hosts.md): the executor port's SSH adapter, and whether each such
 * host is up. A host is the resource `host:NAME` as for agents; an SSH host is open unless a probe (a
 * connect and handshake, every probeMs, by a server) failed, in which case it is closed with the reason
 * (`ordo why` shows it: unknown host key, wrong key, connection refused) until a later probe succeeds.
 * Without probes (`ordo run`) the hosts are open, and an attempt on a host that is down fails with the reason.
 */
import type { Logger } from 'pino';
import type { HostDef } from '../defs/model.js';
import { OrdoError } from '../errors.js';
import { hostResource } from '../engine/resources.js';
import type { AttemptHandle, AttemptRequest } from '../engine/ports.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { connectSsh, isSshHost, type RevealSecrets, type SshHost } from '../exec/ssh/connect.js';
import { SshAttempt } from '../exec/ssh/ssh-attempt.js';
import type { HostStatus } from './agents.js';

export const DEFAULT_PROBE_MS = 30_000;

export interface SshHostsOptions {
  store: OrdoStore;
  hosts: Map<string, HostDef>;
  stateDir: string;
  /** Probe each host this often (a server); absent: no probes, hosts stay open (`ordo run`). */
  probeMs?: number;
  logger?: Logger;
  /** How this engine decrypts secrets (absent without a master key): for hosts with `key: ${{ secrets.NAME }}`. */
  reveal?: RevealSecrets;
}

interface Probe {
  state: 'up' | 'down';
  checkedAt?: number;
  reason?: string;
}

export class SshHosts {
  private readonly hosts: SshHost[];
  private readonly probes = new Map<string, Probe>();
  private readonly draining = new Set<string>();
  private readonly inFlight = new Map<SshAttempt, string>();
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;

  constructor(private readonly opts: SshHostsOptions) {
    this.hosts = [...opts.hosts.values()].filter(isSshHost);
  }

  /** Whether a host of ordo.yaml is reached over SSH. */
  has(name: string): boolean {
    return this.hosts.some((h) => h.name === name);
  }

  /** Opens the hosts (keeping drains); a server then probes them now and every probeMs. */
  async init(): Promise<void> {
    const view = await this.opts.store.resourceView();
    for (const h of this.hosts) {
      const row = view.states.get(hostResource(h.name));
      if (row?.closed && row.reason?.startsWith('draining')) this.draining.add(h.name);
      else await this.setClosed(h.name, false, null);
      this.probes.set(h.name, { state: 'up' });
    }
    if (this.opts.probeMs !== undefined && this.hosts.length > 0) {
      await this.probeAll();
      this.timer = setInterval(() => void this.probeAll(), this.opts.probeMs).unref();
    }
  }

  /** Connects to every host once; opens those that answer, closes the others with the reason. */
  probeAll(): Promise<void> {
    this.probing ??= Promise.all(this.hosts.map((h) => this.probe(h))).then(() => undefined).finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probe(h: SshHost): Promise<void> {
    let reason: string | undefined;
    try {
      (await connectSsh(h, { reveal: this.opts.reveal })).end();
    } catch (err) {
      reason = (err as Error).message;
    }
    const before = this.probes.get(h.name);
    this.probes.set(h.name, { state: reason ? 'down' : 'up', checkedAt: Date.now(), ...(reason !== undefined && { reason }) });
    if (before?.state !== (reason ? 'down' : 'up') || before.reason !== reason) {
      if (reason) this.opts.logger?.warn({ host: h.name, reason }, 'ssh host down');
      else this.opts.logger?.info({ host: h.name }, 'ssh host up');
    }
    if (!this.draining.has(h.name)) await this.setClosed(h.name, reason !== undefined, reason ? `down: ${reason}` : null).catch(() => {});
  }

  start(req: AttemptRequest): AttemptHandle {
    return this.handle(new SshAttempt(req, this.host(req), this.opts.stateDir, Date.now(), 'start', this.opts.reveal), req);
  }

  /** No supervisor watches an SSH job once its server stopped: what is left of it is killed, the attempt is lost. */
  reattach(req: AttemptRequest, startedAt: number): AttemptHandle {
    return this.handle(new SshAttempt(req, this.host(req), this.opts.stateDir, startedAt, 'reattach', this.opts.reveal), req);
  }

  private host(req: AttemptRequest): SshHost {
    const h = this.hosts.find((x) => x.name === req.job.host);
    if (!h) throw new OrdoError('ORDO_NOT_FOUND', `host ${req.job.host ?? '?'} is not an SSH host`);
    return h;
  }

  private handle(a: SshAttempt, req: AttemptRequest): AttemptHandle {
    this.inFlight.set(a, req.job.host ?? '');
    void a.done.then(() => this.inFlight.delete(a));
    return {
      done: a.done,
      abort: (reason) => a.stop('aborted', reason),
      abandon: (kill) => {
        this.inFlight.delete(a);
        a.abandon(kill);
      },
    };
  }

  async drain(name: string, by: string): Promise<void> {
    this.draining.add(name);
    await this.setClosed(name, true, `draining (by ${by}): running jobs finish, no new ones start`, by);
  }

  async resume(name: string, by: string): Promise<void> {
    this.draining.delete(name);
    const p = this.probes.get(name);
    await this.setClosed(name, p?.state === 'down', p?.state === 'down' ? `down: ${p.reason ?? 'unreachable'}` : null, by);
  }

  list(): HostStatus[] {
    return this.hosts.map((h) => {
      const p = this.probes.get(h.name) ?? { state: 'up' };
      const running = [...this.inFlight.values()].filter((n) => n === h.name).length;
      return {
        name: h.name, transport: 'ssh', state: this.draining.has(h.name) ? 'draining' : p.state, labels: h.labels, slots: h.slots, running,
        address: h.address, ...(p.checkedAt !== undefined && { checkedAt: p.checkedAt }), ...(p.reason !== undefined && { reason: p.reason }),
      };
    });
  }

  /** Stops probing and lets go of the attempts in flight (their jobs are killed by the next engine's re-attach). */
  close(): void {
    clearInterval(this.timer);
    for (const a of [...this.inFlight.keys()]) a.abandon(false);
    this.inFlight.clear();
  }

  private setClosed(name: string, closed: boolean, reason: string | null, by = 'server'): Promise<void> {
    return this.opts.store.setResourceClosed(hostResource(name), closed, reason, by, Date.now());
  }
}
