/**
 * A worker's failure as data (the taxonomy that crosses the wire): `{msg, class, ...details}` under the
 * `error` key of the outargs, as JobCenter's task_done carries it. Classes are the workflow language's
 * (LANGUAGE.md): `normal` by default, `soft` to be retried per the action's retry policy, and the others.
 */
import type { JsonObject } from '../lang/json.js';
import { isErrorClass, type ErrorClass } from '../lang/vm/errors.js';

export class ActionFailure extends Error {
  constructor(message: string, readonly errorClass: ErrorClass = 'normal', readonly details: JsonObject = {}) {
    super(message);
    this.name = 'ActionFailure';
  }
}

/** The outargs that report a thrown error. */
export function toOutargs(err: unknown): JsonObject {
  if (err instanceof ActionFailure) return { error: { ...err.details, msg: err.message, class: err.errorClass } };
  const cls = (err as { errorClass?: unknown } | null)?.errorClass;
  return { error: { msg: err instanceof Error ? err.message : String(err), class: isErrorClass(cls) ? cls : 'normal' } };
}
