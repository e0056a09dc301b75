import { jsonEqual } from '../json.js';
import type { BinaryOp, UnaryOp } from './ast.js';
import { ExprError, finite, requireNumber, stringify, truthy, typeName, type Budget, type Value } from './values.js';

/**
 * Operator semantics (documented in docs/language.md). No silent coercion: arithmetic and numeric
 * comparison need numbers; `.` joins strings and numbers; eq/ne/lt/le/gt/ge compare string forms;
 * `==`/`!=` compare JSON values structurally. Logical operators return one of their operands, as in
 * Perl, except `xor`, `!` and `not`, which return booleans. Short-circuiting is done by the caller.
 */
export function applyUnary(op: UnaryOp, v: Value): Value {
  switch (op) {
    case '!':
    case 'not':
      return !truthy(v);
    case '-':
      return finite(-requireNumber(v, "unary '-'"), "unary '-'");
    case '+':
      return requireNumber(v, "unary '+'");
    default: {
      const never: never = op;
      return never;
    }
  }
}

type StrictOp = Exclude<BinaryOp, 'or' | 'and' | '||' | '&&' | '//'>;

export function applyBinary(op: StrictOp, l: Value, r: Value, budget: Budget): Value {
  switch (op) {
    case 'xor':
      return truthy(l) !== truthy(r);
    case '==':
      budget.charge();
      return l === undefined || r === undefined ? (l ?? null) === (r ?? null) : jsonEqual(l, r);
    case '!=':
      return !applyBinary('==', l, r, budget);
    case 'eq': return stringify(l) === stringify(r);
    case 'ne': return stringify(l) !== stringify(r);
    case 'lt': return stringify(l) < stringify(r);
    case 'le': return stringify(l) <= stringify(r);
    case 'gt': return stringify(l) > stringify(r);
    case 'ge': return stringify(l) >= stringify(r);
    case '<': return num(op, l) < num(op, r);
    case '<=': return num(op, l) <= num(op, r);
    case '>': return num(op, l) > num(op, r);
    case '>=': return num(op, l) >= num(op, r);
    case '+': return finite(num(op, l) + num(op, r), "'+'");
    case '-': return finite(num(op, l) - num(op, r), "'-'");
    case '*': return finite(num(op, l) * num(op, r), "'*'");
    case '/': {
      const d = num(op, r);
      if (d === 0) throw new ExprError('division by zero');
      return finite(num(op, l) / d, "'/'");
    }
    case '%': {
      const d = num(op, r);
      if (d === 0) throw new ExprError('modulus by zero');
      return finite(num(op, l) % d, "'%'");
    }
    case '**': return finite(num(op, l) ** num(op, r), "'**'");
    case '.': return budget.string(concatPart(l) + concatPart(r));
    default: {
      const never: never = op;
      return never;
    }
  }
}

function num(op: string, v: Value): number {
  if (typeof v !== 'number') throw new ExprError(`operator '${op}' needs numbers, got ${typeName(v)}`);
  return v;
}

function concatPart(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new ExprError(`operator '.' joins strings and numbers, got ${typeName(v)}`);
}
