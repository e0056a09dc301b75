/**
 * Cron expressions, matched against wall-clock readings.
 *
 * Dependency: croner, a maintained, dependency-free cron evaluator that reads 5-field (minute) and 6-field
 * (second) expressions with the usual extensions (names, L, W, #, nicknames such as @daily), and whose
 * error messages say what is wrong ("Invalid value for minute: 61"). We use it only to match patterns on
 * floating wall-clock readings (UTC offset 0, so it never sees a DST change): turning a reading into an
 * instant is zone.ts's job, so one DST rule holds for every kind of plan (croner's own rule differs for
 * interval patterns, see docs/time.md).
 */
import { Cron } from 'croner';

function evaluator(expr: string): Cron {
  // No callback: croner only evaluates; `utcOffset: 0` reads and returns floating wall-clock times.
  // Day of month and day of week combine with OR (classic cron) unless the weekday field starts with "+".
  return new Cron(expr.trim(), { utcOffset: 0, mode: '5-or-6-parts' });
}

/** Croner's message for an expression it refuses, or undefined when it is valid. */
export function cronError(expr: string): string | undefined {
  try {
    evaluator(expr);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
}

/** A cron expression as a function from a floating reading to the next matching one. */
export class CronMatcher {
  private readonly cron: Cron;

  constructor(readonly expr: string) {
    this.cron = evaluator(expr);
  }

  /** The first matching reading strictly after `floatingMs` (whole seconds), or undefined if there is none. */
  nextAfter(floatingMs: number): number | undefined {
    return this.cron.nextRun(new Date(floatingMs))?.getTime() ?? undefined;
  }
}
