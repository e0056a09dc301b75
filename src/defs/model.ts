/**
 * The validated definition model: what the engine runs. The on-disk YAML shape lives in `defs/spec.ts` and
 * is turned into this model by `defs/compile.ts`; nothing outside `defs/` sees raw YAML.
 *
 * Glossary (see ../../docs/architecture.md):
 * - job: one unit of work (a command, a shell script, a no-op) with its attributes.
 * - template: a named set of job attributes that a job (or another template) `extends`.
 * - flow: a graph of jobs; a dependency names a job and the end states that satisfy it.
 * - calendar: a time zone, a working week and holidays; plan: rules that yield instants (docs/time.md).
 */
import type { CopySpec, HttpSpec, SqlSpec } from './kinds.js';
import type { RetentionPolicy } from './retention.js';
import type { JobLimits } from './limits.js';
import type { CalendarDef } from '../time/calendar.js';
import type { PlanDef } from '../time/plan.js';
import type { BatchPlan } from './batch-model.js';
import type { HandlerDef, SmtpSettings } from './handlers.js';

/** Where something was written: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** States a task can end in. */
export const END_STATES = ['succeeded', 'failed', 'skipped', 'aborted', 'expired'] as const;
export type EndState = (typeof END_STATES)[number];

/** What a dependency may wait for: an end state, or `done` (any end). */
export const DEP_STATES = [...END_STATES, 'done'] as const;
export type DepState = (typeof DEP_STATES)[number];

/** One job + the end states of it that satisfy the dependency. */
export interface DependencyRef {
  job: string;
  states: DepState[];
  at?: SourceLocation;
}

/**
 * All `all` dependencies of a job are required; an `any` group needs one of its members. `atMost` is a
 * failure threshold (network-wide batches, docs/batches.md): it waits for every member to end and holds when
 * at most `max` of them ended in their listed states; it fails as soon as more than `max` have.
 */
export type Dependency =
  | { kind: 'job'; ref: DependencyRef }
  | { kind: 'any'; members: DependencyRef[]; at?: SourceLocation }
  | { kind: 'atMost'; members: DependencyRef[]; max: number; at?: SourceLocation };

export interface RetryPolicy {
  /** Further attempts after the first one fails. */
  retries: number;
  /** Delay before the first retry. */
  delayMs: number;
  /** Multiplier applied to the delay for every further retry (1 = constant). */
  backoff: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
}

/** How a command job runs: an argv without a shell, or a script given to a shell. */
export type CommandLine = { kind: 'argv'; argv: string[] } | { kind: 'shell'; script: string; shell: string[] };

export type JobKind = 'command' | 'noop' | 'workflow' | 'http' | 'sql' | 'copy';

/** A lock a job holds while it runs (seed 004): shared with other shared holders, or alone. */
export type LockMode = 'shared' | 'exclusive';
export interface LockNeed {
  name: string;
  mode: LockMode;
}

/** The connector a job uses: one of its `maxParallel` uses, or all of it (`exclusive`). */
export interface ConnectorUse {
  name: string;
  exclusive: boolean;
}

/**
 * When a job (or a flow) must be done. `timeOfDay`: HH:MM local time on the run's business date (the
 * `business_date` parameter, else the day the run was created) plus `dayOffset` days; `absolute`: an instant.
 */
export type DeadlineSpec =
  | { kind: 'timeOfDay'; hour: number; minute: number; dayOffset: number; text: string }
  | { kind: 'absolute'; at: number; text: string };

/** Priorities: higher runs first; `immediate` starts at once, past the slot limits (never past a lock). */
export const IMMEDIATE_PRIORITY = 1_000_000;

