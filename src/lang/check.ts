import type { Decl, Stmt } from './ast.js';
import { BUILTINS } from './builtins.js';
import { inferExpr } from './check-expr.js';
import { mayBeAssigned, reachable } from './check-flow.js';
import { checkMap, exprContext, type BaseContext, type MapCheck } from './check-maps.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Expr } from './expr/ast.js';
import { T, describeType, type TypeSet } from './expr/typeset.js';
import type { Lowered } from './lower.js';
import type { CalleeSpec, Params, SpannedAssign, SpannedStep } from './program.js';
import type { Span } from './span.js';
import { suggest } from '../suggest.js';

/**
 * The checks of LANGUAGE.md's "Checking" section, on a lowered workflow: callees resolved, input maps
 * against the callee's in:, outputs read against its out:, types where known, v. variables read where
 * no assignment can have happened, unreachable statements, required outputs never set, locks declared.
 * Variable types are inferred first (the union of everything assigned to each v. name, to a fixpoint),
 * then one reporting pass runs over every step.
 */
export interface CheckInput {
  decl: Decl;
  lowered: Lowered;
  args: Params;
  outs: Params;
  callee(name: string): CalleeSpec | undefined;
  calleeNames(): Iterable<string>;
  diags: DiagnosticBag;
}

export function checkWorkflow(input: CheckInput): void {
  const { lowered, diags } = input;
  const reach = reachable(lowered.steps, lowered.tries);
  const may = mayBeAssigned(lowered.steps, lowered.tries);
  let types = new Map<string, TypeSet>();
  for (let round = 0; round < 8; round++) {
    const next = new Map<string, TypeSet>();
    visitSteps(input, true, types, reach, may, (name, t) => next.set(name, (next.get(name) ?? 0) | t));
    const same = next.size === types.size && [...next].every(([k, t]) => types.get(k) === t);
    types = next;
    if (same) break;
  }
  visitSteps(input, false, types, reach, may, () => undefined);
  checkOutputsSet(input, reach, may);
  reportUnreachable(input.decl.body ?? [], lowered, reach, diags);
  for (const lock of input.decl.locks) {
    if (lock.value === null && !lock.manual) {
      diags.report('WF_BAD_LOCK', lock.span, `lock '${lock.lockType}' has no value ('_'), so it cannot be taken at start: mark it manual`);
    }
    if (input.decl.locks.filter((l) => l.lockType === lock.lockType)[0] !== lock) {
      diags.report('WF_DUPLICATE_NAME', lock.span, `lock type '${lock.lockType}' is declared twice`);
    }
  }
}

function visitSteps(input: CheckInput, quiet: boolean, types: Map<string, TypeSet>, reach: boolean[], may: Array<Set<string>>,
  onVar: (name: string, t: TypeSet) => void): void {
  const { lowered, diags } = input;
  lowered.steps.forEach((step, k) => {
    const here = new Set<string>();
    const base: BaseContext = {
      diags, quiet, args: input.args,
      varType: (name) => types.get(name) ?? 0,
      onVarRead: (name, span) => {
        if (!quiet && reach[k] && !may[k]?.has(name) && !here.has(name)) {
          diags.report('WF_UNASSIGNED', span, `v.${name} is read here, but no assignment to it can have happened before`);
        }
      },
    };
    const assignVar = (name: string, t: TypeSet): void => {
      here.add(name);
      onVar(name, t);
    };
    const map = (items: readonly SpannedAssign[], check: MapCheck): Set<string> => checkMap(items, check, base, assignVar);
    const expr = (e: Expr, want?: TypeSet, what?: string): void => {
      const t = inferExpr(e, exprContext(base, 'expr'));
      if (!quiet && want !== undefined && t !== 0 && (t & want) === 0) {
        diags.report('WF_TYPE', e.span, `${what ?? 'this'} needs ${describeType(want)}, but this is ${describeType(t)}`);
      }
    };
    const spans = lowered.calleeSpans.get(k) ?? [];
    const site = lowered.spans[k] as Span;
    visitStep(step, { input, quiet, map, expr, spans, site });
  });
}

interface StepVisit {
  input: CheckInput;
  quiet: boolean;
  map(items: readonly SpannedAssign[], check: MapCheck): Set<string>;
  expr(e: Expr, want?: TypeSet, what?: string): void;
  spans: Span[];
  site: Span;
}

function resolve(v: StepVisit, name: string, span: Span | undefined, workflowOnly: boolean): CalleeSpec | undefined {
  const spec = v.input.callee(name);
  if (v.quiet) return spec;
  const at = span ?? v.site;
  if (!spec) {
    v.input.diags.report('WF_UNKNOWN_CALLEE', at, `no action or workflow named '${name}'${suggest(name, v.input.calleeNames())}`);
  } else if (workflowOnly && spec.kind !== 'workflow') {
    v.input.diags.report('WF_UNKNOWN_CALLEE', at, `'${name}' is an action: callflow, map and detachflow start workflows (use call for actions)`);
  }
  return spec;
}

