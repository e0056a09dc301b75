import { isObject, type Json, type JsonObject } from '../json.js';
import type { CompiledWorkflow } from '../program.js';
import type { Effect } from './effects.js';
import { runError, type RunError } from './errors.js';
import { applyDefaults, checkParams } from './validate.js';

/**
 * A run's whole state: plain JSON, small, and complete. A driver stores it after every step (in the
 * same transaction as the step's event) and can resume from it after a crash with nothing else but the
 * compiled program it started with.
 */
export const RUN_FORMAT = 'ordo.run/1';

export type RunStatus = 'running' | 'waiting' | 'done' | 'error';

export interface Pending {
  /** What the run waits for; the driver performs it (again, after a crash) and answers with an event. */
  effect: Effect;
  /** For `map`: the array being mapped, so collect: sees e._v without evaluating it again. */
  elements?: Json[];
}

export interface RunState {
  format: typeof RUN_FORMAT;
  workflow: string;
  status: RunStatus;
  /** Index of the current step in `program.steps`. */
  pc: number;
  /** State transitions taken so far (compared with config max_steps). */
  steps: number;
  /** Nesting of child runs: 0 for a run started from outside. */
  depth: number;
  /** Arguments (read-only), variables, scratch (empty between steps), environment. */
  a: JsonObject;
  v: JsonObject;
  t: JsonObject;
  e: JsonObject;
  pending: Pending | null;
  output: JsonObject | null;
  error: RunError | null;
}

export interface StartOptions {
  /** The run's depth (parent's depth + 1 for a child). */
  depth?: number;
}

/**
 * Creates the state of a new run: inputs get their defaults and are validated against `in:`; `e` holds
 * the workflow's env: constants, what the driver passes (job_id, ...) and `workflow`.
 */
export function startRun(program: CompiledWorkflow, input: Json, env: JsonObject = {}, opts: StartOptions = {}):
  { state: RunState } | { error: RunError } {
  if (!isObject(input)) return { error: runError(`the input of ${program.name} must be an object`) };
  const depth = opts.depth ?? 0;
  if (depth > program.config.max_depth) {
    return { error: runError(`max_depth of ${program.config.max_depth} exceeded: ${program.name} would run at depth ${depth}`, 'fatal') };
  }
  const a = applyDefaults(program.in, input);
  const problem = checkParams(program.in, a);
  if (problem) return { error: runError(`invalid input for ${program.name}: ${problem}`) };
  const e: JsonObject = { ...program.env, ...env, workflow: program.name };
  return {
    state: {
      format: RUN_FORMAT, workflow: program.name, status: 'running', pc: 0, steps: 0, depth,
      a, v: {}, t: {}, e, pending: null, output: null, error: null,
    },
  };
}
