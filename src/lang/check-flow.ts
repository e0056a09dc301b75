import type { SpannedAssign, SpannedStep, TryRange } from './program.js';

/**
 * Control-flow facts over the lowered steps: successors (including the edge from every step of a try
 * range to its handler), which steps any path reaches, and which v. variables may have been assigned
 * when a step starts (a forward "may" analysis: a read is an error only if no path assigns first).
 */
export function successors(step: SpannedStep): number[] {
  switch (step.op) {
    case 'branch': return [step.then, step.else];
    case 'switch': return [...step.cases.map((c) => c.target), step.default];
    case 'jump': return [step.target];
    case 'raise': case 'end': return [];
    case 'assign': case 'call': case 'split': case 'map': case 'detach': case 'assert': case 'lock': case 'sleep': case 'event':
      return [step.next];
    default: {
      const never: never = step;
      return never;
    }
  }
}

function edges(steps: readonly SpannedStep[], tries: readonly TryRange[]): number[][] {
  const out = steps.map((s) => successors(s).filter((t) => t >= 0 && t < steps.length));
  for (const range of tries) for (let k = range.from; k < range.to; k++) out[k]?.push(range.handler);
  return out;
}

export function reachable(steps: readonly SpannedStep[], tries: readonly TryRange[]): boolean[] {
  const succ = edges(steps, tries);
  const seen = steps.map(() => false);
  const stack = steps.length > 0 ? [0] : [];
  while (stack.length > 0) {
    const k = stack.pop() as number;
    if (seen[k]) continue;
    seen[k] = true;
    for (const t of succ[k] ?? []) if (!seen[t]) stack.push(t);
  }
  return seen;
}

/** Top-level v. names a list of assignments may set. */
export function assignedVars(items: readonly SpannedAssign[]): string[] {
  return items.filter((a) => a.target.ns === 'v').map((a) => a.target.name);
}

export function stepAssigns(step: SpannedStep): string[] {
  switch (step.op) {
    case 'assign': return assignedVars(step.items);
    case 'call': return assignedVars(step.into);
    case 'split': return step.flows.flatMap((f) => assignedVars(f.into));
    case 'map': return assignedVars(step.collect);
    case 'event': return assignedVars(step.into);
    default: return [];
  }
}

/** For each step, the v. names that may be assigned when it starts. */
export function mayBeAssigned(steps: readonly SpannedStep[], tries: readonly TryRange[]): Array<Set<string>> {
  const succ = edges(steps, tries);
  const gen = steps.map(stepAssigns);
  const inSets = steps.map(() => new Set<string>());
  const queued = steps.map(() => true);
  // Popped from the end: start with step 0 so facts flow forward in one pass where the code is linear.
  const work = steps.map((_, k) => steps.length - 1 - k);
  while (work.length > 0) {
    const k = work.pop() as number;
    queued[k] = false;
    const out = new Set([...(inSets[k] as Set<string>), ...(gen[k] as string[])]);
    for (const t of succ[k] ?? []) {
      const target = inSets[t] as Set<string>;
      const before = target.size;
      for (const name of out) target.add(name);
      if (target.size !== before && !queued[t]) {
        queued[t] = true;
        work.push(t);
      }
    }
  }
  return inSets;
}
