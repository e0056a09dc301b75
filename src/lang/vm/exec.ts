import { parseSeconds } from '../duration.js';
import { evaluate, evaluateCondition, type Scope } from '../expr/interp.js';
import { Budget, ExprError, stringify } from '../expr/values.js';
import { isObject, type Json, type JsonObject } from '../json.js';
import type { CAssign, CalleeSpec, CompiledWorkflow, Step } from '../program.js';
import { runMap } from './assign.js';
import { isErrorClass, runError, type RunError } from './errors.js';
import type { RunState } from './state.js';
import { advance, baseScope, finish, raise, wait, type StepResult } from './transition.js';
import { applyDefaults, checkParams } from './validate.js';

/**
 * Executes the step at `pc` of a running run. Pure: the same program, state and step give the same
 * result. Expression errors become run errors of class normal (fatal for exceeded limits).
 */
export function execute(program: CompiledWorkflow, state: RunState, budget: Budget): StepResult {
  const step = program.steps[state.pc];
  if (!step) return raise(program, state, runError(`no step ${state.pc} in ${program.name}`, 'fatal'));
  try {
    return executeStep(program, state, step, budget);
  } catch (err) {
    if (err instanceof ExprError) return raise(program, state, runError(err.message, err.errorClass));
    if (err instanceof CallProblem) return raise(program, state, err.error);
    throw err;
  }
}

/** Thrown inside a step to raise a run error from deep in a helper. */
export class CallProblem extends Error {
  constructor(readonly error: RunError) {
    super(error.msg);
  }
}

function calleeOf(program: CompiledWorkflow, name: string): CalleeSpec {
  const spec = Object.hasOwn(program.callees, name) ? program.callees[name] : undefined;
  if (!spec) throw new CallProblem(runError(`${name} is not known to ${program.name}`, 'fatal'));
  return spec;
}

/** Evaluates an input map and checks it against the callee's in: (after defaults). */
export function buildInput(name: string, spec: CalleeSpec, items: readonly CAssign[], scope: Scope, budget: Budget): JsonObject {
  const input = applyDefaults(spec.in, runMap(items, { ...scope, i: {} }, budget).i ?? {});
  const problem = checkParams(spec.in, input);
  if (problem) throw new CallProblem(runError(`invalid input for ${name}: ${problem}`));
  return input;
}

function settings(items: readonly CAssign[], scope: Scope, budget: Budget): JsonObject {
  return runMap(items, { ...scope, i: {} }, budget).i ?? {};
}

function seconds(value: Json | undefined, what: string): number {
  const s = parseSeconds(value);
  if (s === undefined) throw new CallProblem(runError(`${what} must be a number of seconds or a duration such as '10s', got ${stringify(value ?? null)}`));
  return s;
}

function childDepth(program: CompiledWorkflow, state: RunState): number {
  if (state.depth + 1 > program.config.max_depth) {
    throw new CallProblem(runError(`max_depth of ${program.config.max_depth} exceeded`, 'fatal'));
  }
  return state.depth + 1;
}

