/**
 * The resources a job needs, as claims the store accounts for (`lock:NAME`, `connector:NAME`), and the
 * dispatcher's in-memory picture of who holds what. The store re-checks every claim in the dispatch
 * transaction; this picture only lets the dispatcher choose claims that will fit and explain waits.
 */
import type { ConnectorDef, GateDef, HostDef, JobDef } from '../defs/model.js';
import type { ResourceClaim, ResourceHold, ResourceView } from './store.js';

/** What the engine knows of the project's resources: server configuration, not part of a flow version. */
export interface ResourceCatalog {
  connectors: Map<string, ConnectorDef>;
  gates: Map<string, GateDef>;
  /** The environment connectors are mapped to (test, prod, ...). */
  environment: string;
  /** Hosts (docs/hosts.md): each is a resource whose capacity is its slots, closed while its agent is away. */
  hosts: Map<string, HostDef>;
  /** True for a simulation: hosts count as up, though no agent ever connects. */
  hostsUp?: boolean;
}

export function catalogOf(settings: { connectors: Map<string, ConnectorDef>; gates: Map<string, GateDef>; hosts: Map<string, HostDef>; environment: string }): ResourceCatalog {
  return { connectors: settings.connectors, gates: settings.gates, hosts: settings.hosts, environment: settings.environment };
}

export function emptyCatalog(): ResourceCatalog {
  return { connectors: new Map(), gates: new Map(), hosts: new Map(), environment: 'default' };
}

export const lockResource = (name: string) => `lock:${name}`;
export const connectorResource = (name: string) => `connector:${name}`;
export const hostResource = (name: string) => `host:${name}`;
/** The placeholder of a host selector's claim, replaced at dispatch by the chosen host's. */
export const HOST_CHOICE = 'host:*';

/** The hosts whose labels contain all of `labels`, in declaration order. */
export function hostsMatching(labels: Record<string, string>, hosts: Map<string, HostDef>): string[] {
  const wanted = Object.entries(labels);
  return [...hosts.values()].filter((h) => wanted.every(([k, v]) => h.labels[k] === v)).map((h) => h.name);
}

/** The host a dispatch chose: the name of its host claim. */
export function chosenHost(claims: readonly ResourceClaim[]): string | undefined {
  const claim = claims.find((c) => c.resource.startsWith('host:') && c.resource !== HOST_CHOICE);
  return claim?.resource.slice('host:'.length);
}

export function claimsOf(job: JobDef, catalog: ResourceCatalog): ResourceClaim[] {
  const claims: ResourceClaim[] = job.locks.map((l) => ({
    resource: lockResource(l.name), mode: l.mode, capacity: null, closedByDefault: !(catalog.gates.get(l.name)?.initiallyOpen ?? true),
  }));
  if (job.connector) {
    const def = catalog.connectors.get(job.connector.name);
    claims.push({
      resource: connectorResource(job.connector.name), mode: job.connector.exclusive ? 'exclusive' : 'shared',
      capacity: def?.maxParallel ?? null, closedByDefault: false,
    });
  }
  // One of the host's slots; the resource is closed until the host's agent connects (src/server/agents.ts);
  // an SSH host is open until a probe finds it down (src/server/ssh-hosts.ts).
  const hostClaim = (name: string): ResourceClaim => ({
    resource: hostResource(name), mode: 'shared', capacity: catalog.hosts.get(name)?.slots ?? 1,
    closedByDefault: !catalog.hostsUp && catalog.hosts.get(name)?.transport !== 'ssh',
  });
  if (job.host !== undefined) claims.push(hostClaim(job.host));
  else if (job.hostSelector) {
    const names = hostsMatching(job.hostSelector.labels, catalog.hosts);
    claims.push({ resource: HOST_CHOICE, mode: 'shared', capacity: null, closedByDefault: false, alternatives: names.map(hostClaim) });
  }
  return claims;
}

/** The settings a job that uses a connector finds in its environment. */
export function connectorEnv(job: JobDef, catalog: ResourceCatalog): Record<string, string> {
  if (!job.connector) return {};
  const def = catalog.connectors.get(job.connector.name);
  const prefix = `ORDO_CONNECTOR_${job.connector.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const env: Record<string, string> = { ORDO_CONNECTOR: job.connector.name, ORDO_ENVIRONMENT: catalog.environment };
  for (const [k, v] of Object.entries(def?.environments[catalog.environment] ?? {})) {
    env[`${prefix}_${k.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = v;
  }
  if (def?.credentials) env[`${prefix}_CREDENTIALS`] = def.credentials;
  return env;
}

export interface Usage {
  shared: number;
  exclusive: number;
  holders: ResourceHold[];
}

/** The dispatcher's working copy of the view: usage grows as it picks claims within one tick. */
export class ResourceUsage {
  private readonly usage = new Map<string, Usage>();
  private readonly closed = new Map<string, string | null>();
  private readonly known = new Set<string>();

  /** `released`: tasks whose holds go back in the same transaction as this dispatch. */
  constructor(view: ResourceView, released: ReadonlySet<number> = new Set()) {
    for (const h of view.holds) if (!released.has(h.taskId)) this.add(h);
    for (const s of view.states.values()) {
      this.known.add(s.name);
      if (s.closed) this.closed.set(s.name, s.reason);
    }
  }

  private add(h: ResourceHold): void {
    const u = this.usage.get(h.resource) ?? { shared: 0, exclusive: 0, holders: [] };
    u[h.mode] += 1;
    u.holders.push(h);
    this.usage.set(h.resource, u);
  }

  get(resource: string): Usage | undefined {
    return this.usage.get(resource);
  }

  /** Closed (a gate not open, a blocked connector), with its reason; undefined when open. */
  closedReason(claim: ResourceClaim): { reason: string | null } | undefined {
    if (this.closed.has(claim.resource)) return { reason: this.closed.get(claim.resource) ?? null };
    if (!this.known.has(claim.resource) && claim.closedByDefault) return { reason: null };
    return undefined;
  }

  fits(claim: ResourceClaim): boolean {
    if (this.closedReason(claim)) return false;
    const u = this.usage.get(claim.resource);
    if (!u) return true;
    if (claim.mode === 'exclusive') return u.shared === 0 && u.exclusive === 0;
    return u.exclusive === 0 && (claim.capacity === null || u.shared < claim.capacity);
  }

  take(claims: ResourceClaim[], taskId: number, runId: number, job: string, at: number): void {
    for (const c of claims) this.add({ resource: c.resource, mode: c.mode, taskId, runId, job, acquiredAt: at });
  }
}
