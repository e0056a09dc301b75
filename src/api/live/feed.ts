/**
 * The live feed: new rows of the events table, read by id. Reading the table (rather than listening to this
 * process's engine only) sees the runs that other servers on the same PostgreSQL drive. The local engine's
 * commits wake the feed at once; otherwise it polls every `pollMs` while anyone listens.
 *
 * On PostgreSQL ids come from a sequence, and a transaction may commit after one that took a higher id: an id
 * skipped over is remembered as a gap and looked for again for `gapMs` (a rolled-back transaction leaves a gap
 * that is never filled). SQLite writes one transaction at a time, so ids there arrive in order.
 */
import type { SqlPort } from '../../store/port.js';
import { toEventRow } from '../../store/rows.js';
import type { FeedEvent } from './changes.js';

export interface FeedOptions {
  db: SqlPort;
  pollMs: number;
  onEvents: (events: FeedEvent[]) => void;
  onError: (err: Error) => void;
  gapMs?: number;
  batch?: number;
}

const SELECT = 'SELECT e.*, r.flow AS run_flow FROM events e LEFT JOIN runs r ON r.id = e.run_id';
const MAX_GAPS = 10_000;

export class EventFeed {
  private lastId = 0;
  private active = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly gaps = new Map<number, number>();

  constructor(private readonly opts: FeedOptions) {}

  /** Starts or stops reading; a feed that starts again reads only what is new from then on. */
  async setActive(active: boolean): Promise<void> {
    if (active === this.active || this.stopped) return;
    this.active = active;
    if (!active) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    const [row] = await this.opts.db.query<{ m: number | null }>('SELECT MAX(id) AS m FROM events');
    this.lastId = Number(row?.m ?? 0);
    this.gaps.clear();
    this.schedule();
  }

  /** Reads now (coalesced with a read in progress). */
  wake(): void {
    if (!this.active || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.poll().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      } else this.schedule();
    });
  }

  private schedule(): void {
    if (!this.active || this.stopped || this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, this.opts.pollMs);
  }

  private async poll(): Promise<void> {
    try {
      const limit = this.opts.batch ?? 1000;
      const rows = await this.opts.db.query(`${SELECT} WHERE e.id > ? ORDER BY e.id LIMIT ?`, [this.lastId, limit]);
      const late = this.gaps.size > 0 ? await this.readGaps() : [];
      const events = rows.map(toFeedEvent);
      for (const e of events) {
        if (this.gaps.size < MAX_GAPS) for (let id = this.lastId + 1; id < e.id && id - this.lastId <= MAX_GAPS; id++) this.gaps.set(id, Date.now());
        this.lastId = Math.max(this.lastId, e.id);
      }
      if (late.length + events.length > 0 && this.active) this.opts.onEvents([...late, ...events]);
      if (rows.length === limit) this.again = true;
    } catch (err) {
      this.opts.onError(err as Error);
    }
  }

  private async readGaps(): Promise<FeedEvent[]> {
    const expired = Date.now() - (this.opts.gapMs ?? 30_000);
    for (const [id, since] of this.gaps) if (since < expired) this.gaps.delete(id);
    const ids = [...this.gaps.keys()].slice(0, 500);
    if (ids.length === 0) return [];
    const rows = await this.opts.db.query(`${SELECT} WHERE e.id IN (${ids.map(() => '?').join(', ')}) ORDER BY e.id`, ids);
    const found = rows.map(toFeedEvent);
    for (const e of found) this.gaps.delete(e.id);
    return found;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}

function toFeedEvent(r: Record<string, unknown>): FeedEvent {
  return { ...toEventRow(r), flow: r.run_flow === null || r.run_flow === undefined ? null : String(r.run_flow) };
}
