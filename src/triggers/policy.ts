/**
 * The policies of a schedule, as pure functions: which missed instants run after downtime (catch-up), and
 * what a fire does while a run of the flow is still going (overlap).
 */
import type { CatchupPolicy, OverlapPolicy } from '../defs/model.js';

export interface Instant {
  at: number;
  businessDate: string;
}

/**
 * Missed instants (ascending, all before `now`) that still run: `none` none, `latest` the last one, `all`
 * every one; only those within `windowMs` before now, and at most `max` (the latest ones).
 */
export function catchupInstants(policy: CatchupPolicy, missed: readonly Instant[], now: number, windowMs: number, max: number): Instant[] {
  const inWindow = missed.filter((m) => m.at >= now - windowMs && m.at <= now);
  switch (policy) {
    case 'none':
      return [];
    case 'latest':
      return inWindow.slice(-1);
    case 'all':
      return inWindow.slice(-max);
    default: {
      const never: never = policy;
      return never;
    }
  }
}

export type OverlapAction =
  | { kind: 'start' }
  | { kind: 'skip'; reason: string }
  | { kind: 'queue'; supersedeQueued: boolean }
  | { kind: 'cancel-and-start'; cancel: number[] };

/** What a fire does given the flow's unfinished runs. */
export function overlapAction(policy: OverlapPolicy, activeRuns: readonly number[]): OverlapAction {
  if (activeRuns.length === 0 || policy === 'allow') return { kind: 'start' };
  switch (policy) {
    case 'skip':
      return { kind: 'skip', reason: `run ${activeRuns.join(', ')} is still going (overlap: skip)` };
    case 'queue-one':
      return { kind: 'queue', supersedeQueued: true };
    case 'queue-all':
      return { kind: 'queue', supersedeQueued: false };
    case 'cancel-previous':
      return { kind: 'cancel-and-start', cancel: [...activeRuns] };
    default: {
      const never: never = policy;
      return never;
    }
  }
}
