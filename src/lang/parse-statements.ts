import type { EventOp, IfBranch, MapItem, Name, Stmt } from './ast.js';
import { parseCase, parseSplit, type BlockContext } from './parse-compound.js';
import type { Cursor } from './cursor.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Expr } from './expr/ast.js';
import { parseExpression } from './expr/parser.js';
import type { LineNode } from './lexer.js';
import { parseMap } from './parse-maps.js';
import { expectColon, firstWord, lineCursor, noChildren, parseName } from './parse-util.js';
import type { Span } from './span.js';

/**
 * Statements of a `do:` block. A statement is one line plus its indented children; a few take the
 * following sibling lines too (`elsif`/`else`, `until`, `catch`, `into:`, `collect:`, and `when` when it is
 * written level with `case`). A line that cannot be parsed is reported and skipped with its children,
 * so one mistake never hides the next.
 */
const EVENT_OPS: readonly string[] = ['subscribe', 'unsubscribe', 'raise_event', 'wait_for_event'];
const CONTINUATIONS: Record<string, string> = {
  elsif: "'elsif' without an 'if' before it", else: "'else' without an 'if' or 'case' before it",
  until: "'until' without a 'repeat:' before it", catch: "'catch' without a 'try:' before it",
  into: "'into:' without a 'call', 'callflow' or 'wait_for_event' before it", collect: "'collect:' without a 'map' before it",
  when: "'when' outside a 'case'", callflow: "'callflow' outside a 'split:'",
};

export function parseBlock(nodes: readonly LineNode[], diags: DiagnosticBag): Stmt[] {
  return new BlockParser(nodes, diags).run();
}

class BlockParser implements BlockContext {
  private k = 0;
  private readonly out: Stmt[] = [];

  constructor(private readonly nodes: readonly LineNode[], readonly diags: DiagnosticBag) {}

  run(): Stmt[] {
    while (this.k < this.nodes.length) {
      const node = this.nodes[this.k++] as LineNode;
      const stmt = this.statement(node);
      if (stmt) this.out.push(stmt);
    }
    return this.out;
  }

  /** The next sibling when it starts with `word`, consumed. */
  sibling(word: string): LineNode | undefined {
    const node = this.nodes[this.k];
    if (node && firstWord(node) === word) {
      this.k++;
      return node;
    }
    return undefined;
  }

  body(node: LineNode, what: string): Stmt[] {
    if (node.children.length === 0) this.diags.report('WF_SYNTAX', node.line.endSpan, `expected an indented block after '${what}'`);
    return parseBlock(node.children, this.diags);
  }

  private map(cur: Cursor, node: LineNode): MapItem[] {
    return parseMap(cur, node.children, this.diags);
  }

