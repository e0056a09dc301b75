/**
 * What a plan yields (a Fire) and the inside interface every kind of plan implements (a FireSource);
 * ExecutionPlan (plan.ts) wraps a source for callers.
 */

/** One instant of a plan. */
export interface Fire {
  /** Epoch milliseconds. */
  at: number;
  /** YYYY-MM-DD: the plan day moved by the plan's `businessDay` rule (see rules.ts). */
  businessDate: string;
  /** The wall-clock time of `at` in the plan's zone, ISO 8601 with its offset: 2026-03-29T03:00:00+02:00. */
  local: string;
}

export interface FireSource {
  /** The zone fires are shown in (the first member's, for unions and intersections). */
  readonly zone: string;
  /** The first fire strictly after `afterMs`, or undefined when there is none (within the search horizon). */
  next(afterMs: number): Fire | undefined;
  /** Instants [from, to] that hold every fire whose business date is `date`; undefined when none can. */
  fireRange(date: string): [number, number] | undefined;
  /** The same source, keeping only fires whose business date passes `pred`. */
  restrict(pred: (businessDate: string) => boolean): FireSource;
}

/** How far ahead a plan looks for its next fire before it decides it has none: 30 years. */
export const HORIZON_DAYS = 30 * 366;
export const HORIZON_MS = HORIZON_DAYS * 86_400_000;