function visitStep(step: SpannedStep, v: StepVisit): void {
  const callMaps = (callee: string, input: readonly SpannedAssign[], into: readonly SpannedAssign[], span: Span | undefined, flow: boolean, loop = false): void => {
    const spec = resolve(v, callee, span, flow);
    v.map(input, { kind: 'input', targets: spec?.in, targetsOf: callee, site: span ?? v.site, inMapLoop: loop });
    v.map(into, { kind: loop ? 'collect' : 'into', outputs: spec?.out, outputsOf: callee, inMapLoop: loop });
  };
  switch (step.op) {
    case 'assign': v.map(step.items, { kind: 'eval' }); return;
    case 'branch': v.expr(step.cond); return;
    case 'switch': v.expr(step.subject); return;
    case 'jump': case 'end': return;
    case 'call': callMaps(step.callee, step.input, step.into, v.spans[0], false); return;
    case 'split': step.flows.forEach((f, k) => callMaps(f.callee, f.input, f.into, v.spans[k], true)); return;
    case 'map':
      v.expr(step.using, T.ARR, 'map ... using');
      callMaps(step.callee, step.input, step.collect, v.spans[0], true, true);
      return;
    case 'detach': callMaps(step.callee, step.input, [], v.spans[0], true); return;
    case 'raise': v.expr(step.value, T.STR | T.OBJ, 'raise_error'); return;
    case 'assert': v.expr(step.cond); v.expr(step.message, T.STR | T.OBJ, 'the assert message'); return;
    case 'lock': {
      const locks = v.input.decl.locks;
      if (!v.quiet && !locks.some((l) => l.lockType === step.lockType)) {
        v.input.diags.report('WF_UNKNOWN_LOCK', v.site,
          `lock type '${step.lockType}' is not declared in locks:${suggest(step.lockType, locks.map((l) => l.lockType))}`);
      }
      v.map(step.settings, { kind: 'settings', targets: BUILTINS[step.mode].in, targetsOf: step.mode, site: v.site });
      return;
    }
    case 'sleep': v.map(step.settings, { kind: 'settings', targets: BUILTINS.sleep.in, targetsOf: 'sleep', site: v.site }); return;
    case 'event': {
      const spec = BUILTINS[step.action];
      v.map(step.settings, { kind: 'settings', targets: spec.in, targetsOf: step.action, site: v.site });
      v.map(step.into, { kind: 'into', outputs: spec.out, outputsOf: step.action });
      return;
    }
    default: {
      const never: never = step;
      throw new Error(`unhandled step ${String(never)}`);
    }
  }
}

function checkOutputsSet(input: CheckInput, reachAll: boolean[], mayAll: Array<Set<string>>): void {
  const { lowered, decl, diags } = input;
  const end = lowered.steps.length - 1;
  const base: BaseContext = {
    diags, quiet: false, args: input.args,
    varType: () => T.ANY,
    onVarRead: () => undefined,
  };
  const may = mayAll[end] ?? new Set<string>();
  const reachEnd = reachAll[end] ?? false;
  const set = checkMap(lowered.wfomap, { kind: 'wfomap', targets: input.outs, targetsOf: `workflow ${decl.name}` }, {
    ...base,
    onVarRead: (name, span) => {
      if (reachEnd && !may.has(name)) diags.report('WF_UNASSIGNED', span, `v.${name} is read by wfomap:, but no path of do: assigns it`);
    },
  }, () => undefined);
  for (const p of decl.out) {
    const spec = input.outs[p.name];
    if (spec && !spec.optional && !set.has(p.name)) {
      diags.report('WF_OUTPUT_NEVER_SET', p.span, `output '${p.name}' is required, but wfomap: never sets it (mark it optional or set it)`);
    }
  }
}

/** Reports the first statement of each unreachable run of statements (the rest follow from it). */
function reportUnreachable(block: readonly Stmt[], lowered: Lowered, reach: boolean[], diags: DiagnosticBag): void {
  let dead = false;
  for (const s of block) {
    if (s.kind === 'label') continue;
    const entry = lowered.entryOf.get(s);
    if (entry !== undefined && !reach[entry]) {
      if (!dead) diags.report('WF_UNREACHABLE', s.span, 'this statement can never run: no path leads here');
      dead = true;
      continue;
    }
    dead = false;
    for (const inner of childBlocks(s)) reportUnreachable(inner, lowered, reach, diags);
  }
}

function childBlocks(s: Stmt): Stmt[][] {
  switch (s.kind) {
    case 'if': return [...s.branches.map((b) => b.body), ...(s.otherwise ? [s.otherwise] : [])];
    case 'while': case 'repeat': return [s.body];
    case 'case': return [...s.whens.map((w) => w.body), ...(s.otherwise ? [s.otherwise] : [])];
    case 'try': return [s.body, s.handler];
    default: return [];
  }
}
