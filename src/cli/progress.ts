/**
 * Live progress of a run: on a terminal, one redrawn line (counts per state, a bar, the running jobs);
 * elsewhere, one line per task that ends, so logs of CI jobs stay readable.
 */
import type { RunRow, TaskRow } from '../engine/store.js';
import { isTaskEnded } from '../engine/store.js';

const BAR = 24;

export class Progress {
  private lastDraw = 0;
  private readonly reported = new Map<number, string>();
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream, private readonly enabled: boolean) {}

  /** Tasks that had ended before this process drove the run (resume, restart): not reported again. */
  alreadyEnded(tasks: Iterable<TaskRow>): void {
    for (const t of tasks) if (isTaskEnded(t.state)) this.reported.set(t.id, t.state);
  }

  update(run: RunRow, tasks: ReadonlyMap<string, TaskRow>, force = false): void {
    if (!this.enabled) return;
    if (!this.out.isTTY) {
      for (const t of tasks.values()) {
        if (isTaskEnded(t.state) && this.reported.get(t.id) !== t.state) {
          this.reported.set(t.id, t.state);
          const took = t.startedAt && t.endedAt ? ` in ${((t.endedAt - t.startedAt) / 1000).toFixed(1)}s` : '';
          this.out.write(`run ${run.id}: ${t.job} ${t.state}${t.reason ? ` (${t.reason})` : ''}${took}\n`);
        }
      }
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const counts = new Map<string, number>();
    const running: string[] = [];
    for (const t of tasks.values()) {
      counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
      if (t.state === 'running') running.push(t.job);
    }
    const ended = [...tasks.values()].filter((t) => isTaskEnded(t.state)).length;
    const filled = tasks.size ? Math.round((ended / tasks.size) * BAR) : BAR;
    const parts = ['succeeded', 'failed', 'skipped', 'aborted', 'running', 'ready', 'waiting']
      .filter((s) => counts.get(s))
      .map((s) => `${s} ${counts.get(s)}`);
    const names = running.slice(0, 4).join(', ') + (running.length > 4 ? ` +${running.length - 4}` : '');
    const line = `run ${run.id} ${run.flow} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${ended}/${tasks.size}  ${parts.join('  ')}${names ? `  > ${names}` : ''}`;
    const width = this.out.columns ?? 120;
    this.out.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
