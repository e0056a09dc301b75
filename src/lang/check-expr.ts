import type { DiagnosticBag } from './diagnostics.js';
import type { Expr, Namespace } from './expr/ast.js';
import { functionSpec } from './expr/functions.js';
import { compileRegex } from './expr/regex.js';
import { T, describeType, type TypeSet } from './expr/typeset.js';
import { typeOfValue, typesOfSchema } from './interfaces.js';
import type { Params } from './program.js';
import type { Span } from './span.js';

/**
 * Static checking of one expression: namespaces available in its place, functions and their arity,
 * regexes, and types. Returns the set of types the value may have. With `quiet` it only infers (used
 * while variable types are still being computed) and reports nothing.
 */
export interface ExprContext {
  diags: DiagnosticBag;
  quiet: boolean;
  /** Namespaces this place may read, and a phrase naming the place for messages. */
  readable: ReadonlySet<Namespace>;
  place: string;
  args: Params;
  /** Outputs of the callee whose results are read here (`into:`/`collect:`); undefined when unknown. */
  outputs?: Params;
  outputsOf?: string;
  /** Inside a map's input or collect block, where e._i and e._v exist. */
  inMapLoop: boolean;
  varType(name: string): TypeSet;
  /** Types of names assigned earlier in the same map (i., t., and o. in wfomap). */
  local: Map<string, TypeSet>;
  onVarRead(name: string, span: Span): void;
}

const E_TYPES: Record<string, TypeSet> = { _error: T.OBJ, _i: T.INT, _v: T.ANY, workflow: T.STR };

export function inferExpr(e: Expr, ctx: ExprContext): TypeSet {
  const report = (code: Parameters<DiagnosticBag['report']>[0], span: Span, msg: string): void => {
    if (!ctx.quiet) ctx.diags.report(code, span, msg);
  };
  const need = (t: TypeSet, want: TypeSet, span: Span, what: string): void => {
    if (t !== 0 && (t & want) === 0) report('WF_TYPE', span, `${what} needs ${describeType(want)}, but this is ${describeType(t)}`);
  };
  const visit = (x: Expr): TypeSet => {
    switch (x.kind) {
      case 'literal':
        return typeOfValue(x.value);
      case 'perl':
        return T.ANY;
      case 'var': {
        let t = varBase(x.ns ?? 'v', x.name, x.span, ctx, report);
        for (const acc of x.path) {
          if (acc.kind === 'index') visit(acc.index);
          if (t !== T.ANY && t !== 0 && (t & (T.OBJ | T.ARR | T.NULL)) === 0) {
            report('WF_TYPE', acc.span, `cannot read into ${describeType(t)}`);
          }
          t = T.ANY;
        }
        return t;
      }
      case 'unary': {
        const t = visit(x.operand);
        if (x.op === '-' || x.op === '+') {
          need(t, T.NUM, x.operand.span, `unary '${x.op}'`);
          return t & T.NUM || T.NUM;
        }
        return T.BOOL;
      }
      case 'binary': {
        const l = visit(x.left);
        const r = visit(x.right);
        switch (x.op) {
          case 'or': case 'and': case '||': case '&&': return l | r;
          case '//': return (l & ~T.NULL) | r;
          case 'xor': case '==': case '!=': case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge': return T.BOOL;
          case '<': case '<=': case '>': case '>=':
            need(l, T.NUM, x.left.span, `'${x.op}'`);
            need(r, T.NUM, x.right.span, `'${x.op}'`);
            return T.BOOL;
          case '.':
            need(l, T.STR | T.NUM, x.left.span, "'.'");
            need(r, T.STR | T.NUM, x.right.span, "'.'");
            return T.STR;
          case '+': case '-': case '*': case '/': case '%': case '**':
            need(l, T.NUM, x.left.span, `'${x.op}'`);
            need(r, T.NUM, x.right.span, `'${x.op}'`);
            return (x.op === '/' || x.op === '**') ? T.NUM : (l & r & T.NUM) === T.INT ? T.INT : T.NUM;
        }
        return T.ANY;
      }
      case 'match': {
        need(visit(x.subject), T.STR, x.subject.span, "'~'");
        const prog = compileRegex(x.pattern, x.flags);
        if (typeof prog === 'string') report('WF_BAD_REGEX', x.span, `regular expression /${x.pattern}/: ${prog}`);
        return T.BOOL;
      }
      case 'call':
        return visitCall(x, ctx, visit, report, need);
      default: {
        const never: never = x;
        return never;
      }
    }
  };
  return visit(e);
}