export interface JobDef {
  name: string;
  kind: JobKind;
  /** Present when kind is `command`. Strings may hold `${{ ... }}` expressions. */
  command?: CommandLine;
  /** Kind `workflow`: the workflow the job runs (docs/workflows.md). */
  workflow?: string;
  /** Kind `workflow`: the run's input; strings may hold `${{ ... }}` (a string that is one expression keeps the value's type). */
  input?: Record<string, unknown>;
  cwd?: string;
  env: Record<string, string>;
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when a timeout or an abort stops the process group. */
  killGraceMs: number;
  retry: RetryPolicy;
  successCodes: number[];
  after: Dependency[];
  locks: LockNeed[];
  connector?: ConnectorUse;
  /** Kind `command`: the host of ordo.yaml it runs on (docs/hosts.md); on the server when absent. */
  host?: string;
  /** Kind `command`: any one of the hosts whose labels contain these, the least busy that is up (docs/hosts.md). */
  hostSelector?: { labels: Record<string, string> };
  /** Kind `command`: what its processes may use (docs/limits.md). */
  limits?: JobLimits;
  /**
   * Kind `command` in a singleton flow (docs/hosts.md, "Singleton"): the job runs on one of `hosts` that is
   * live, and only while it holds the lease `lease` (granted by the server, renewed by the host's agent).
   */
  singleton?: SingletonPlacement;
  /** Kinds http, sql, copy: what the job does (docs/job-kinds.md). */
  http?: HttpSpec;
  sql?: SqlSpec;
  copy?: CopySpec;
  /** Higher first; IMMEDIATE_PRIORITY for `immediate`. */
  priority: number;
  deadline?: DeadlineSpec;
  /** A task not started by then ends `expired` (same forms as `deadline`). */
  latestStart?: DeadlineSpec;
  /** Event handlers of this job (docs/alerts.md). */
  handlers?: HandlerDef[];
  /** Postpone the job while the host's load average per core is above this. */
  maxLoad?: number;
  /** Expected duration when there is no history yet (critical-path ordering, forecasts). */
  estimateMs?: number;
  enabled: boolean;
  description?: string;
  /** The template chain this job was built from, nearest first. */
  extends: string[];
  at?: SourceLocation;
}

/** Where a singleton job may run and the lease that gives it the right to (`flow:NAME` for a flow's jobs). */
export interface SingletonPlacement {
  lease: string;
  hosts: string[];
}

export type ParamType = 'string' | 'number' | 'integer' | 'boolean';

export interface ParamDef {
  name: string;
  type: ParamType;
  default?: string | number | boolean;
  required: boolean;
  description?: string;
}

/** What starts runs of a flow besides the API and the CLI. `key` names the trigger in fire records. */
export type TriggerDef = (
  | { kind: 'plan'; plan: string }
  | { kind: 'cron'; cron: string; zone: string }
  | { kind: 'gate'; gate: string }
  | { kind: 'after'; flow: string; states: Array<'succeeded' | 'failed' | 'aborted'> }
  | { kind: 'file'; path: string; settleMs: number }
) & { key: string; at?: SourceLocation };

