import type { Scope } from '../expr/interp.js';
import type { JsonObject } from '../json.js';
import type { CompiledWorkflow, Step } from '../program.js';
import type { Effect } from './effects.js';
import type { RunError } from './errors.js';
import type { Pending, RunState } from './state.js';

/** The small vocabulary every step is written in: move on, wait for the world, fail, finish. */
export interface StepResult {
  state: RunState;
  /** Set when the run now waits for the driver (or has just finished: `done` / `failed`). */
  effect?: Effect;
}

/** The namespaces every expression of a step starts from; t. is empty at the start of every map. */
export function baseScope(state: RunState): Scope {
  return { a: state.a, v: state.v, e: state.e, t: {} };
}

export function advance(state: RunState, pc: number, v: JsonObject = state.v): StepResult {
  return { state: { ...state, pc, v, t: {}, status: 'running', pending: null, steps: state.steps + 1 } };
}

export function wait(state: RunState, effect: Effect, extra: Omit<Pending, 'effect'> = {}): StepResult {
  return { state: { ...state, status: 'waiting', pending: { effect, ...extra }, steps: state.steps + 1 }, effect };
}

export function where(program: CompiledWorkflow, step: Step | undefined): string {
  return step ? `${program.file}:${step.at[0]}:${step.at[1]}` : program.file;
}

/**
 * Raises an error at the current step: the innermost try range around it catches it (unless the error
 * is fatal) and the run continues at the handler with e._error set; otherwise the run ends in error.
 */
export function raise(program: CompiledWorkflow, state: RunState, error: RunError): StepResult {
  const at = where(program, program.steps[state.pc]);
  const err: RunError = error.at === undefined ? { ...error, at } : error;
  if (err.class !== 'fatal') {
    const range = program.tries.find((r) => state.pc >= r.from && state.pc < r.to);
    if (range) {
      return {
        state: {
          ...state, pc: range.handler, t: {}, status: 'running', pending: null, steps: state.steps + 1,
          e: { ...state.e, _error: err },
        },
      };
    }
  }
  const failed: RunState = { ...state, t: {}, status: 'error', pending: null, error: err, steps: state.steps + 1 };
  return { state: failed, effect: { kind: 'failed', error: err } };
}

export function finish(state: RunState, output: JsonObject): StepResult {
  return { state: { ...state, t: {}, status: 'done', pending: null, output, steps: state.steps + 1 }, effect: { kind: 'done', output } };
}