  private statement(node: LineNode): Stmt | null {
    const cur = lineCursor(node, this.diags);
    const first = cur.peek();
    if (first?.kind === 'perl') return null; // already reported where it stands
    const word = first?.kind === 'name' ? first.text : undefined;
    if (word === undefined) return cur.fail('expected a statement');
    cur.next();
    const span = node.line.span;
    switch (word) {
      case 'call': return this.call(cur, node, span);
      case 'if': return this.ifStmt(cur, node, span);
      case 'while': {
        const cond = this.headerExpr(cur, 'while');
        return cond && { kind: 'while', cond, body: this.body(node, 'while'), span };
      }
      case 'repeat': return this.repeat(cur, node, span);
      case 'case': return parseCase(this, cur, node, span);
      case 'eval':
      case 'let':
        if (!expectColon(cur, word, true)) return null;
        return { kind: 'eval', keyword: word, items: this.map(cur, node), span };
      case 'try': return this.tryStmt(cur, node, span);
      case 'raise_error': {
        const value = this.lineExpr(cur, node, 'raise_error');
        return value && { kind: 'raise_error', value, span };
      }
      case 'assert': return this.assert(cur, node, span);
      case 'goto':
      case 'label': {
        const label = parseName(cur, 'a label name');
        if (!label || !cur.expectEnd('the label')) return null;
        noChildren(node, word, this.diags);
        return word === 'goto' ? { kind: 'goto', label, span } : { kind: 'label', label, span };
      }
      case 'return':
        noChildren(node, 'return', this.diags);
        return cur.expectEnd("'return'") ? { kind: 'return', span } : null;
      case 'split': return parseSplit(this, cur, node, span);
      case 'map': return this.mapStmt(cur, node, span);
      case 'detachflow': {
        const callee = parseName(cur, 'a workflow name');
        if (!callee || !expectColon(cur, 'detachflow NAME', true)) return null;
        return { kind: 'detachflow', callee, input: this.map(cur, node), span };
      }
      case 'lock':
      case 'unlock':
      case 'wait_for_lock': return this.lock(word, cur, node, span);
      case 'sleep': return this.sleep(cur, node, span);
      default:
        if (EVENT_OPS.includes(word)) {
          if (!expectColon(cur, word, true)) return null;
          const settings = this.map(cur, node);
          const into = word === 'wait_for_event' ? this.into() : null;
          return { kind: 'event', op: word as EventOp, settings, into, span };
        }
        this.diags.report('WF_SYNTAX', first?.span ?? span, CONTINUATIONS[word] ?? `unknown statement '${word}'`);
        return null;
    }
  }

  /** `KEYWORD EXPR:` with nothing after the colon. */
  headerExpr(cur: Cursor, what: string): Expr | null {
    const e = parseExpression(cur);
    if (!e || !expectColon(cur, `${what} condition`, false)) return null;
    return e;
  }

  /** `KEYWORD EXPR` alone on its line. */
  private lineExpr(cur: Cursor, node: LineNode, what: string): Expr | null {
    const e = parseExpression(cur);
    if (!e || !cur.expectEnd(`the ${what} expression`)) return null;
    noChildren(node, what, this.diags);
    return e;
  }

  private into(): MapItem[] | null {
    const node = this.sibling('into');
    if (!node) return null;
    const cur = lineCursor(node, this.diags);
    cur.next();
    if (!expectColon(cur, 'into', true)) return [];
    return this.map(cur, node);
  }

  private call(cur: Cursor, node: LineNode, span: Span): Stmt | null {
    const callee = parseName(cur, 'the name of an action or workflow');
    if (!callee || !expectColon(cur, 'call NAME', true)) {
      this.into();
      return null;
    }
    const input = this.map(cur, node);
    return { kind: 'call', callee, input, into: this.into(), span };
  }

  private ifStmt(cur: Cursor, node: LineNode, span: Span): Stmt | null {
    const branches: IfBranch[] = [];
    const cond = this.headerExpr(cur, 'if');
    if (cond) branches.push({ cond, body: this.body(node, 'if'), span });
    let otherwise: Stmt[] | null = null;
    for (;;) {
      const elsif = this.sibling('elsif');
      if (elsif) {
        const c = lineCursor(elsif, this.diags);
        c.next();
        const e = this.headerExpr(c, 'elsif');
        if (e) branches.push({ cond: e, body: this.body(elsif, 'elsif'), span: elsif.line.span });
        continue;
      }
      const els = this.sibling('else');
      if (els) {
        const c = lineCursor(els, this.diags);
        c.next();
        if (expectColon(c, 'else', false)) otherwise = this.body(els, 'else');
      }
      break;
    }
    return cond ? { kind: 'if', branches, otherwise, span } : null;
  }

  private repeat(cur: Cursor, node: LineNode, span: Span): Stmt | null {
    const ok = expectColon(cur, 'repeat', false);
    const body = this.body(node, 'repeat');
    const until = this.sibling('until');
    if (!until) {
      this.diags.report('WF_SYNTAX', span, "'repeat:' needs an 'until CONDITION' line level with it after its block");
      return null;
    }
    const c = lineCursor(until, this.diags);
    c.next();
    const cond = this.lineExpr(c, until, 'until');
    return ok && cond ? { kind: 'repeat', body, until: cond, span } : null;
  }

