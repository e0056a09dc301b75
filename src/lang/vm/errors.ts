import type { JsonObject } from '../json.js';
import type { ReportedError } from './effects.js';

/**
 * Run errors, as `e._error` sees them inside `catch`: `{msg, class, ...}`. Classes (LANGUAGE.md):
 *   normal      the default
 *   soft        an action error the driver retried per the action's retry policy before raising it
 *   fatal       limits exceeded, cancelled: never caught by try
 *   childerror  a child run failed; its error is in `child`
 *   abort       the pending task or the run was aborted from outside
 *   timeout     an action, a lock wait or an event wait took too long
 *   lock        a lock could not be had (not waiting, not held, or a deadlock)
 */
export const ERROR_CLASSES = ['normal', 'soft', 'fatal', 'childerror', 'abort', 'timeout', 'lock'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export type RunError = JsonObject & { msg: string; class: ErrorClass };

export function isErrorClass(c: unknown): c is ErrorClass {
  return typeof c === 'string' && (ERROR_CLASSES as readonly string[]).includes(c);
}

export function runError(msg: string, cls: ErrorClass = 'normal', extra: JsonObject = {}): RunError {
  return { ...extra, msg, class: cls };
}

/** Normalises an error reported by a worker or driver: a string msg and a known class (else normal). */
export function fromReported(e: ReportedError | undefined, fallback: ErrorClass = 'normal'): RunError {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(e ?? {})) if (v !== undefined) out[k] = v;
  const msg = typeof e?.msg === 'string' ? e.msg : 'unknown error';
  return { ...out, msg, class: isErrorClass(e?.class) ? e.class : fallback };
}

/** The error a parent sees when a child run fails. */
export function childError(workflow: string, child: RunError): RunError {
  return runError(`child workflow ${workflow} failed: ${child.msg}`, 'childerror', { workflow, child });
}