type Reporter = (code: Parameters<DiagnosticBag['report']>[0], span: Span, msg: string) => void;

function visitCall(x: Extract<Expr, { kind: 'call' }>, ctx: ExprContext, visit: (e: Expr) => TypeSet, report: Reporter,
  need: (t: TypeSet, want: TypeSet, span: Span, what: string) => void): TypeSet {
  const spec = functionSpec(x.fn);
  for (const a of x.args) if (a.key) need(visit(a.key), T.STR | T.NUM, a.key.span, 'an object key');
  const types = x.args.map((a) => visit(a.value));
  if (!spec) {
    report('WF_UNKNOWN_FUNCTION', x.span, `unknown function ${x.fn}(): the functions are array, object, concat, defined, ifdef, tostring, tonumber, keys, values, length, to_json, from_json`);
    return T.ANY;
  }
  if (x.args.length < spec.min || x.args.length > spec.max) {
    const range = spec.max === Infinity ? `at least ${spec.min}` : spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max}`;
    report('WF_ARITY', x.span, `${x.fn}() takes ${range} argument${spec.max === 1 ? '' : 's'}, not ${x.args.length}`);
  }
  x.args.forEach((a) => {
    if (spec.keyed && !a.key) report('WF_ARITY', a.value.span, `${x.fn}() takes key: value pairs`);
    if (!spec.keyed && a.key) report('WF_ARITY', a.key.span, `${x.fn}() takes no key: value pairs`);
  });
  if (x.fn === 'ifdef') report('WF_IFDEF_PLACEMENT', x.span, 'ifdef() must be the whole right-hand side of an assignment: name = ifdef(o.x)');
  types.forEach((t, k) => need(t, spec.accepts, (x.args[k] as { value: Expr }).value.span, `${x.fn}()`));
  if (x.fn === 'ifdef') return types[0] ?? T.ANY;
  return spec.returns;
}

function varBase(ns: Namespace, name: string, span: Span, ctx: ExprContext, report: Reporter): TypeSet {
  if (!ctx.readable.has(ns)) {
    const hint: Record<Namespace, string> = {
      a: '', v: '', e: '', i: 'i. exists only in the input map of a call', o: 'o. exists only in into:, collect: and wfomap:',
      t: 't. is scratch space inside one map',
    };
    report('WF_NAMESPACE', span, `${ns}.${name} cannot be read in ${ctx.place}${hint[ns] ? `: ${hint[ns]}` : ''}`);
    return T.ANY;
  }
  switch (ns) {
    case 'a': {
      const p = Object.hasOwn(ctx.args, name) ? ctx.args[name] : undefined;
      if (!p) {
        report('WF_UNKNOWN_ARGUMENT', span, `a.${name}: the workflow has no input '${name}'${inputList(ctx.args)}`);
        return T.ANY;
      }
      return typesOfSchema(p.schema) | (p.optional && p.default === undefined ? T.NULL : 0);
    }
    case 'v':
      ctx.onVarRead(name, span);
      return ctx.varType(name) || T.ANY;
    case 'e':
      if ((name === '_i' || name === '_v') && !ctx.inMapLoop) {
        report('WF_NAMESPACE', span, `e.${name} exists only in the input map and collect: of a map statement`);
      }
      return E_TYPES[name] ?? T.ANY;
    case 'o':
      if (ctx.outputs) {
        const p = Object.hasOwn(ctx.outputs, name) ? ctx.outputs[name] : undefined;
        if (!p) {
          report('WF_UNKNOWN_OUTPUT', span, `o.${name}: ${ctx.outputsOf ?? 'the callee'} has no output '${name}'${inputList(ctx.outputs)}`);
          return T.ANY;
        }
        return typesOfSchema(p.schema) | (p.optional ? T.NULL : 0);
      }
      return localType(ns, name, span, ctx, report);
    case 'i':
    case 't':
      return localType(ns, name, span, ctx, report);
    default: {
      const never: never = ns;
      return never;
    }
  }
}

function localType(ns: Namespace, name: string, span: Span, ctx: ExprContext, report: Reporter): TypeSet {
  const t = ctx.local.get(`${ns}.${name}`);
  if (t === undefined) {
    report('WF_UNASSIGNED', span, `${ns}.${name} is read before this map assigns it`);
    return T.ANY;
  }
  return t;
}

function inputList(params: Params): string {
  const names = Object.keys(params);
  return names.length ? ` (it has: ${names.join(', ')})` : '';
}
