/**
 * A fake clock for the in-memory driver: time (in seconds) moves only when the driver has nothing else to
 * do, jumping to the next timer. Timers due at the same instant fire in the order they were set.
 */
export class MemoryClock {
  private current = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.current;
  }

  after(seconds: number, fn: () => void): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + Math.max(0, seconds), fn });
    return id;
  }

  cancel(id: number | undefined): void {
    if (id !== undefined) this.timers.delete(id);
  }

  pending(): number {
    return this.timers.size;
  }

  /** Moves time to the earliest timer and fires it; false when no timer is set. */
  fireNext(): boolean {
    let bestId = -1;
    let best: { at: number; fn: () => void } | undefined;
    for (const [id, t] of this.timers) {
      if (!best || t.at < best.at || (t.at === best.at && id < bestId)) {
        best = t;
        bestId = id;
      }
    }
    if (!best) return false;
    this.timers.delete(bestId);
    this.current = Math.max(this.current, best.at);
    best.fn();
    return true;
  }
}
