/**
 * A clock whose time moves only when a test says so. `advance(ms)` fires due timers in time order,
 * letting promise callbacks settle between them, so retries and timeouts are tested without sleeping.
 */
import type { Clock, TimerHandle } from '../engine/ports.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: Timer[] = [];
  private readonly idleHooks: Array<() => Promise<void>> = [];

  constructor(start = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Jumps to `at` without firing timers (downtime: nothing ran meanwhile). */
  set(at: number): void {
    this.current = at;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /**
   * Work that must be finished before time moves on (an engine's tick over a real database takes real
   * I/O, which a few event-loop turns do not cover).
   */
  onIdle(hook: () => Promise<void>): void {
    this.idleHooks.push(hook);
  }

  private async quiesce(): Promise<void> {
    await settle();
    for (const hook of this.idleHooks) await hook();
    await settle();
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    for (;;) {
      await this.quiesce();
      // Every timer of the earliest due instant fires before anything reacts: attempts that end at the
      // same moment are seen together, as a dispatcher on a real clock would mostly see them.
      const first = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!first) break;
      const due = this.timers.filter((t) => t.at === first.at).sort((a, b) => a.id - b.id);
      this.timers = this.timers.filter((t) => t.at !== first.at);
      this.current = Math.max(this.current, first.at);
      for (const t of due) t.fn();
    }
    this.current = until;
    await this.quiesce();
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
