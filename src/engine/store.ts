/**
 * The store as the engine sees it: runs, tasks, attempts and events, and a group commit of many
 * transitions in one transaction. Implemented once over the SQL port (store/ordo-store.ts) for both
 * backends.
 *
 * Glossary (DESIGN.md): a run is an instance of a flow pinned to a definition version; a task is an
 * instance of a job inside a run; an attempt is one execution of a task; an event is an append-only
 * record of a state change.
 */
import type { EndState, FlowDef } from '../defs/model.js';
import type { AttemptUsage } from './ports.js';

export type RunState = 'pending' | 'running' | 'succeeded' | 'failed' | 'aborted';
export type TaskState = 'waiting' | 'ready' | 'running' | EndState;
export type AttemptState = 'running' | 'succeeded' | 'failed' | 'timeout' | 'aborted' | 'lost';

export const RUN_END_STATES: readonly RunState[] = ['succeeded', 'failed', 'aborted'];

export function isTaskEnded(state: TaskState): state is EndState {
  return state !== 'waiting' && state !== 'ready' && state !== 'running';
}

export interface FlowVersion {
  id: number;
  flow: string;
  version: number;
  fingerprint: string;
  def: FlowDef;
  createdAt: number;
}

export interface RunRow {
  id: number;
  flow: string;
  flowVersionId: number;
  state: RunState;
  params: Record<string, unknown>;
  /** `${{ vars.NAME }}` values, resolved when the run was created (defs/vars.ts). */
  vars: Record<string, string>;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  owner: string | null;
  heartbeatAt: number | null;
  controlSeq: number;
  /** Added to the priority of every task of the run. */
  priority: number;
  /** Which duration statistics the run's estimates come from (e.g. daily, month-end). */
  statsClass: string;
  /** The business day the run works for (YYYY-MM-DD), when a trigger or the caller gave one. */
  businessDate: string | null;
  /** The trigger fire that started the run, if any. */
  fireId: number | null;
}

export interface TaskRow {
  id: number;
  runId: number;
  job: string;
  state: TaskState;
  /** Bumped by every write; a write names the rev it read and fails when the row moved on. */
  rev: number;
  attempts: number;
  /** Attempts made before the latest operator restart; retries count from here. */
  attemptBase: number;
  notBefore: number | null;
  skipRequested: boolean;
  abortRequested: boolean;
  /** Why the task is in its state (`unsatisfiable`, `operator`, `disabled`, `lost`, `timeout`, ...). */
  reason: string | null;
  exitCode: number | null;
  startedAt: number | null;
  endedAt: number | null;
  result: Record<string, unknown> | null;
}

export interface AttemptRow {
  taskId: number;
  attempt: number;
  /** The task's rev when the attempt was claimed: the fencing token. */
  token: number;
  state: AttemptState;
  owner: string | null;
  pid: number | null;
  startedAt: number;
  endedAt: number | null;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
  /** CPU time and peak memory of the attempt's processes, once it ended (docs/history.md). */
  usage?: AttemptUsage | null;
  /** How each of the job's limits was enforced (docs/limits.md). */
  limits?: Record<string, string> | null;
}

export interface EventInput {
  at: number;
  runId: number | null;
  taskId?: number | null;
  job?: string | null;
  kind: string;
  data?: Record<string, unknown>;
}

export interface EventRow extends EventInput {
  id: number;
}

/** A task's new values, applied only if the stored rev still equals `row.rev`; with its events. */
export interface TaskWrite {
  row: TaskRow;
  events: EventInput[];
  attemptInsert?: AttemptRow;
  attemptUpdate?: AttemptRow;
  /** Resources the claim takes: all of them or none, in the same transaction (else the write is refused). */
  acquire?: ResourceClaim[];
  /** The task leaves `running`: its holds are released in the same transaction. */
  release?: boolean;
}

/**
 * One resource a claim takes. Resources are named `lock:NAME` and `connector:NAME`. A shared use fits
 * while nobody holds the resource exclusively and fewer than `capacity` hold it; an exclusive use fits
 * only while nobody holds it. A closed resource (a closed gate, a blocked connector) fits nothing.
 */
export interface ResourceClaim {
  resource: string;
  mode: 'shared' | 'exclusive';
  /** Most shared holders at once (null = unlimited). */
  capacity: number | null;
  /** Whether a resource not yet recorded starts closed (a gate). */
  closedByDefault: boolean;
  /**
   * A choice (a job's host selector): the dispatcher takes one of these, the least used that fits, in place
   * of this claim. Never given to the store.
   */
  alternatives?: ResourceClaim[];
}

