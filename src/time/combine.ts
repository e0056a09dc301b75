/**
 * Plans made of plans.
 *
 * - union: every fire of every member, in time order; members firing at the same instant fire once, with
 *   the business date of the member listed first.
 * - intersection by day (the default): the fires of the first member whose business date is a business
 *   date of every other member ("at 18:30 on working days, but only on days the ultimo plan fires").
 * - intersection by instant: the fires of the first member at instants where every other member fires too.
 */
import { HORIZON_MS, type Fire, type FireSource } from './fire.js';
import type { ExecutionPlan } from './plan.js';

export class UnionSource implements FireSource {
  readonly zone: string;

  constructor(private readonly members: readonly ExecutionPlan[]) {
    if (members.length === 0) throw new RangeError('a union needs at least one plan');
    this.zone = members[0]!.zone;
  }

  next(afterMs: number): Fire | undefined {
    let best: Fire | undefined;
    for (const m of this.members) {
      const f = m.next(afterMs);
      if (f && (!best || f.at < best.at)) best = f;
    }
    return best;
  }

  fireRange(date: string): [number, number] | undefined {
    let range: [number, number] | undefined;
    for (const m of this.members) {
      const r = m.fireRange(date);
      if (r) range = range ? [Math.min(range[0], r[0]), Math.max(range[1], r[1])] : r;
    }
    return range;
  }

  restrict(pred: (businessDate: string) => boolean): FireSource {
    return new UnionSource(this.members.map((m) => m.onlyBusinessDates(pred)));
  }
}

export class InstantIntersectSource implements FireSource {
  readonly zone: string;

  constructor(private readonly first: ExecutionPlan, private readonly others: readonly ExecutionPlan[]) {
    this.zone = first.zone;
  }

  /** Leapfrog: each member jumps to the latest next fire of the others until all agree. */
  next(afterMs: number): Fire | undefined {
    const limit = afterMs + HORIZON_MS;
    let f = this.first.next(afterMs);
    while (f && f.at <= limit) {
      let target = f.at;
      for (const o of this.others) {
        const g = o.next(f.at - 1);
        if (!g) return undefined;
        target = Math.max(target, g.at);
      }
      if (target === f.at) return f;
      f = this.first.next(target - 1);
    }
    return undefined;
  }

  fireRange(date: string): [number, number] | undefined {
    return this.first.fireRange(date);
  }

  restrict(pred: (businessDate: string) => boolean): FireSource {
    return new InstantIntersectSource(this.first.onlyBusinessDates(pred), this.others);
  }
}