  private tryStmt(cur: Cursor, node: LineNode, span: Span): Stmt | null {
    const ok = expectColon(cur, 'try', false);
    const body = this.body(node, 'try');
    const catchNode = this.sibling('catch');
    if (!catchNode) {
      this.diags.report('WF_SYNTAX', span, "'try:' needs a 'catch:' block level with it after its block");
      return null;
    }
    const c = lineCursor(catchNode, this.diags);
    c.next();
    if (!expectColon(c, 'catch', false)) return null;
    const handler = this.body(catchNode, 'catch');
    return ok ? { kind: 'try', body, handler, span } : null;
  }

  private assert(cur: Cursor, node: LineNode, span: Span): Stmt | null {
    const cond = parseExpression(cur);
    if (!cond || !expectColon(cur, 'assert condition', true)) return null;
    let message: Expr | null = null;
    if (!cur.atEnd()) {
      message = parseExpression(cur);
      if (message && !cur.expectEnd('the assert message')) return null;
      noChildren(node, 'an assert with an inline message', this.diags);
    } else if (node.children.length === 1) {
      const child = node.children[0] as LineNode;
      const c = lineCursor(child, this.diags);
      message = parseExpression(c);
      if (message && !c.expectEnd('the assert message')) return null;
      noChildren(child, 'the assert message', this.diags);
    } else {
      this.diags.report('WF_SYNTAX', node.line.endSpan, "'assert COND:' needs one message expression, after the colon or on the next line");
    }
    return message ? { kind: 'assert', cond, message, span } : null;
  }

  private mapStmt(cur: Cursor, node: LineNode, span: Span): Stmt | null {
    const callee = parseName(cur, 'a workflow name');
    if (!callee) return null;
    if (!cur.eatName('using')) return cur.fail("expected 'using ARRAY' after the workflow name");
    const using = parseExpression(cur);
    if (!using || !expectColon(cur, 'map NAME using ARRAY', true)) return null;
    const input = this.map(cur, node);
    const collectNode = this.sibling('collect');
    let collect: MapItem[] | null = null;
    if (collectNode) {
      const c = lineCursor(collectNode, this.diags);
      c.next();
      collect = expectColon(c, 'collect', true) ? this.map(c, collectNode) : [];
    }
    return { kind: 'map', callee, using, input, collect, span };
  }

  private lock(op: 'lock' | 'unlock' | 'wait_for_lock', cur: Cursor, node: LineNode, span: Span): Stmt | null {
    const lockType: Name | null = parseName(cur, 'a lock type');
    if (!lockType) return null;
    if (op === 'wait_for_lock' || cur.isOp(':')) {
      if (!expectColon(cur, `${op} TYPE`, true)) return null;
      return { kind: 'lock', op, lockType, settings: this.map(cur, node), span };
    }
    const value = this.lineExpr(cur, node, `${op} value`);
    if (!value) return null;
    return { kind: 'lock', op, lockType, settings: [settingOf('value', value)], span };
  }

  private sleep(cur: Cursor, node: LineNode, span: Span): Stmt | null {
    if (cur.eatOp(':')) return { kind: 'sleep', settings: this.map(cur, node), span };
    const value = this.lineExpr(cur, node, 'sleep');
    return value && { kind: 'sleep', settings: [settingOf('timeout', value)], span };
  }
}

/** The inline argument of `sleep X` / `lock T X` as the setting it stands for. */
function settingOf(name: string, value: Expr): MapItem {
  return {
    kind: 'assign', op: '=', value, span: value.span,
    target: { kind: 'var', ns: 'i', name, path: [], span: value.span },
  };
}

