import { Cursor } from './cursor.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Name } from './ast.js';
import type { LineNode } from './lexer.js';
import { spanFrom } from './span.js';

/** Helpers shared by the section, statement and map parsers. */
export function lineCursor(node: LineNode, diags: DiagnosticBag): Cursor {
  return new Cursor(node.line.tokens, node.line.endSpan, diags);
}

/**
 * A name such as a workflow, action, lock type or label: a bare word, dotted words written without
 * spaces (`prov.vhost_event`), or a quoted string (`'prov.get_ip_list'`).
 */
export function parseName(cur: Cursor, what: string): Name | null {
  const tok = cur.peek();
  if (tok?.kind === 'string') {
    cur.next();
    return { name: String(tok.value), span: tok.span };
  }
  if (tok?.kind !== 'name') return cur.fail(`expected ${what}`);
  cur.next();
  let name = tok.text;
  let span = tok.span;
  for (;;) {
    const dot = cur.peek();
    const part = cur.peek(1);
    if (!dot || dot.kind !== 'op' || dot.text !== '.' || dot.spaceBefore || !part || part.kind !== 'name' || part.spaceBefore) break;
    cur.next();
    cur.next();
    name += `.${part.text}`;
    span = spanFrom(span, part.span);
  }
  return { name, span };
}

/** Consumes the `:` that ends a block header; `inline` says whether text may follow it on the line. */
export function expectColon(cur: Cursor, what: string, inline: boolean): boolean {
  if (!cur.eatOp(':')) {
    cur.fail(`expected ':' after ${what}`);
    return false;
  }
  if (!inline) return cur.expectEnd(`'${what}:'`);
  return true;
}

/** Reports children under a line that takes none. */
export function noChildren(node: LineNode, what: string, diags: DiagnosticBag): void {
  const first = node.children[0];
  if (first) diags.report('WF_SYNTAX', first.line.span, `unexpected indented block under ${what}`);
}

export function firstWord(node: LineNode): string | undefined {
  const tok = node.line.tokens[0];
  return tok?.kind === 'name' ? tok.text : undefined;
}
