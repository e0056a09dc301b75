/**
 * Collects the transitions of one engine tick into one group commit. A task touched several times in a
 * tick (it became ready and was dispatched) is written once, conditioned on the rev it had before the
 * tick, with all its events in order.
 */
import type { AttemptRow, Batch, EventInput, RunWrite, TaskRow, TaskWrite } from './store.js';

interface Pending {
  task: TaskRow;
  baseRev: number;
  events: EventInput[];
  attemptInsert?: AttemptRow;
  attemptUpdate?: AttemptRow;
}

export class BatchBuilder {
  private readonly tasks = new Map<number, Pending>();
  private readonly runs: RunWrite[] = [];

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

  /** The rev the task will have once this batch commits: the fencing token of an attempt claimed now. */
  tokenFor(task: TaskRow): number {
    return (this.tasks.get(task.id)?.baseRev ?? task.rev) + 1;
  }

  run(write: RunWrite): void {
    this.runs.push(write);
  }

  get empty(): boolean {
    return this.tasks.size === 0 && this.runs.length === 0;
  }

  build(): { batch: Batch; pending: Pending[] } {
    const pending = [...this.tasks.values()];
    const tasks: TaskWrite[] = pending.map((p) => ({
      row: { ...p.task, rev: p.baseRev },
      events: p.events,
      attemptInsert: p.attemptInsert,
      attemptUpdate: p.attemptUpdate,
    }));
    return { batch: { tasks, runs: this.runs }, pending };
  }
}
