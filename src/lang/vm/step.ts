import type { CompiledWorkflow } from '../program.js';
import { Budget, DEFAULT_LIMITS, type ExprLimits } from '../expr/values.js';
import { ANSWERS, type Event } from './effects.js';
import { fromReported, runError } from './errors.js';
import { execute } from './exec.js';
import { resume } from './resume.js';
import type { RunState } from './state.js';
import { raise, type StepResult } from './transition.js';

/**
 * The VM's one entry point: a pure function from (program, state, event?) to the next state and maybe an
 * effect. A running run takes its next step (no event); a waiting run needs the event that answers its
 * pending effect; `interrupt` is accepted at any time. Each call is one transition, to be persisted by the
 * driver with its event in one transaction.
 */
export class VmProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VmProtocolError';
  }
}

export interface StepOptions {
  /** Expression limits per step (defaults: DEFAULT_LIMITS). */
  limits?: ExprLimits;
}

export function step(program: CompiledWorkflow, state: RunState, event?: Event, opts: StepOptions = {}): StepResult {
  if (state.workflow !== program.name) throw new VmProtocolError(`state of ${state.workflow} given with program ${program.name}`);
  if (state.status === 'done' || state.status === 'error') {
    if (event) throw new VmProtocolError(`run has ended (${state.status}); event ${event.kind} is not expected`);
    return { state };
  }
  const budget = new Budget(opts.limits ?? DEFAULT_LIMITS);
  if (event?.kind === 'interrupt') return raise(program, { ...state, pending: null }, fromReported(event.error));
  if (state.status === 'waiting') {
    const pending = state.pending;
    if (!pending) throw new VmProtocolError('run is waiting without a pending effect');
    if (!event) throw new VmProtocolError(`run waits for ${pending.effect.kind}; give the event that answers it`);
    const kind = pending.effect.kind;
    const allowed = kind === 'done' || kind === 'failed' ? [] : ANSWERS[kind];
    if (event.kind !== 'failed' && !allowed.includes(event.kind)) {
      throw new VmProtocolError(`event ${event.kind} does not answer ${kind} (expected ${allowed.join(' or ')})`);
    }
    return resume(program, state, event, budget);
  }
  if (event) throw new VmProtocolError(`run is not waiting; event ${event.kind} is not expected`);
  if (state.steps >= program.config.max_steps) {
    return raise(program, state, runError(`max_steps of ${program.config.max_steps} exceeded`, 'fatal'));
  }
  return execute(program, state, budget);
}