function executeStep(program: CompiledWorkflow, state: RunState, step: Step, budget: Budget): StepResult {
  const scope = baseScope(state);
  switch (step.op) {
    case 'assign':
      return advance(state, step.next, runMap(step.items, scope, budget).v);
    case 'branch':
      return advance(state, evaluateCondition(step.cond, scope, budget) ? step.then : step.else);
    case 'switch': {
      const subject = stringify(evaluate(step.subject, scope, budget));
      const hit = step.cases.find((c) => c.labels.includes(subject));
      return advance(state, hit ? hit.target : step.default);
    }
    case 'jump':
      return advance(state, step.target);
    case 'call': {
      const spec = calleeOf(program, step.callee);
      const input = buildInput(step.callee, spec, step.input, scope, budget);
      if (spec.kind === 'action') return wait(state, { kind: 'call_action', action: step.callee, input });
      return wait(state, { kind: 'start_child', workflow: step.callee, input, wait: true, depth: childDepth(program, state) });
    }
    case 'split': {
      const children = step.flows.map((f) => ({ workflow: f.callee, input: buildInput(f.callee, calleeOf(program, f.callee), f.input, scope, budget) }));
      return wait(state, { kind: 'start_children', children, depth: childDepth(program, state) });
    }
    case 'map': {
      const elements = evaluate(step.using, scope, budget);
      if (!Array.isArray(elements)) throw new CallProblem(runError(`map ${step.callee} using: needs an array, got ${elements === null ? 'null' : typeof elements}`));
      if (elements.length === 0) return advance(state, step.next);
      const spec = calleeOf(program, step.callee);
      const children = elements.map((el, k) => ({
        workflow: step.callee,
        input: buildInput(step.callee, spec, step.input, { ...scope, e: { ...state.e, _i: k, _v: el } }, budget),
      }));
      return wait(state, { kind: 'start_children', children, depth: childDepth(program, state) }, { elements });
    }
    case 'detach': {
      const input = buildInput(step.callee, calleeOf(program, step.callee), step.input, scope, budget);
      return wait(state, { kind: 'start_child', workflow: step.callee, input, wait: false, depth: childDepth(program, state) });
    }
    case 'raise':
      return raise(program, state, toRunError(evaluate(step.value, scope, budget)));
    case 'assert':
      if (evaluateCondition(step.cond, scope, budget)) return advance(state, step.next);
      return raise(program, state, toRunError(evaluate(step.message, scope, budget)));
    case 'lock': {
      const s = settings(step.settings, scope, budget);
      const value = stringify(s.value ?? null);
      if (step.mode === 'unlock') return wait(state, { kind: 'unlock', type: step.lockType, value });
      if (step.mode === 'lock') return wait(state, { kind: 'lock', type: step.lockType, value, inherit: step.inherit });
      const w = s.wait ?? 'yes';
      const limit = w === 'yes' ? null : w === 'no' ? 0 : seconds(w, "wait_for_lock's wait");
      return wait(state, { kind: 'wait_for_lock', type: step.lockType, value, inherit: step.inherit, wait: limit });
    }
    case 'sleep':
      return wait(state, { kind: 'sleep', seconds: seconds(settings(step.settings, scope, budget).timeout, 'sleep') });
    case 'event':
      return wait(state, eventEffect(step.action, settings(step.settings, scope, budget)));
    case 'end': {
      const out = runMap(program.wfomap, { ...scope, o: {} }, budget).o ?? {};
      const problem = checkParams(program.out, out);
      if (problem) return raise(program, state, runError(`invalid output of ${program.name}: ${problem}`));
      return finish(state, out);
    }
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

function eventEffect(action: Extract<Step, { op: 'event' }>['action'], s: JsonObject): Parameters<typeof wait>[1] {
  const str = (v: Json | undefined, what: string): string => {
    if (typeof v !== 'string') throw new CallProblem(runError(`${action}: ${what} must be a string`));
    return v;
  };
  const obj = (v: Json | undefined, what: string): JsonObject => {
    if (!isObject(v)) throw new CallProblem(runError(`${action}: ${what} must be an object`));
    return v;
  };
  switch (action) {
    case 'subscribe': return { kind: 'subscribe', name: str(s.name, 'name'), mask: obj(s.mask, 'mask') };
    case 'unsubscribe': return { kind: 'unsubscribe', name: str(s.name, 'name') };
    case 'raise_event': return { kind: 'raise_event', event: obj(s.event, 'event') };
    case 'wait_for_event': {
      const events = s.events;
      if (!Array.isArray(events) || !events.every((x): x is string => typeof x === 'string')) {
        throw new CallProblem(runError('wait_for_event: events must be an array of subscription names'));
      }
      return { kind: 'wait_for_event', events, timeout: s.timeout === undefined || s.timeout === null ? null : seconds(s.timeout, 'timeout') };
    }
    default: {
      const never: never = action;
      return never;
    }
  }
}

/** `raise_error 'text'` or `raise_error object(msg: ..., class: ...)`. */
function toRunError(value: Json | undefined): RunError {
  if (isObject(value)) {
    const cls = isErrorClass(value.class) ? value.class : 'normal';
    return { ...value, msg: stringify(value.msg ?? null), class: cls };
  }
  return runError(stringify(value ?? null));
}
