import type { Callflow, MapItem, Stmt, WhenBranch } from './ast.js';
import type { Cursor } from './cursor.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Expr } from './expr/ast.js';
import type { LineNode } from './lexer.js';
import { parseMap } from './parse-maps.js';
import { expectColon, firstWord, lineCursor, parseName } from './parse-util.js';
import type { Span } from './span.js';

/**
 * The statements whose parts are spread over several lines with their own keywords: `case` (with `when`
 * and `else`, either indented under it or level with it) and `split` (with `callflow` blocks, each
 * followed by its own `into:`).
 */
export interface BlockContext {
  diags: DiagnosticBag;
  /** The next sibling line when it starts with `word`, consumed. */
  sibling(word: string): LineNode | undefined;
  /** The statements indented under `node`. */
  body(node: LineNode, what: string): Stmt[];
  headerExpr(cur: Cursor, what: string): Expr | null;
}

export function parseCase(ctx: BlockContext, cur: Cursor, node: LineNode, span: Span): Stmt | null {
  const subject = ctx.headerExpr(cur, 'case');
  const whens: WhenBranch[] = [];
  let otherwise: Stmt[] | null = null;
  const take = (when: LineNode, isElse: boolean): void => {
    const c = lineCursor(when, ctx.diags);
    c.next();
    if (isElse) {
      if (expectColon(c, 'else', false)) otherwise = ctx.body(when, 'else');
      return;
    }
    const labels = whenLabels(c);
    if (labels && expectColon(c, 'when labels', false)) whens.push({ labels, body: ctx.body(when, 'when'), span: when.line.span });
  };
  if (node.children.length > 0) {
    for (const child of node.children) {
      const w = firstWord(child);
      if (w === 'when' || (w === 'else' && otherwise === null)) take(child, w === 'else');
      else ctx.diags.report('WF_SYNTAX', child.line.span, "expected 'when LABELS:' or 'else:' inside 'case'");
    }
  } else {
    for (let when = ctx.sibling('when'); when; when = ctx.sibling('when')) take(when, false);
    const els = ctx.sibling('else');
    if (els) take(els, true);
  }
  if (whens.length === 0 && otherwise === null) ctx.diags.report('WF_SYNTAX', span, "'case' needs at least one 'when' or 'else'");
  return subject ? { kind: 'case', subject, whens, otherwise, span } : null;
}

/** `when "a", b, 3:`: labels are strings, bare words or numbers, compared with the subject's string form. */
function whenLabels(cur: Cursor): WhenBranch['labels'] | null {
  const labels: WhenBranch['labels'] = [];
  for (;;) {
    const tok = cur.peek();
    if (!tok || (tok.kind !== 'name' && tok.kind !== 'string' && tok.kind !== 'number')) return cur.fail('expected a label (a string, word or number)');
    cur.next();
    labels.push({ value: tok.kind === 'name' ? tok.text : String(tok.value), span: tok.span });
    if (!cur.eatOp(',')) return labels;
  }
}

export function parseSplit(ctx: BlockContext, cur: Cursor, node: LineNode, span: Span): Stmt | null {
  if (!expectColon(cur, 'split', false)) return null;
  const flows: Callflow[] = [];
  const children = node.children;
  for (let k = 0; k < children.length; k++) {
    const child = children[k] as LineNode;
    const c = lineCursor(child, ctx.diags);
    if (!c.eatName('callflow')) {
      ctx.diags.report('WF_SYNTAX', child.line.span, "expected 'callflow NAME:' inside 'split:'");
      continue;
    }
    const callee = parseName(c, 'a workflow name');
    const ok = callee !== null && expectColon(c, 'callflow NAME', true);
    const input = ok ? parseMap(c, child.children, ctx.diags) : [];
    let into: MapItem[] | null = null;
    const next = children[k + 1];
    if (next && firstWord(next) === 'into') {
      k++;
      const ic = lineCursor(next, ctx.diags);
      ic.next();
      into = expectColon(ic, 'into', true) ? parseMap(ic, next.children, ctx.diags) : [];
    }
    if (ok && callee) flows.push({ callee, input, into, span: child.line.span });
  }
  if (children.length === 0) ctx.diags.report('WF_SYNTAX', node.line.endSpan, "'split:' needs 'callflow NAME:' blocks");
  return { kind: 'split', flows, span };
}
