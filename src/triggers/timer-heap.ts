/**
 * A binary min-heap of due times with one clock timer for its earliest entry: the scheduler wakes exactly
 * when the next fire is due, whether it holds ten plans or ten thousand (no per-minute polling).
 */
import type { Clock, TimerHandle } from '../engine/ports.js';

export interface Due<T> {
  at: number;
  item: T;
}

export class TimerHeap<T> {
  private readonly heap: Array<Due<T>> = [];
  private timer: { at: number; handle: TimerHandle } | null = null;

  constructor(private readonly clock: Clock, private readonly onDue: (due: Array<Due<T>>) => void) {}

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    this.heap.push({ at, item });
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heap[parent]!.at <= this.heap[i]!.at) break;
      [this.heap[parent], this.heap[i]] = [this.heap[i]!, this.heap[parent]!];
      i = parent;
    }
    this.arm();
  }

  private pop(): Due<T> | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.heap[l]!.at < this.heap[m]!.at) m = l;
        if (r < this.heap.length && this.heap[r]!.at < this.heap[m]!.at) m = r;
        if (m === i) break;
        [this.heap[m], this.heap[i]] = [this.heap[i]!, this.heap[m]!];
        i = m;
      }
    }
    return top;
  }

  private arm(): void {
    const next = this.heap[0]?.at;
    if (this.timer && this.timer.at === next) return;
    if (this.timer) this.clock.clearTimer(this.timer.handle);
    this.timer = null;
    if (next === undefined) return;
    const handle = this.clock.setTimer(Math.max(0, next - this.clock.now()), () => {
      this.timer = null;
      const now = this.clock.now();
      const due: Array<Due<T>> = [];
      while (this.heap.length > 0 && this.heap[0]!.at <= now) due.push(this.pop()!);
      this.arm();
      if (due.length) this.onDue(due);
    });
    this.timer = { at: next, handle };
  }

  clear(): void {
    if (this.timer) this.clock.clearTimer(this.timer.handle);
    this.timer = null;
    this.heap.length = 0;
  }
}
