import { getOwn, isObject, type Json, type JsonObject } from '../json.js';
import type { CAccessor, CExpr, Namespace } from './ast.js';
import { functionSpec } from './functions.js';
import { applyBinary, applyUnary } from './ops.js';
import { compileRegex } from './regex.js';
import { regexTest } from './regex-vm.js';
import { Budget, ExprError, defined, stringify, truthy, typeName, type Value } from './values.js';

/**
 * The expression interpreter: a tree walk over compiled expressions, with every namespace resolved at
 * compile time. It reads only the `Scope` it is given and returns a value; every node visited is charged
 * to the budget so no expression can run unbounded.
 */
export type Scope = Partial<Record<Namespace, JsonObject>>;

export function evaluate(expr: CExpr, scope: Scope, budget: Budget): Value {
  budget.charge();
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'var': {
      const ns = expr.ns ?? 'v';
      const space = scope[ns];
      if (!space) throw new ExprError(`namespace ${ns}. is not available here`);
      let value: Value = getOwn(space, expr.name);
      for (const acc of expr.path) value = access(value, acc, scope, budget, `${ns}.${expr.name}`);
      return value;
    }
    case 'unary':
      return applyUnary(expr.op, evaluate(expr.operand, scope, budget));
    case 'binary': {
      const left = evaluate(expr.left, scope, budget);
      switch (expr.op) {
        case 'or':
        case '||':
          return truthy(left) ? left : evaluate(expr.right, scope, budget);
        case 'and':
        case '&&':
          return truthy(left) ? evaluate(expr.right, scope, budget) : left;
        case '//':
          return defined(left) ? left : evaluate(expr.right, scope, budget);
        default:
          return applyBinary(expr.op, left, evaluate(expr.right, scope, budget), budget);
      }
    }
    case 'match': {
      const subject = evaluate(expr.subject, scope, budget);
      if (typeof subject !== 'string') throw new ExprError(`'~' matches strings, got ${typeName(subject)}`);
      if (subject.length > budget.limits.maxRegexInput) {
        throw new ExprError(`'~' on a string of ${subject.length} characters (limit ${budget.limits.maxRegexInput})`);
      }
      const prog = compileRegex(expr.pattern, expr.flags);
      if (typeof prog === 'string') throw new ExprError(`bad regular expression: ${prog}`);
      return regexTest(prog, subject, (n) => budget.charge(n));
    }
    case 'call': {
      const spec = functionSpec(expr.fn);
      if (!spec) throw new ExprError(`unknown function ${expr.fn}()`);
      const keys: string[] = [];
      const args: Value[] = [];
      for (const arg of expr.args) {
        if (arg.key) {
          const key = evaluate(arg.key, scope, budget);
          if (typeof key !== 'string' && typeof key !== 'number') throw new ExprError(`an object key must be a string, got ${typeName(key)}`);
          keys.push(stringify(key));
        }
        args.push(evaluate(arg.value, scope, budget));
      }
      return spec.run(args, budget, keys);
    }
    case 'perl':
      throw new ExprError('[[ perl ]] blocks are not supported');
    default: {
      const never: never = expr;
      return never;
    }
  }
}

function access(base: Value, acc: CAccessor, scope: Scope, budget: Budget, where: string): Value {
  if (acc.kind === 'field') {
    if (base === undefined || base === null) return undefined;
    if (isObject(base)) return getOwn(base, acc.name);
    throw new ExprError(`cannot read .${acc.name} of ${typeName(base)} (in ${where})`);
  }
  const index = evaluate(acc.index, scope, budget);
  if (base === undefined || base === null) return undefined;
  if (Array.isArray(base)) {
    if (typeof index !== 'number' || !Number.isInteger(index)) throw new ExprError(`an array index must be an integer, got ${typeName(index)}`);
    return base[index < 0 ? base.length + index : index] as Json | undefined;
  }
  if (isObject(base)) {
    if (typeof index !== 'string') throw new ExprError(`an object key must be a string, got ${typeName(index)}`);
    return getOwn(base, index);
  }
  throw new ExprError(`cannot index ${typeName(base)} (in ${where})`);
}

/** Evaluates a condition: any value, judged by truthiness. */
export function evaluateCondition(expr: CExpr, scope: Scope, budget: Budget): boolean {
  return truthy(evaluate(expr, scope, budget));
}
