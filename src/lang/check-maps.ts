import { inferExpr, type ExprContext } from './check-expr.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Namespace } from './expr/ast.js';
import { T, describeType, type TypeSet } from './expr/typeset.js';
import { typesOfSchema } from './interfaces.js';
import { DEFAULT_NS, type MapKind } from './lower-maps.js';
import { isRequired, type Params, type SpannedAssign } from './program.js';
import type { Span } from './span.js';
import { suggest } from '../suggest.js';

/**
 * Checks one map: what it may read and write, its targets against the interface on the other side (the
 * callee's inputs, a built-in's settings, the workflow's outputs), types, and required inputs left unset.
 */
export const READABLE: Record<MapKind | 'expr', ReadonlySet<Namespace>> = {
  input: new Set(['a', 'v', 'e', 't', 'i']),
  settings: new Set(['a', 'v', 'e', 't', 'i']),
  into: new Set(['a', 'v', 'e', 't', 'o']),
  collect: new Set(['a', 'v', 'e', 't', 'o']),
  wfomap: new Set(['a', 'v', 'e', 't', 'o']),
  eval: new Set(['a', 'v', 'e', 't']),
  expr: new Set(['a', 'v', 'e']),
};
const PLACE: Record<MapKind | 'expr', string> = {
  input: 'an input map', settings: 'these settings', into: 'into:', collect: 'collect:', wfomap: 'wfomap:', eval: 'eval:', expr: 'a condition or expression',
};

export interface MapCheck {
  kind: MapKind;
  /** The interface assigned into: callee inputs, built-in settings or workflow outputs. */
  targets?: Params;
  targetsOf?: string;
  /** Outputs readable as o. (into:/collect:); undefined when unknown or not applicable. */
  outputs?: Params;
  outputsOf?: string;
  inMapLoop?: boolean;
  /** Where to report required inputs that are not set. */
  site?: Span;
}

export type BaseContext = Omit<ExprContext, 'readable' | 'place' | 'outputs' | 'outputsOf' | 'inMapLoop' | 'local'>;

export function exprContext(base: BaseContext, kind: MapKind | 'expr', extra: Partial<ExprContext> = {}): ExprContext {
  return { ...base, readable: READABLE[kind], place: PLACE[kind], inMapLoop: false, local: new Map(), ...extra };
}

/** Checks the map; calls `onVar` with the type of every v. assignment. Returns the names it sets. */
export function checkMap(items: readonly SpannedAssign[], check: MapCheck, base: BaseContext,
  onVar: (name: string, type: TypeSet) => void): Set<string> {
  const { kind, targets } = check;
  const ctx = exprContext(base, kind, { outputs: check.outputs, outputsOf: check.outputsOf, inMapLoop: check.inMapLoop ?? false });
  const diags: DiagnosticBag | null = base.quiet ? null : base.diags;
  const targetNs = DEFAULT_NS[kind];
  const writable = new Set<Namespace>([targetNs, 't']);
  const set = new Set<string>();
  for (const a of items) {
    let t = inferExpr(a.value, a.copyAll ? { ...ctx, onVarRead: () => undefined } : ctx);
    if (a.ifdef) t = t & ~T.NULL || T.ANY;
    const { ns, name, path, span } = { ...a.target, ns: a.target.ns ?? targetNs };
    for (const acc of path) if (acc.kind === 'index') inferExpr(acc.index, ctx);
    if (!writable.has(ns)) {
      diags?.report('WF_ASSIGN_TARGET', span, `${PLACE[kind]} may assign ${[...writable].map((n) => `${n}.`).join(' and ')} only, not ${ns}.${name}`);
      continue;
    }
    const result = resultType(a, t, ctx, diags);
    if (ns === targetNs && targets) {
      const p = Object.hasOwn(targets, name) ? targets[name] : undefined;
      if (!p) {
        const code = kind === 'wfomap' ? 'WF_UNKNOWN_OUTPUT' : 'WF_UNKNOWN_INPUT';
        diags?.report(code, span, `${check.targetsOf ?? 'the callee'} has no ${kind === 'wfomap' ? 'output' : 'input'} '${name}'${suggest(name, Object.keys(targets))}`);
      } else if (path.length === 0 && a.op === '=') {
        const want = typesOfSchema(p.schema) | (p.optional ? T.NULL : 0);
        if ((result & want) === 0) {
          diags?.report('WF_TYPE', a.value.span, `'${name}' of ${check.targetsOf ?? 'the callee'} is ${p.type}, but this value is ${describeType(result)}`);
        }
      }
    }
    if (ns === 'v') onVar(name, path.length > 0 ? T.OBJ | T.ARR : result);
    else ctx.local.set(`${ns}.${name}`, path.length > 0 ? T.ANY : result | (ctx.local.get(`${ns}.${name}`) ?? 0));
    if (ns === targetNs) set.add(name);
  }
  if (targets && check.site && kind !== 'wfomap') {
    const missing = Object.entries(targets).filter(([name, p]) => isRequired(p) && !set.has(name)).map(([name]) => name);
    if (missing.length > 0) {
      diags?.report('WF_MISSING_INPUT', check.site, `${check.targetsOf ?? 'the callee'} requires ${missing.map((m) => `'${m}'`).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not set`);
    }
  }
  return set;
}

/** The type a target has after `target OP value`, checking that the operator fits the value. */
function resultType(a: SpannedAssign, t: TypeSet, ctx: ExprContext, diags: DiagnosticBag | null): TypeSet {
  const need = (want: TypeSet, what: string): void => {
    if (t !== 0 && (t & want) === 0) diags?.report('WF_TYPE', a.value.span, `'${a.op}' needs ${what}, but this is ${describeType(t)}`);
  };
  switch (a.op) {
    case '=': return t;
    case '+=': case '-=': case '*=': case '/=':
      need(T.NUM, 'a number');
      return T.NUM;
    case '.=':
      need(T.STR | T.NUM, 'a string or number');
      return T.STR;
    case ',=': return T.ARR;
    case '//=': case '||=': {
      const old = a.target.ns === 'v' ? ctx.varType(a.target.name) : T.ANY;
      return (old || T.ANY) | t;
    }
    default: {
      const never: never = a.op;
      return never;
    }
  }
}
