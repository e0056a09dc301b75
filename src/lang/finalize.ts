import type { CExpr } from './expr/ast.js';
import type { Expr } from './expr/ast.js';
import type { CAssign, SpannedAssign, SpannedStep, Step } from './program.js';
import { successors } from './check-flow.js';

/**
 * From checked steps to the stored form: successors that land on a `jump` are redirected to where the
 * jump goes (so loops and if/else cost no extra steps at run time), and source spans are dropped from
 * expressions. Jump steps that nothing reaches any more stay in place, so indexes do not move.
 */
export function threadJumps(steps: SpannedStep[]): SpannedStep[] {
  const follow = (k: number): number => {
    const seen = new Set<number>();
    let cur = k;
    for (let s = steps[cur]; s?.op === 'jump' && !seen.has(cur); s = steps[cur]) {
      seen.add(cur);
      cur = s.target;
    }
    return cur;
  };
  return steps.map((s): SpannedStep => {
    if (successors(s).every((t) => steps[t]?.op !== 'jump')) return s;
    switch (s.op) {
      case 'branch': return { ...s, then: follow(s.then), else: follow(s.else) };
      case 'switch': return { ...s, cases: s.cases.map((c) => ({ ...c, target: follow(c.target) })), default: follow(s.default) };
      case 'jump': return s;
      case 'raise': case 'end': return s;
      default: return { ...s, next: follow(s.next) };
    }
  });
}

export function stripExpr(e: Expr): CExpr {
  switch (e.kind) {
    case 'literal': return { kind: 'literal', value: e.value };
    case 'perl': return { kind: 'perl' };
    case 'var':
      return {
        kind: 'var', ns: e.ns, name: e.name,
        path: e.path.map((a) => (a.kind === 'field' ? { kind: 'field', name: a.name } : { kind: 'index', index: stripExpr(a.index) })),
      };
    case 'unary': return { kind: 'unary', op: e.op, operand: stripExpr(e.operand) };
    case 'binary': return { kind: 'binary', op: e.op, left: stripExpr(e.left), right: stripExpr(e.right) };
    case 'match': return { kind: 'match', subject: stripExpr(e.subject), pattern: e.pattern, flags: e.flags };
    case 'call': return { kind: 'call', fn: e.fn, args: e.args.map((a) => ({ key: a.key && stripExpr(a.key), value: stripExpr(a.value) })) };
    default: {
      const never: never = e;
      return never;
    }
  }
}

export function stripAssigns(items: readonly SpannedAssign[]): CAssign[] {
  return items.map((a) => ({ target: stripExpr(a.target) as CAssign['target'], op: a.op, value: stripExpr(a.value), ifdef: a.ifdef }));
}

export function stripStep(s: SpannedStep): Step {
  switch (s.op) {
    case 'assign': return { ...s, items: stripAssigns(s.items) };
    case 'branch': return { ...s, cond: stripExpr(s.cond) };
    case 'switch': return { ...s, subject: stripExpr(s.subject) };
    case 'jump': case 'end': return s;
    case 'call': return { ...s, input: stripAssigns(s.input), into: stripAssigns(s.into) };
    case 'split': return { ...s, flows: s.flows.map((f) => ({ callee: f.callee, input: stripAssigns(f.input), into: stripAssigns(f.into) })) };
    case 'map': return { ...s, using: stripExpr(s.using), input: stripAssigns(s.input), collect: stripAssigns(s.collect) };
    case 'detach': return { ...s, input: stripAssigns(s.input) };
    case 'raise': return { ...s, value: stripExpr(s.value) };
    case 'assert': return { ...s, cond: stripExpr(s.cond), message: stripExpr(s.message) };
    case 'lock': return { ...s, settings: stripAssigns(s.settings) };
    case 'sleep': return { ...s, settings: stripAssigns(s.settings) };
    case 'event': return { ...s, settings: stripAssigns(s.settings), into: stripAssigns(s.into) };
    default: {
      const never: never = s;
      return never;
    }
  }
}
