/**
 * The in-memory picture of one run that an engine drives: a cache of its rows that start-up (or a
 * conflict) rebuilds from the store, plus the indexes the driver needs to react to a task's end in
 * time proportional to its dependents.
 */
import type { DepState, FlowDef, JobDef } from '../defs/model.js';
import { dependentsIndex, handledStatesIndex } from './deps.js';
import { latestStartsFor } from './deadlines.js';
import type { ResourceClaim, RunRow, TaskRow } from './store.js';

export interface RunSummary {
  run: RunRow;
  tasks: TaskRow[];
  /**
   * Set when this engine stopped driving the run because another engine adopted it (this one was stopped
   * or cut off past its lease): the new owner, if known. The run goes on there.
   */
  lostTo?: string | null;
}

export class ActiveRun {
  readonly jobs = new Map<string, JobDef>();
  readonly jobIndex = new Map<string, number>();
  readonly dependents: Map<string, string[]>;
  readonly handled: Map<string, Set<DepState>>;
  tasks = new Map<string, TaskRow>();
  byId = new Map<number, TaskRow>();
  /** Waiting tasks whose dependencies may have changed since they were last evaluated. */
  readonly candidates = new Set<string>();
  /** Tasks in state `ready`. */
  readonly ready = new Set<string>();
  running = 0;
  ended = 0;
  controlSeq: number;
  /** Ready jobs waiting for a retry delay (`notBefore`), for the retry timer. */
  readonly delayed = new Set<string>();
  /** Jobs that became ready since the dispatcher last looked (it ranks only those incrementally). */
  readonly newlyReady = new Set<string>();
  /** Bumped when the cached rows are replaced: the dispatcher's ranking of this run is then stale. */
  generation = 0;
  /** When each ready task became ready (for aging); rebuilt as `now` after a reload. */
  readonly readySince = new Map<string, number>();
  /** Resource claims per job (locks, connector), from the engine's resource catalog. */
  claims = new Map<string, ResourceClaim[]>();
  /** Expected milliseconds from a job's start to the end of the run (critical path), for ranking. */
  bottomLevel = new Map<string, number>();
  /** The planner's dispatch order within the run (0 first), when the run was planned. */
  readonly planRank = new Map<string, number>();
  /** Deadline instants per job (the job's own, else the flow's). */
  deadlines = new Map<string, number>();
  /** Latest start instants per job: a task not started by then ends `expired`. */
  readonly latestStarts: Map<string, number>;
  /** Jobs whose deadline passed while they were unfinished (their event is written). */
  readonly expired = new Set<string>();
  private resolveDone!: (s: RunSummary) => void;
  readonly done: Promise<RunSummary>;

  constructor(public row: RunRow, readonly def: FlowDef, tasks: TaskRow[], public disabled: Set<string>) {
    def.jobs.forEach((j, i) => {
      this.jobs.set(j.name, j);
      this.jobIndex.set(j.name, i);
    });
    this.dependents = dependentsIndex(def);
    this.handled = handledStatesIndex(def);
    this.controlSeq = row.controlSeq;
    this.latestStarts = latestStartsFor(def, row.params, row.createdAt);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.reset(tasks);
  }

  /** Replaces the cached rows and recomputes every derived set. */
  reset(tasks: TaskRow[]): void {
    this.tasks = new Map(tasks.map((t) => [t.job, t]));
    this.byId = new Map(tasks.map((t) => [t.id, t]));
    this.candidates.clear();
    this.ready.clear();
    this.readySince.clear();
    this.newlyReady.clear();
    this.delayed.clear();
    this.generation++;
    this.running = 0;
    this.ended = 0;
    for (const t of tasks) {
      if (t.state === 'waiting') this.candidates.add(t.job);
      else if (t.state === 'ready') {
        this.ready.add(t.job);
        if (t.notBefore !== null) this.delayed.add(t.job);
      }
      else if (t.state === 'running') this.running++;
      else this.ended++;
    }
  }

  get allEnded(): boolean {
    return this.ended === this.tasks.size;
  }

  job(name: string): JobDef {
    const j = this.jobs.get(name);
    if (!j) throw new Error(`internal: run ${this.row.id} has no job ${name}`);
    return j;
  }

  finish(summary: RunSummary): void {
    this.resolveDone(summary);
  }
}
