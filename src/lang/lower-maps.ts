import type { MapItem } from './ast.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Accessor, Expr, Namespace, VarExpr } from './expr/ast.js';
import type { SpannedAssign } from './program.js';

/**
 * The kinds of map and what a name without a namespace means in each:
 *   input (call/callflow/map/detachflow) and settings (sleep, subscribe, ...): i.   `<x>` is i.x = v.x
 *   into and collect: v.   `<x>` is v.x = o.x          wfomap: o.   `<x>` is o.x = v.x
 *   eval/let: v.   no `<x>`                             conditions and other expressions: v.
 */
export type MapKind = 'input' | 'settings' | 'into' | 'collect' | 'wfomap' | 'eval';

export const DEFAULT_NS: Record<MapKind, Namespace> = { input: 'i', settings: 'i', into: 'v', collect: 'v', wfomap: 'o', eval: 'v' };
const COPY_FROM: Record<MapKind, Namespace | null> = { input: 'v', settings: 'v', into: 'o', collect: 'o', wfomap: 'v', eval: null };

/** Replaces every missing namespace in `e` with `ns`. */
export function withDefaultNs(e: Expr, ns: Namespace): Expr {
  switch (e.kind) {
    case 'literal':
    case 'perl':
      return e;
    case 'var':
      return { ...e, ns: e.ns ?? ns, path: e.path.map((a): Accessor => (a.kind === 'index' ? { ...a, index: withDefaultNs(a.index, ns) } : a)) };
    case 'unary':
      return { ...e, operand: withDefaultNs(e.operand, ns) };
    case 'binary':
      return { ...e, left: withDefaultNs(e.left, ns), right: withDefaultNs(e.right, ns) };
    case 'match':
      return { ...e, subject: withDefaultNs(e.subject, ns) };
    case 'call':
      return { ...e, args: e.args.map((a) => ({ key: a.key && withDefaultNs(a.key, ns), value: withDefaultNs(a.value, ns) })) };
    default: {
      const never: never = e;
      return never;
    }
  }
}

/**
 * Resolves a map: default namespaces filled in, `<a,b>` and `<*>` expanded into assignments (each
 * skipped when its source is undefined, like ifdef), `x = ifdef(e)` marked. `starNames` lists what `<*>`
 * copies (the callee's inputs or outputs, or the workflow's outputs); undefined when unknown.
 */
export function lowerMap(items: readonly MapItem[], kind: MapKind, starNames: readonly string[] | undefined, diags: DiagnosticBag): SpannedAssign[] {
  const ns = DEFAULT_NS[kind];
  const out: SpannedAssign[] = [];
  for (const item of items) {
    if (item.kind === 'assign') {
      const value = withDefaultNs(item.value, ns);
      const target = withDefaultNs(item.target, ns) as VarExpr;
      const ifdef = value.kind === 'call' && value.fn === 'ifdef' && value.args.length === 1 && value.args[0]?.key === null;
      out.push({ target, op: item.op, value: ifdef ? (value.args[0]?.value as Expr) : value, ifdef });
      continue;
    }
    const from = COPY_FROM[kind];
    if (from === null) {
      diags.report('WF_SYNTAX', item.span, '<name> copies values across a call; in eval: write v.name = ... instead');
      continue;
    }
    const names = item.names === '*' ? (starNames ?? []).map((name) => ({ name, span: item.span })) : item.names;
    for (const { name, span } of names) {
      const target: VarExpr = { kind: 'var', ns, name, path: [], span };
      const source: VarExpr = { kind: 'var', ns: from, name, path: [], span };
      out.push({ target, op: '=', value: source, ifdef: true, copyAll: item.names === '*' });
    }
  }
  return out;
}
