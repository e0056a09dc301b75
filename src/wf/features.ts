/**
 * What a compiled workflow can do at all, from its steps: a run of a program without lock steps never has
 * rows in the lock tables, one without event steps never has subscriptions or queued events, one that
 * starts no child workflow has no children. Ending such a run skips the statements that would find
 * nothing (each is a round trip on PostgreSQL).
 */
import type { CompiledWorkflow } from '../lang/program.js';

export interface ProgramFeatures {
  locks: boolean;
  events: boolean;
  children: boolean;
}

const cache = new WeakMap<CompiledWorkflow, ProgramFeatures>();

export function featuresOf(program: CompiledWorkflow): ProgramFeatures {
  let f = cache.get(program);
  if (f) return f;
  f = { locks: false, events: false, children: false };
  for (const step of program.steps) {
    if (step.op === 'lock') f.locks = true;
    else if (step.op === 'event') f.events = true;
    else if (step.op === 'split' || step.op === 'map' || step.op === 'detach') f.children = true;
    else if (step.op === 'call' && program.callees[step.callee]?.kind !== 'action') f.children = true;
  }
  cache.set(program, f);
  return f;
}
