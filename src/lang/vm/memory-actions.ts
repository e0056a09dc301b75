import type { JsonObject } from '../json.js';
import type { ActionDef } from '../program.js';
import type { Event, ReportedError } from './effects.js';
import type { ErrorClass } from './errors.js';
import type { MemoryClock } from './memory-clock.js';

/**
 * In-process actions for the in-memory driver, with what a real driver does around a worker: a timeout
 * per attempt (the action's config timeout), and `soft` errors retried after the retry interval until the
 * tries are used up. The VM only ever sees the final outcome.
 */
export type ActionImpl = (input: JsonObject, ctx: ActionContext) => Promise<JsonObject>;

export interface ActionContext {
  runId: string;
  attempt: number;
  /** Waits on the fake clock (lets tests exercise action timeouts). */
  sleep(seconds: number): Promise<void>;
}

/** Throw this from an action to choose the error class (`soft` errors are retried per the action's retry). */
export class ActionError extends Error {
  constructor(message: string, readonly errorClass: ErrorClass = 'normal') {
    super(message);
    this.name = 'ActionError';
  }
}

export interface ActionHost {
  clock: MemoryClock;
  impls?: Readonly<Record<string, ActionImpl>>;
  actions?: ReadonlyMap<string, ActionDef>;
  answer(rec: ActionRun, seq: number, event: Event): void;
  /** Counts work in flight that is not waiting on the clock (the driver must not move time meanwhile). */
  busy(delta: number): void;
}

/** The part of a run record an action call needs. */
export interface ActionRun {
  id: string;
  cancel: (() => void) | null;
}

/** Runs attempt `attempt` of the action the run's effect number `seq` asked for. */
export function callAction(host: ActionHost, rec: ActionRun, seq: number, action: string, input: JsonObject, attempt: number): void {
  const impl = host.impls?.[action];
  if (!impl) {
    host.answer(rec, seq, { kind: 'action_failed', error: { msg: `no implementation of action ${action}`, class: 'normal' } });
    return;
  }
  const def = host.actions?.get(action);
  let settled = false;
  const limit = def?.config.timeout ?? null;
  const timer = limit === null ? undefined : host.clock.after(limit, () => {
    settled = true;
    host.answer(rec, seq, { kind: 'action_failed', error: { msg: `action ${action} timed out after ${limit} s`, class: 'timeout' } });
  });
  rec.cancel = () => {
    settled = true;
    host.clock.cancel(timer);
  };
  const ctx: ActionContext = {
    runId: rec.id, attempt,
    sleep: (seconds) => new Promise<void>((resolve) => {
      host.busy(-1);
      host.clock.after(seconds, () => {
        host.busy(1);
        resolve();
      });
    }),
  };
  host.busy(1);
  const finish = (event: Event | 'retry'): void => {
    host.busy(-1);
    if (settled) return;
    settled = true;
    host.clock.cancel(timer);
    if (event !== 'retry') {
      host.answer(rec, seq, event);
      return;
    }
    const retry = host.clock.after(def?.config.retry.interval ?? 0, () => callAction(host, rec, seq, action, input, attempt + 1));
    rec.cancel = () => host.clock.cancel(retry);
  };
  Promise.resolve().then(() => impl(input, ctx)).then(
    (output) => finish({ kind: 'action_done', output }),
    (err: unknown) => {
      const error: ReportedError = err instanceof ActionError ? { msg: err.message, class: err.errorClass }
        : { msg: err instanceof Error ? err.message : String(err), class: 'normal' };
      finish(error.class === 'soft' && attempt < (def?.config.retry.tries ?? 1) ? 'retry' : { kind: 'action_failed', error });
    },
  );
}
