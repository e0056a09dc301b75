/**
 * Where a worker gets tasks and sends results: the task protocol of seed 001's JobCenter, as methods.
 * `claim` is `get_task` (it answers the task's cookie, inputs and env), `complete` is `task_done`
 * (outargs with an `error` key are a failure), `onTaskReady` is the `task_ready` notification. The
 * JSON-RPC API exposes the same calls to remote workers; in-process workers use the engine itself
 * (WorkflowEngine implements this interface and wakes runs at once) or, in a process without an engine,
 * a StoreBroker that works on the store and relies on polling.
 */
import type { Clock } from '../engine/ports.js';
import type { JsonObject } from '../lang/json.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { WfStore } from '../wf/store.js';
import type { LocalWorker } from '../wf/serve.js';
import { claim, complete, nextReadyAt, type ClaimedTask, type Completion } from '../wf/tasks.js';

export type { ClaimedTask, Completion, LocalWorker };

export interface TaskBroker {
  readonly clock: Clock;
  /**
   * `get_task`: up to `limit` ready tasks of the action, each with a fresh cookie (fencing token);
   * `runId`: only that run's ready task (a task offered to a worker whose announce has a filter).
   */
  claim(worker: string, action: string, limit: number, runId?: number): Promise<ClaimedTask[]>;
  /** `task_done`: refused (accepted false, nothing changed) unless the cookie is the current claim's. */
  complete(cookie: string, outargs: JsonObject): Promise<Completion>;
  /** When the next delayed task of the action (a soft retry) may be claimed. */
  nextReadyAt(action: string): Promise<number | null>;
  /** `task_ready`: called with the action's name when a task of it becomes ready. */
  onTaskReady?(listener: (action: string) => void): () => void;
  /** In-process only: the broker may hand tasks straight to the worker's free slots (see WorkflowEngine.attach). */
  attach?(worker: LocalWorker): () => void;
}

/** A broker straight on the store, for workers in a process that drives no runs. */
export class StoreBroker implements TaskBroker {
  private readonly store: WfStore;

  constructor(store: OrdoStore | WfStore, readonly clock: Clock) {
    this.store = WfStore.of(store);
  }

  claim(worker: string, action: string, limit: number, runId?: number): Promise<ClaimedTask[]> {
    return claim(this.store.db, worker, action, limit, this.clock.now(), runId);
  }

  complete(cookie: string, outargs: JsonObject): Promise<Completion> {
    return complete(this.store.db, cookie, outargs, this.clock.now());
  }

  nextReadyAt(action: string): Promise<number | null> {
    return nextReadyAt(this.store.db, action);
  }
}
