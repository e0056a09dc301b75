import type { Scope } from '../expr/interp.js';
import { Budget, ExprError } from '../expr/values.js';
import type { Json, JsonObject } from '../json.js';
import type { CAssign, CompiledWorkflow, Params, Step } from '../program.js';
import { runMap } from './assign.js';
import type { Event } from './effects.js';
import { childError, fromReported, runError } from './errors.js';
import { CallProblem } from './exec.js';
import type { RunState } from './state.js';
import { advance, baseScope, raise, type StepResult } from './transition.js';
import { checkParams } from './validate.js';

/**
 * Applies the driver's answer to the effect a run waits for: outputs are validated against the callee's
 * out: and mapped with into:/collect:, failures are raised at the waiting step (so try/catch around it
 * applies), and the run moves on.
 */
export function resume(program: CompiledWorkflow, state: RunState, event: Event, budget: Budget): StepResult {
  const step = program.steps[state.pc];
  if (!step) return raise(program, state, runError(`no step ${state.pc} in ${program.name}`, 'fatal'));
  try {
    return apply(program, state, step, event, budget);
  } catch (err) {
    if (err instanceof ExprError) return raise(program, state, runError(err.message, err.errorClass));
    if (err instanceof CallProblem) return raise(program, state, err.error);
    throw err;
  }
}

function next(step: Step): number {
  return 'next' in step ? step.next : -1;
}

/** Checks a callee's outputs and runs the output map with them as o. */
function mapOutputs(program: CompiledWorkflow, name: string, output: JsonObject, items: readonly CAssign[], scope: Scope, budget: Budget): Scope {
  const out: Params | undefined = program.callees[name]?.out;
  const problem = out ? checkParams(out, output) : null;
  if (problem) throw new CallProblem(runError(`invalid output from ${name}: ${problem}`));
  return runMap(items, { ...scope, o: output }, budget);
}

function apply(program: CompiledWorkflow, state: RunState, step: Step, event: Event, budget: Budget): StepResult {
  const scope = baseScope(state);
  switch (event.kind) {
    case 'action_done':
    case 'child_done': {
      if (step.op !== 'call') break;
      return advance(state, step.next, mapOutputs(program, step.callee, event.output, step.into, scope, budget).v);
    }
    case 'action_failed':
    case 'failed':
      return raise(program, state, fromReported(event.error, state.pending?.effect.kind.includes('lock') ? 'lock' : 'normal'));
    case 'child_failed': {
      const name = step.op === 'call' || step.op === 'detach' ? step.callee : program.name;
      return raise(program, state, childError(name, fromReported(event.error)));
    }
    case 'children_done':
      return childrenDone(program, state, step, event.results, budget);
    case 'lock_failed':
      return raise(program, state, fromReported(event.error, 'lock'));
    case 'child_started':
    case 'woken':
    case 'lock_acquired':
    case 'ack':
      return advance(state, next(step));
    case 'event_received':
    case 'event_timeout': {
      if (step.op !== 'event') break;
      const received: Json = event.kind === 'event_received' ? event.event : { name: 'timeout' };
      return advance(state, step.next, runMap(step.into, { ...scope, o: { event: received } }, budget).v);
    }
    case 'interrupt':
      return raise(program, state, fromReported(event.error));
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
  return raise(program, state, runError(`event ${event.kind} does not fit step ${step.op}`, 'fatal'));
}

function childrenDone(program: CompiledWorkflow, state: RunState, step: Step, results: Extract<Event, { kind: 'children_done' }>['results'],
  budget: Budget): StepResult {
  if (step.op !== 'split' && step.op !== 'map') return raise(program, state, runError(`children_done does not fit step ${step.op}`, 'fatal'));
  const count = step.op === 'split' ? step.flows.length : state.pending?.elements?.length ?? 0;
  if (results.length !== count) return raise(program, state, runError(`expected ${count} child results, got ${results.length}`, 'fatal'));
  const failedAt = results.findIndex((r) => 'error' in r);
  if (failedAt >= 0) {
    const r = results[failedAt] as { error: Parameters<typeof fromReported>[0] };
    const name = step.op === 'split' ? (step.flows[failedAt]?.callee ?? '') : step.callee;
    return raise(program, state, childError(name, fromReported(r.error)));
  }
  let scope = baseScope(state);
  results.forEach((r, k) => {
    const output = (r as { output: JsonObject }).output;
    if (step.op === 'split') {
      const flow = step.flows[k] as (typeof step.flows)[number];
      scope = mapOutputs(program, flow.callee, output, flow.into, { ...scope, t: {} }, budget);
    } else {
      const e = { ...state.e, _i: k, _v: state.pending?.elements?.[k] ?? null };
      scope = { ...mapOutputs(program, step.callee, output, step.collect, { ...scope, e, t: {} }, budget), e: state.e };
    }
  });
  return advance(state, step.next, scope.v);
}
