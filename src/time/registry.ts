/**
 * Resolving names: calendars refer to calendars (`union`, `subtract`), plans to calendars and to plans
 * (`union`, `intersect`). Each set is built in dependency order; references to unknown names and cycles are
 * returned as issues (the loader turns them into diagnostics with positions), never thrown.
 */
import { Calendar, type CalendarDef } from './calendar.js';
import { compilePlan, type ExecutionPlan, type PlanDef } from './plan.js';

export interface TimeIssue {
  kind: 'calendar' | 'plan';
  /** The calendar or plan the issue is about. */
  name: string;
  code: 'unknown-calendar' | 'unknown-plan' | 'cycle' | 'no-working-day' | 'invalid';
  message: string;
  /** The name it refers to, for unknown references. */
  ref?: string;
}

interface Node<T> {
  name: string;
  deps: string[];
  build: (resolved: Map<string, T>) => T;
}

/**
 * Depth-first build with cycle detection. A node whose dependency is unknown, in a cycle, or failed is
 * not built (only the first cause is reported, once).
 */
function resolve<T>(kind: TimeIssue['kind'], nodes: Map<string, Node<T>>, issues: TimeIssue[], failedBefore: Iterable<string> = []): Map<string, T> {
  const done = new Map<string, T>();
  const failed = new Set<string>(failedBefore);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): boolean => {
    if (state.get(name) === 'done') return done.has(name);
    if (state.get(name) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      issues.push({ kind, name, code: 'cycle', message: `${kind}s ${cycle.map((n) => `"${n}"`).join(' -> ')} refer to each other in a cycle` });
      for (const n of cycle) failed.add(n);
      return false;
    }
    const node = nodes.get(name)!;
    state.set(name, 'visiting');
    stack.push(name);
    let ok = true;
    for (const dep of node.deps) {
      if (nodes.has(dep)) ok = visit(dep) && ok;
      else {
        const code = kind === 'calendar' ? 'unknown-calendar' : 'unknown-plan';
        issues.push({ kind, name, code, ref: dep, message: `${kind} "${name}" refers to ${kind} "${dep}", which is not defined` });
        ok = false;
      }
    }
    stack.pop();
    state.set(name, 'done');
    if (!ok || failed.has(name)) return false;
    try {
      done.set(name, node.build(done));
      return true;
    } catch (err) {
      issues.push({ kind, name, code: 'invalid', message: `${kind} "${name}": ${(err as Error).message}` });
      return false;
    }
  };
  for (const name of [...nodes.keys()].sort()) visit(name);
  return done;
}

export function buildCalendars(defs: Iterable<CalendarDef>): { calendars: Map<string, Calendar>; errors: TimeIssue[] } {
  const errors: TimeIssue[] = [];
  const nodes = new Map<string, Node<Calendar>>();
  for (const def of defs) {
    nodes.set(def.name, {
      name: def.name,
      deps: [...def.union, ...def.subtract],
      build: (done) => {
        const cal = new Calendar(def, def.union.map((n) => done.get(n)!), def.subtract.map((n) => done.get(n)!));
        if (cal.workingWeek.length === 0) {
          errors.push({ kind: 'calendar', name: def.name, code: 'no-working-day', message: `calendar "${def.name}" has no working weekday` });
        }
        return cal;
      },
    });
  }
  return { calendars: resolve('calendar', nodes, errors), errors };
}

function planDeps(def: PlanDef): { plans: string[]; calendars: string[] } {
  const r = def.rule;
  const plans = r.kind === 'union' || r.kind === 'intersect' ? r.plans : [];
  const calendars = [...(def.calendar === undefined ? [] : [def.calendar]), ...(def.days?.exclude ?? [])];
  return { plans, calendars };
}

export function buildPlans(defs: Iterable<PlanDef>, calendars: ReadonlyMap<string, Calendar>): { plans: Map<string, ExecutionPlan>; errors: TimeIssue[] } {
  const errors: TimeIssue[] = [];
  const nodes = new Map<string, Node<ExecutionPlan>>();
  const failed: string[] = [];
  for (const def of defs) {
    const deps = planDeps(def);
    for (const c of deps.calendars.filter((n) => !calendars.has(n))) {
      errors.push({ kind: 'plan', name: def.name, code: 'unknown-calendar', ref: c, message: `plan "${def.name}" refers to calendar "${c}", which is not defined` });
      failed.push(def.name);
    }
    nodes.set(def.name, {
      name: def.name,
      deps: deps.plans,
      build: (done) => compilePlan(def, { calendar: (n) => calendars.get(n), plan: (n) => done.get(n) }),
    });
  }
  return { plans: resolve('plan', nodes, errors, failed), errors };
}

/** Calendars, then plans: what a server or the CLI needs from a project's `calendars:` and `plans:`. */
export function compileTime(calendarDefs: Iterable<CalendarDef>, planDefs: Iterable<PlanDef>): {
  calendars: Map<string, Calendar>;
  plans: Map<string, ExecutionPlan>;
  errors: TimeIssue[];
} {
  const c = buildCalendars(calendarDefs);
  const p = buildPlans(planDefs, c.calendars);
  return { calendars: c.calendars, plans: p.plans, errors: [...c.errors, ...p.errors] };
}
