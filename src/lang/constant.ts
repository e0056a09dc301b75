import type { DiagnosticBag } from './diagnostics.js';
import type { Expr } from './expr/ast.js';
import { evaluate } from './expr/interp.js';
import { Budget, ExprError } from './expr/values.js';
import type { Json } from './json.js';

/**
 * Values that must be known at compile time (parameter defaults, env:, config:) are expressions without
 * variables, evaluated once by the same interpreter the VM uses.
 */
export function evalConstant(expr: Expr, diags: DiagnosticBag, what: string): Json | undefined {
  const variable = findVariable(expr);
  if (variable) {
    diags.report('WF_NOT_CONSTANT', variable.span, `${what} must be a constant, not a variable`);
    return undefined;
  }
  if (expr.kind === 'perl') return undefined;
  try {
    const value = evaluate(expr, {}, new Budget());
    return value === undefined ? null : value;
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    diags.report('WF_NOT_CONSTANT', expr.span, `${what} cannot be computed: ${err.message}`);
    return undefined;
  }
}

function findVariable(e: Expr): Expr | undefined {
  switch (e.kind) {
    case 'var': return e;
    case 'literal': case 'perl': return undefined;
    case 'unary': return findVariable(e.operand);
    case 'binary': return findVariable(e.left) ?? findVariable(e.right);
    case 'match': return findVariable(e.subject);
    case 'call':
      for (const a of e.args) {
        const found = (a.key && findVariable(a.key)) ?? findVariable(a.value);
        if (found) return found;
      }
      return undefined;
    default: {
      const never: never = e;
      return never;
    }
  }
}