/** When a trigger fires while a run of the flow is still going. */
export const OVERLAP_POLICIES = ['skip', 'queue-one', 'queue-all', 'cancel-previous', 'allow'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Which missed plan instants run after downtime. */
export const CATCHUP_POLICIES = ['none', 'latest', 'all'] as const;
export type CatchupPolicy = (typeof CATCHUP_POLICIES)[number];

export interface ScheduleDef {
  triggers: TriggerDef[];
  overlap: OverlapPolicy;
  catchup: { policy: CatchupPolicy; windowMs: number; max: number };
  /** Random delay added to each plan fire (0..jitterMs), spreading load. */
  jitterMs: number;
  /** At most one run per business date (an idempotent start), unless false. */
  oncePerBusinessDate: boolean;
}

export interface FlowDef {
  name: string;
  description?: string;
  /** Project-relative path of the file that declared it. */
  file: string;
  params: ParamDef[];
  /** In declaration order. */
  jobs: JobDef[];
  /** Maximum tasks of one run of this flow running at once (undefined = only the global limit). */
  maxParallel?: number;
  /** Added to every job's priority. */
  priority: number;
  deadline?: DeadlineSpec;
  /** Triggers and their policies; absent when the flow is only started by hand or the API. */
  schedule?: ScheduleDef;
  /** The flow's event handlers, then the project's (docs/alerts.md). */
  handlers?: HandlerDef[];
  /** `${{ vars.NAME }}` defaults: the project's, with the flow's over them (vars.ts); absent when none. */
  vars?: Record<string, string>;
}

/** A named target environment (a host, a database, a URL), with its settings per environment. */
export interface ConnectorDef {
  name: string;
  /** Uses at once (undefined = unlimited). */
  maxParallel?: number;
  /** A reference to credentials kept elsewhere (a file, a vault path); handed to jobs, never resolved here. */
  credentials?: string;
  /** Settings per environment (`test`, `prod`, ...), given to jobs as ORDO_CONNECTOR_<NAME>_<KEY>. */
  environments: Record<string, Record<string, string>>;
  description?: string;
}

export interface GateDef {
  name: string;
  /** Whether the gate starts open when it is first seen. */
  initiallyOpen: boolean;
  description?: string;
}

/**
 * A host of ordo.yaml where command jobs may run (docs/hosts.md). `agent`: an `ordo agent` connected under
 * the host's name runs them; `slots` bounds how many run there at once, on top of connectors and locks.
 */
export interface HostDef {
  name: string;
  transport: 'agent' | 'ssh';
  /** The host's address, for people and for the SSH transport; an agent is known by its name. */
  address?: string;
  labels: Record<string, string>;
  slots: number;
  description?: string;
  /** How the server reaches an agentless host (transport `ssh`); absent for agents. */
  ssh?: SshHostDef;
}

/** `transport: ssh`: the server runs the host's jobs over SSH (src/exec/ssh/, docs/hosts.md). */
export interface SshHostDef {
  user: string;
  port: number;
  /** Absolute path of the private key (a relative one in ordo.yaml is relative to the project). */
  key?: string;
  /**
   * `key: ${{ secrets.NAME }}`: the private key is the secret NAME (docs/secrets.md), decrypted by the engine
   * when it connects, never written to disk. `keyAt` is where ordo.yaml says so (for `ordo validate`).
   */
  keySecret?: string;
  keyAt?: SourceLocation;
  /** Absolute path of the known_hosts file; absent: ~/.ssh/known_hosts of the server's user. */
  knownHosts?: string;
  /** `strict`: an unknown host key is an error; `accept-new`: it is trusted and written to knownHosts. */
  hostKey: 'strict' | 'accept-new';
}

export interface ProjectSettings {
  /** Global maximum of tasks running at once in one engine. */
  maxParallel: number;
  /** Cap of one attempt's stdout and of its stderr log file, in bytes. */
  logMaxBytes: number;
  /** The environment connectors are mapped to (overridden by ORDO_ENV). */
  environment: string;
  /** The console banner's colour (CSS); null: red for an environment named prod or production, else grey-blue. */
  environmentColor: string | null;
  connectors: Map<string, ConnectorDef>;
  gates: Map<string, GateDef>;
  hosts: Map<string, HostDef>;
  /** A ready task gains one priority point per this many milliseconds of waiting (no starvation). */
  agingMs: number;
  /** Estimate of a job's duration when it has no history and no `estimate`. */
  defaultEstimateMs: number;
  /** Calendars of working days and holidays (docs/time.md). */
  calendars: Map<string, CalendarDef>;
  /** Execution plans: rules that yield instants (docs/time.md); compile with time/registry.ts. */
  plans: Map<string, PlanDef>;
  /** How long ended runs and their files are kept (docs/retention.md); absent: for ever. */
  retention?: RetentionPolicy;
  /** Handlers of ordo.yaml: every flow's runs fire them (docs/alerts.md). */
  handlers: HandlerDef[];
  /** How e-mail handlers send (docs/alerts.md). */
  smtp?: SmtpSettings;
  /** `vars:` of ordo.yaml: every flow's variables, unless the flow has its own of the same name. */
  vars: Record<string, string>;
}

export interface Project {
  /** Absolute path of the project directory. */
  dir: string;
  settings: ProjectSettings;
  flows: Map<string, FlowDef>;
  /** Named network-wide batches: the project's files with `batch: NAME` (docs/batches.md). */
  batches: Map<string, BatchPlan>;
}

export function defaultSettings(): ProjectSettings {
  return {
    maxParallel: 16, logMaxBytes: 10 * 1024 * 1024, environment: 'default', environmentColor: null, connectors: new Map(), gates: new Map(), hosts: new Map(),
    agingMs: 60_000, defaultEstimateMs: 60_000, calendars: new Map(), plans: new Map(), handlers: [], vars: {},
  };
}
