import { ASSIGN_OPS, type AssignOp, type MapItem, type Name } from './ast.js';
import type { Cursor } from './cursor.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Token } from './expr/tokens.js';
import { parseExpression } from './expr/parser.js';
import type { LineNode } from './lexer.js';
import { lineCursor, noChildren } from './parse-util.js';
import { spanFrom } from './span.js';

/**
 * Maps: blocks of assignments. Items may be written one per line under the header, or after the header's
 * colon separated by commas (`subscribe: name = 'x', mask = object(a: 1)`), or both.
 *   item   := '<' ( '*' | NAME (',' NAME)* ) '>'  |  target OP expression
 *   OP     := = += -= *= /= .= ,= //= ||=
 */
export function parseMap(inline: Cursor | null, children: readonly LineNode[], diags: DiagnosticBag): MapItem[] {
  const items: MapItem[] = [];
  if (inline && !inline.atEnd()) parseItems(inline, items);
  for (const child of children) {
    noChildren(child, 'an assignment', diags);
    parseItems(lineCursor(child, diags), items);
  }
  return items;
}

function parseItems(cur: Cursor, out: MapItem[]): void {
  if (cur.peek()?.kind === 'perl' && cur.tokens.length === 1) return; // reported by the tokenizer
  for (;;) {
    const item = cur.isOp('<') ? parseCopy(cur) : parseAssignment(cur);
    if (!item) return;
    out.push(item);
    cur.eatOp(';');
    if (cur.atEnd()) return;
    if (!cur.eatOp(',')) {
      cur.fail("expected ',' or the end of the line after an assignment");
      return;
    }
  }
}

function parseCopy(cur: Cursor): MapItem | null {
  const open = cur.next() as Token;
  if (cur.isOp('*')) {
    cur.next();
    const close = cur.eatOp('>');
    if (!close) return cur.fail("expected '>' after '<*'");
    return { kind: 'copy', names: '*', span: spanFrom(open.span, close.span) };
  }
  const names: Name[] = [];
  for (;;) {
    const tok = cur.peek();
    if (!tok || (tok.kind !== 'name' && tok.kind !== 'string')) return cur.fail('expected a name in <...>');
    cur.next();
    names.push({ name: String(tok.value), span: tok.span });
    if (!cur.eatOp(',')) break;
  }
  const close = cur.eatOp('>');
  if (!close) return cur.fail("expected '>' to close <...>");
  return { kind: 'copy', names, span: spanFrom(open.span, close.span) };
}

function parseAssignment(cur: Cursor): MapItem | null {
  const target = parseExpression(cur);
  if (!target) return null;
  if (target.kind !== 'var') {
    cur.diags.report('WF_SYNTAX', target.span, 'the left side of an assignment must be a variable such as v.name or name');
    return null;
  }
  const opTok = cur.peek();
  if (!opTok || opTok.kind !== 'op' || !(ASSIGN_OPS as readonly string[]).includes(opTok.text)) {
    return cur.fail(`expected an assignment operator (${ASSIGN_OPS.join(' ')})`);
  }
  cur.next();
  const value = parseExpression(cur);
  if (!value) return null;
  return { kind: 'assign', target, op: opTok.text as AssignOp, value, span: spanFrom(target.span, value.span) };
}
