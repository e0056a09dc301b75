/**
 * Collects the transitions of one engine tick into one group commit. A task touched several times in a
 * tick (it became ready and was dispatched) is written once, conditioned on the rev it had before the
 * tick, with all its events in order.
 */
import type { AttemptRow, Batch, EventInput, ResourceClaim, RunWrite, TaskRow, TaskWrite } from './store.js';

interface Pending {
  task: TaskRow;
  baseRev: number;
  events: EventInput[];
  attemptInsert?: AttemptRow;
  attemptUpdate?: AttemptRow;
  acquire?: ResourceClaim[];
  release?: boolean;
}

export class BatchBuilder {
  private readonly tasks = new Map<number, Pending>();
  private readonly runs: RunWrite[] = [];
  private readonly extraEvents: EventInput[] = [];

  /** Records that `task` (already changed in memory) must be written, with an event. */
  touch(task: TaskRow, event: EventInput | null, attempt?: { insert?: AttemptRow; update?: AttemptRow }): void {
    let p = this.tasks.get(task.id);
    if (!p) {
      p = { task, baseRev: task.rev, events: [] };
      this.tasks.set(task.id, p);
    }
    if (event) p.events.push(event);
    if (attempt?.insert) p.attemptInsert = attempt.insert;
    if (attempt?.update) {
      // An attempt claimed and finished in the same batch (it could not start): insert its final row.
      if (p.attemptInsert && p.attemptInsert.attempt === attempt.update.attempt) p.attemptInsert = attempt.update;
      else p.attemptUpdate = attempt.update;
    }
  }

  /** The claim of `task` takes these resources (all or none, checked by the store). */
  acquire(task: TaskRow, claims: ResourceClaim[]): void {
    if (claims.length > 0) this.tasks.get(task.id)!.acquire = claims;
  }

  /** `task` leaves `running`: its resource holds go with this write. */
  release(task: TaskRow): void {
    const p = this.tasks.get(task.id);
    if (p) p.release = true;
    else this.tasks.set(task.id, { task, baseRev: task.rev, events: [], release: true });
  }

  /** Tasks that give their resources back in this batch: a dispatch in the same batch may count them free. */
  releasedTaskIds(): number[] {
    return [...this.tasks.values()].filter((p) => p.release).map((p) => p.task.id);
  }

  /** Whether `task` gives resources back in this batch (it may not take them again in the same write). */
  releases(task: TaskRow): boolean {
    return this.tasks.get(task.id)?.release === true;
  }

  /** The rev the task will have once this batch commits: the fencing token of an attempt claimed now. */
  tokenFor(task: TaskRow): number {
    return (this.tasks.get(task.id)?.baseRev ?? task.rev) + 1;
  }

  run(write: RunWrite): void {
    this.runs.push(write);
  }

  /** An event that goes with no state change (a deadline passed). */
  event(e: EventInput): void {
    this.extraEvents.push(e);
  }

  get empty(): boolean {
    return this.tasks.size === 0 && this.runs.length === 0 && this.extraEvents.length === 0;
  }

  build(): { batch: Batch; pending: Pending[] } {
    const pending = [...this.tasks.values()];
    const tasks: TaskWrite[] = pending.map((p) => ({
      row: { ...p.task, rev: p.baseRev },
      events: p.events,
      attemptInsert: p.attemptInsert,
      attemptUpdate: p.attemptUpdate,
      acquire: p.acquire,
      release: p.release,
    }));
    return { batch: { tasks, runs: this.runs, events: this.extraEvents }, pending };
  }
}
