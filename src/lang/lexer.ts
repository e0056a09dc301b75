import type { DiagnosticBag } from './diagnostics.js';
import { tokenize, type Token } from './expr/tokens.js';
import { spanFrom, type Span } from './span.js';

/**
 * Turns a file into a tree of logical lines by indentation. A tab counts as 8 spaces (as in JobCenter).
 * A line's children are the following lines indented deeper than it; siblings must line up. Blank lines
 * and comments vanish in the tokenizer. A `[[ perl ]]` block spanning lines stays inside one logical line.
 */
export const TAB_WIDTH = 8;
/** Deeper blocks are reported and kept at this depth, so the recursive passes stay within the stack. */
export const MAX_BLOCK_DEPTH = 100;

export interface Line {
  tokens: Token[];
  /** Visual indentation width. */
  indent: number;
  /** Span of the first through the last token. */
  span: Span;
  /** A point just after the last token, for "expected ... at the end of the line". */
  endSpan: Span;
}

export interface LineNode {
  line: Line;
  children: LineNode[];
}

export function lexFile(file: string, text: string, diags: DiagnosticBag): LineNode[] {
  const sourceLines = text.split(/\r\n|\r|\n/);
  const lines = groupLines(tokenize(file, text, diags), sourceLines);
  return buildTree(lines, diags);
}

function visualWidth(prefix: string): number {
  let width = 0;
  for (const ch of prefix) width += ch === '\t' ? TAB_WIDTH : 1;
  return width;
}

function groupLines(tokens: Token[], sourceLines: string[]): Line[] {
  const lines: Line[] = [];
  let current: Token[] = [];
  for (const tok of tokens) {
    if (tok.kind !== 'newline' && tok.kind !== 'eof') {
      current.push(tok);
      continue;
    }
    if (current.length > 0) {
      const first = current[0] as Token;
      const last = current[current.length - 1] as Token;
      const prefix = (sourceLines[first.span.line - 1] ?? '').slice(0, first.span.col - 1);
      const endSpan: Span = { file: last.span.file, line: last.span.endLine, col: last.span.endCol, endLine: last.span.endLine, endCol: last.span.endCol + 1 };
      lines.push({ tokens: current, indent: visualWidth(prefix), span: spanFrom(first.span, last.span), endSpan });
    }
    current = [];
  }
  return lines;
}

function buildTree(lines: Line[], diags: DiagnosticBag): LineNode[] {
  const roots: LineNode[] = [];
  const stack: Array<{ indent: number; children: LineNode[] }> = [{ indent: -1, children: roots }];
  let reported = false;
  for (const line of lines) {
    while ((stack[stack.length - 1] as { indent: number }).indent >= line.indent) stack.pop();
    const tooDeep = stack.length > MAX_BLOCK_DEPTH;
    if (tooDeep) {
      if (!reported) diags.report('WF_SYNTAX', line.span, `blocks nested more than ${MAX_BLOCK_DEPTH} levels deep`);
      reported = true;
      stack.length = MAX_BLOCK_DEPTH;
    }
    const parent = stack[stack.length - 1] as { indent: number; children: LineNode[] };
    const sibling = parent.children[0];
    if (sibling && sibling.line.indent !== line.indent && !tooDeep) {
      diags.report('WF_INDENT', line.span,
        `this line is indented by ${line.indent} columns but its block is indented by ${sibling.line.indent} (a tab counts as ${TAB_WIDTH})`);
    }
    const node: LineNode = { line, children: [] };
    parent.children.push(node);
    stack.push({ indent: line.indent, children: node.children });
  }
  return roots;
}
