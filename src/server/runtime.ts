/**
 * Wiring: a store, the executors and an engine for one process, as selected by the environment.
 * The CLI's `run`, `resume`, `restart` and `server` all start here.
 */
import { CopyExecutor } from '../exec/copy.js';
import { HttpExecutor } from '../exec/http.js';
import { SqlExecutor } from '../exec/sql.js';
import { resolve } from 'node:path';
import { SystemClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import type { Clock, Executor } from '../engine/ports.js';
import { LocalProcessExecutor } from '../exec/local.js';
import { NoopExecutor } from '../exec/noop.js';
import { hostRouter, NO_AGENTS, PlacingExecutor } from '../exec/placing.js';
import { leaseTimingFrom } from './singleton-leases.js';
import type { Logger } from 'pino';
import { AgentHub } from './agents.js';
import { DEFAULT_PROBE_MS, SshHosts } from './ssh-hosts.js';
import { openStore, stateDirFor } from '../store/open.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { defaultSettings, type ProjectSettings } from '../defs/model.js';
import { lockResource } from '../engine/resources.js';
import { cachedLoadProbe } from './load.js';
import { isOwnerDead, newOwner } from './owner.js';
import { formatDiagnostic } from '../lang/diagnostics.js';
import { WorkflowExecutor } from '../wf/executor.js';
import { masterKeyFrom, type MasterKey } from '../secrets/master-key.js';
import { revealSecrets } from '../secrets/vault.js';
import { compiledOrThrow, openHost, type WfHost } from '../wf/host.js';
import { compileProjectSources } from '../wf/project.js';

export interface RuntimeOptions {
  projectDir: string;
  /** The project's settings: connectors, gates, aging and estimates (limits come from the fields below). */
  settings?: ProjectSettings;
  maxParallel: number;
  logMaxBytes: number;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  executors?: Executor[];
  pollMs?: number;
  leaseMs?: number;
  /**
   * The workflow engine that runs jobs of kind workflow, when the caller has one (the server shares its
   * JobCenter engine, so remote workers hear of those tasks at once); its owner closes it. Default: one of
   * the runtime's own, opened on the first such job.
   */
  workflowHost?: () => Promise<WfHost>;
  /** Run jobs that name a host on that host's agent, and probe SSH hosts (the server; docs/hosts.md). */
  agents?: { logger?: Logger };
}

export interface Runtime {
  store: OrdoStore;
  engine: Engine;
  stateDir: string;
  /** The agents of the project's hosts, when asked for (`agents`). */
  agents: AgentHub | null;
  /** The key secrets are sealed with, when ORDO_MASTER_KEY(_FILE) gives one (docs/secrets.md). */
  masterKey?: MasterKey;
  /** The project's agentless hosts (transport: ssh); every engine runs their jobs. */
  sshHosts: SshHosts;
  close(): Promise<void>;
}

export const DEFAULT_LEASE_MS = 15_000;

/**
 * How long a run's owner may go without a heartbeat before another engine adopts the run: ORDO_LEASE_MS
 * (milliseconds) when set, else DEFAULT_LEASE_MS. Every engine and server of one store should agree on it.
 */
export function leaseMsFrom(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.ORDO_LEASE_MS);
  return Number.isInteger(n) && n >= 100 ? n : DEFAULT_LEASE_MS;
}

/** How often a server probes its SSH hosts: ORDO_SSH_PROBE_MS when set, else DEFAULT_PROBE_MS. */
export function probeMsFrom(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.ORDO_SSH_PROBE_MS);
  return Number.isInteger(n) && n >= 100 ? n : DEFAULT_PROBE_MS;
}

export async function openRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const env = opts.env ?? process.env;
  const projectDir = resolve(opts.projectDir);
  const stateDir = resolve(stateDirFor(projectDir, env));
  const databaseUrl = env.DATABASE_URL || undefined;
  const store = await openStore({ stateDir, databaseUrl });
  // Jobs find the same store for `ordo kv`: the state directory, and the database URL when there is one.
  const jobEnv: Record<string, string> = { ORDO_HOME: stateDir, ORDO_PROJECT: projectDir };
  if (databaseUrl) jobEnv.DATABASE_URL = databaseUrl;
  // Secrets are decrypted by this engine only, for the attempts that name them (docs/secrets.md).
  const masterKey = masterKeyFrom(env);
  const settings = opts.settings ?? defaultSettings();
  const catalog = { connectors: settings.connectors, gates: settings.gates, hosts: settings.hosts, environment: env.ORDO_ENV || settings.environment };
  // Gates start closed (unless declared open) the first time any engine sees them; later changes stay.
  await store.declareResources([...settings.gates.values()].map((g) => ({ name: lockResource(g.name), closed: !g.initiallyOpen })));
  const local = new LocalProcessExecutor({ stateDir, projectDir });
  const clock = opts.clock ?? new SystemClock();
  // Jobs of kind workflow: workflow runs driven in this process, with the project's command actions.
  const workflows = opts.workflowHost
    ? new WorkflowExecutor(opts.workflowHost, () => clock.now(), { ownsHost: false })
    : new WorkflowExecutor(async () => openHost({
      store, projectDir, stateDir, clock, owner: newOwner(), isOwnerDead, env: jobEnv,
      compiled: compiledOrThrow(compileProjectSources(projectDir), formatDiagnostic),
    }), () => clock.now());
  const agentHosts = new Map([...settings.hosts].filter(([, h]) => h.transport === 'agent'));
  const agents = opts.agents ? new AgentHub({ store, hosts: agentHosts, leaseMs: opts.leaseMs ?? leaseMsFrom(env), stateDir, singleton: leaseTimingFrom(env), logger: opts.agents.logger }) : null;
  await agents?.init();
  // A server probes its SSH hosts (closing those it cannot reach); other engines just run their jobs.
  const reveal = masterKey ? (names: readonly string[]) => revealSecrets(store.sql, masterKey, names) : undefined;
  const sshHosts = new SshHosts({ store, hosts: settings.hosts, stateDir, probeMs: opts.agents ? probeMsFrom(env) : undefined, logger: opts.agents?.logger, reveal });
  await sshHosts.init();
  const command = new PlacingExecutor(local, hostRouter(sshHosts, agents ?? NO_AGENTS));
  const executors = opts.executors ?? [
    command, new NoopExecutor(), workflows,
    new HttpExecutor(stateDir), new SqlExecutor(projectDir, stateDir), new CopyExecutor(projectDir, stateDir, settings.hosts),
  ];
  const engine = new Engine({
    store,
    clock,
    executors,
    owner: newOwner(),
    maxParallel: opts.maxParallel,
    logMaxBytes: opts.logMaxBytes,
    jobEnv,
    secrets: reveal,
    isOwnerDead,
    pollMs: opts.pollMs,
    leaseMs: opts.leaseMs ?? leaseMsFrom(env),
    catalog,
    loadProbe: cachedLoadProbe(),
    agingMs: settings.agingMs,
    defaultEstimateMs: settings.defaultEstimateMs,
  });
  return {
    store, engine, stateDir, agents, sshHosts, ...(masterKey && { masterKey }),
    async close() {
      await engine.close();
      agents?.close();
      sshHosts.close();
      local.close();
      await workflows.close();
      await store.close();
    },
  };
}