export interface ResourceHold {
  resource: string;
  mode: 'shared' | 'exclusive';
  taskId: number;
  runId: number;
  job: string;
  acquiredAt: number;
}

export interface ResourceStateRow {
  name: string;
  closed: boolean;
  reason: string | null;
  updatedAt: number | null;
  updatedBy: string | null;
}

/** What dispatchers see of the shared resources: who holds what, and what is closed. */
export interface ResourceView {
  holds: ResourceHold[];
  states: Map<string, ResourceStateRow>;
}

/** A run's new state, applied only while `owner` still owns the run. */
export interface RunWrite {
  runId: number;
  owner: string;
  state: RunState;
  startedAt: number | null;
  endedAt: number | null;
  events: EventInput[];
}

export interface Batch {
  /** The engine writing: task writes of runs it no longer owns are refused (conflicts), as stale revs are. */
  owner?: string;
  tasks: TaskWrite[];
  runs: RunWrite[];
  /** Events without a state change. */
  events?: EventInput[];
}

export interface CommitResult {
  /** Ids of tasks whose write was refused: the row had moved on (stale rev), or a resource did not fit. */
  taskConflicts: number[];
  /** Of those, the claims refused because a resource was taken or closed meanwhile (another dispatcher). */
  resourceRefusals?: number[];
  /** Ids of runs this owner no longer owns. */
  runConflicts: number[];
}

export interface NewRun {
  flowVersionId: number;
  flow: string;
  params: Record<string, unknown>;
  /** The resolved variables (defs/vars.ts resolveVars); none when the flow has none. */
  vars?: Record<string, string>;
  jobs: string[];
  at: number;
  priority?: number;
  statsClass?: string;
  businessDate?: string | null;
  fireId?: number | null;
}

export interface RunFilter {
  flow?: string;
  states?: RunState[];
  limit?: number;
}

/** The engine's store. Every method that changes state writes its event rows in the same transaction. */
export interface EngineStore {
  readonly location: string;
  saveFlowVersion(def: FlowDef, fingerprint: string, at: number): Promise<FlowVersion>;
  getFlowVersion(id: number): Promise<FlowVersion>;
  latestFlowVersion(flow: string): Promise<FlowVersion | undefined>;

  createRun(run: NewRun): Promise<RunRow>;
  getRun(runId: number): Promise<RunRow | undefined>;
  listRuns(filter: RunFilter): Promise<RunRow[]>;
  getTasks(runId: number): Promise<TaskRow[]>;
  getAttempts(taskId: number): Promise<AttemptRow[]>;
  /** Takes ownership of an unfinished run when it has no owner, is ours, or its owner is gone. */
  adoptRun(runId: number, owner: string, at: number, staleBefore: number, deadOwners: string[]): Promise<boolean>;
  /** Renews the owner's lease on those of the runs it still owns; answers how many that was. */
  heartbeat(owner: string, runIds: number[], at: number): Promise<number>;
  /**
   * Each run's control sequence number (bumped by operator actions so that a driver reloads the run) and
   * current owner (a driver that finds another there has lost the run).
   */
  runControl(runIds: number[]): Promise<Map<number, { seq: number; owner: string | null }>>;

  /** Group commit: many transitions in one transaction. */
  commit(batch: Batch): Promise<CommitResult>;
  /** An operator's change of tasks and/or a run, in one transaction, bumping the run's control sequence. */
  operatorWrite(runId: number, tasks: TaskWrite[], run: Partial<Pick<RunRow, 'state' | 'endedAt' | 'owner'>> | null,
    events: EventInput[]): Promise<CommitResult>;

  events(runId: number, afterId?: number): Promise<EventRow[]>;
  appendEvents(events: EventInput[]): Promise<void>;

  kvSet(runId: number, key: string, value: string, at: number): Promise<void>;
  kvGet(runId: number, key: string): Promise<string | undefined>;
  kvList(runId: number): Promise<Array<{ key: string; value: string }>>;

  setJobEnabled(flow: string, job: string, enabled: boolean, at: number): Promise<void>;
  disabledJobs(flow: string): Promise<Set<string>>;

  resourceView(): Promise<ResourceView>;
  /** Opens/closes a gate or blocks/unblocks a connector, with its event. */
  setResourceClosed(name: string, closed: boolean, reason: string | null, by: string, at: number): Promise<void>;
  /** Records resources not yet known with their initial state (gates start closed unless declared open). */
  declareResources(rows: Array<{ name: string; closed: boolean }>): Promise<void>;
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string, at: number): Promise<void>;
  /** Durations (ms) of recent successful attempts per job of a flow and statistics class, newest first. */
  durationSamples(flow: string, statsClass: string, perJob: number): Promise<Map<string, number[]>>;

  close(): Promise<void>;
}
