/**
 * A step planned before it is written: the VM's transition (pure) and the values of the rows it writes,
 * shared by the general path (step-tx.ts) and the one-statement path (fused.ts).
 */
import type { Effect, Event } from '../lang/vm/effects.js';
import type { RunState } from '../lang/vm/state.js';
import { step, VmProtocolError } from '../lang/vm/step.js';
import type { StepResult } from '../lang/vm/transition.js';
import type { LiveRun } from './live.js';

function wakeTime(effect: Effect | undefined, now: number): number | null {
  const at = (seconds: number | null): number | null => (seconds === null ? null : now + Math.round(seconds * 1000));
  switch (effect?.kind) {
    case 'sleep': return at(effect.seconds);
    case 'wait_for_lock': return at(effect.wait);
    case 'wait_for_event': return at(effect.timeout);
    default: return null;
  }
}

/** The VM's step; a protocol error (a bug, never bad input) fails the run instead of the engine. */
function safeStep(run: LiveRun, event: Event | undefined): StepResult {
  try {
    return step(run.program, run.state, event);
  } catch (err) {
    if (!(err instanceof VmProtocolError)) throw err;
    return step(run.program, { ...run.state, status: 'running', pending: null }, { kind: 'interrupt', error: { msg: `internal: ${err.message}`, class: 'fatal' } });
  }
}

/** The run as it is after a step (or `taken` steps, the last one `wrote`) was written. */
export function stepped(run: LiveRun, wrote: { state: RunState; stepNo: number; wakeAt: number | null }, taken = 1): void {
  run.state = wrote.state;
  run.rev += taken;
  run.step = wrote.stepNo + 1;
  run.waitStep = wrote.state.status === 'waiting' ? wrote.stepNo : null;
  run.wakeAt = wrote.wakeAt;
}

/** What one step writes, computed before anything is written. */
export interface PlannedStep {
  event: Event | undefined;
  next: RunState;
  effect: Effect | undefined;
  stepNo: number;
  pc: number;
  op: string;
  waiting: boolean;
  ended: boolean;
  wakeAt: number | null;
}

export function planStep(run: LiveRun, event: Event | undefined, now: number): PlannedStep {
  const result = safeStep(run, event);
  const next = result.state;
  const waiting = next.status === 'waiting';
  return {
    event, next, effect: result.effect, stepNo: run.step, pc: run.state.pc, op: run.program.steps[run.state.pc]?.op ?? '?', waiting,
    ended: next.status === 'done' || next.status === 'error', wakeAt: waiting ? wakeTime(result.effect, now) : null,
  };
}

/** status, state, step, wait_step, wake_at, updated_at, output, error, ended_at; with `revs`: status ... wake_at, revs, updated_at ... */
export function runValues(p: PlannedStep, now: number, revs?: number): Array<string | number | null> {
  const n = p.next;
  const head = [n.status, JSON.stringify(n), p.stepNo + 1, p.waiting ? p.stepNo : null, p.wakeAt];
  return [...head, ...(revs === undefined ? [] : [revs]), now, n.output ? JSON.stringify(n.output) : null,
    n.error ? JSON.stringify(n.error) : null, p.ended ? now : null];
}

/** step, at, pc, op, event, effect, status. */
export function stepValues(p: PlannedStep, now: number): Array<string | number | null> {
  return [p.stepNo, now, p.pc, p.op, p.event ? JSON.stringify(p.event) : null, p.effect ? JSON.stringify(p.effect) : null, p.next.status];
}
