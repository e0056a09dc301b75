import type { Cursor } from '../cursor.js';
import { spanFrom, type Span } from '../span.js';
import type { Token } from './tokens.js';
import { NAMESPACES, type Accessor, type Arg, type BinaryOp, type Expr, type Namespace, type UnaryOp } from './ast.js';

/**
 * Expression parser: precedence climbing over the levels of LANGUAGE.md, loosest first:
 *   or xor · and · not · || // · && · == != eq ne · < <= > >= lt le gt ge · + - . · * / % · ** · ! - + · ~ /re/
 * It stops at the first token that cannot continue an expression (`,` `:` `)` an assignment operator, the
 * end of the line) and leaves it to the caller. On a syntax error it reports once and returns null.
 */
const LEVELS: ReadonlyArray<readonly string[]> = [
  ['or', 'xor'],
  ['and'],
  [], // `not` (prefix) sits here
  ['||', '//'],
  ['&&'],
  ['==', '!=', 'eq', 'ne'],
  ['<', '<=', '>', '>=', 'lt', 'le', 'gt', 'ge'],
  ['+', '-', '.'],
  ['*', '/', '%'],
];
const NOT_LEVEL = 2;
const WORD_OPERATORS = new Set(['or', 'xor', 'and', 'not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const LITERAL_WORDS: Record<string, boolean | null> = { true: true, false: false, null: null, TRUE: true, FALSE: false, NULL: null };

export function parseExpression(cur: Cursor): Expr | null {
  return new ExprParser(cur).level(0);
}

/** Bounds on one expression, so that later tree walks cannot exhaust the stack. */
const MAX_NESTING = 200;
const MAX_OPERATORS = 2_000;

class ExprParser {
  private depth = 0;
  private operators = 0;

  constructor(private readonly cur: Cursor) {}

  private operatorAt(ops: readonly string[]): string | undefined {
    const tok = this.cur.peek();
    if (!tok) return undefined;
    if (tok.kind === 'op' && ops.includes(tok.text)) return tok.text;
    if (tok.kind === 'name' && WORD_OPERATORS.has(tok.text) && ops.includes(tok.text)) return tok.text;
    return undefined;
  }

  level(n: number): Expr | null {
    if (n === NOT_LEVEL) return this.notLevel();
    if (n >= LEVELS.length) return this.power();
    let left = this.level(n + 1);
    if (!left) return null;
    for (let op = this.operatorAt(LEVELS[n] as readonly string[]); op; op = this.operatorAt(LEVELS[n] as readonly string[])) {
      if (++this.operators > MAX_OPERATORS) return this.cur.fail(`expression with more than ${MAX_OPERATORS} operators`);
      this.cur.next();
      const right = this.level(n + 1);
      if (!right) return null;
      left = { kind: 'binary', op: op as BinaryOp, left, right, span: spanFrom(left.span, right.span) };
    }
    return left;
  }

  private notLevel(): Expr | null {
    const tok = this.cur.peek();
    if (tok?.kind === 'name' && tok.text === 'not') {
      this.cur.next();
      return this.nested(() => this.notLevel(), (operand) => ({ kind: 'unary', op: 'not', operand, span: spanFrom(tok.span, operand.span) }));
    }
    return this.level(NOT_LEVEL + 1);
  }

  /** `**` is right-associative and its operands are unary expressions. */
  private power(): Expr | null {
    const base = this.unary();
    if (!base || !this.cur.isOp('**')) return base;
    this.cur.next();
    return this.nested(() => this.power(), (right) => ({ kind: 'binary', op: '**', left: base, right, span: spanFrom(base.span, right.span) }));
  }

  private unary(): Expr | null {
    const tok = this.cur.peek();
    if (tok?.kind === 'op' && (tok.text === '!' || tok.text === '-' || tok.text === '+')) {
      this.cur.next();
      return this.nested(() => this.unary(), (operand) => ({ kind: 'unary', op: tok.text as UnaryOp, operand, span: spanFrom(tok.span, operand.span) }));
    }
    return this.match();
  }

  /** Guards recursion so a line of ten thousand `(` or `!` cannot overflow the stack. */
  private nested(inner: () => Expr | null, wrap: (e: Expr) => Expr): Expr | null {
    if (++this.depth > MAX_NESTING) {
      this.cur.fail('expression nested too deeply');
      return null;
    }
    const e = inner();
    this.depth--;
    return e ? wrap(e) : null;
  }

  private match(): Expr | null {
    let subject = this.primary();
    while (subject && this.cur.isOp('~')) {
      this.cur.next();
      const re = this.cur.peek();
      if (!re || re.kind !== 'regex') return this.cur.fail("expected a regular expression /.../ after '~'");
      this.cur.next();
      subject = { kind: 'match', subject, pattern: String(re.value), flags: re.flags, span: spanFrom(subject.span, re.span) };
    }
    return subject;
  }

  private primary(): Expr | null {
    const tok = this.cur.peek();
    if (!tok) return this.cur.fail('expected a value');
    switch (tok.kind) {
      case 'number':
      case 'string':
        this.cur.next();
        return { kind: 'literal', value: tok.value, span: tok.span };
      case 'perl':
        this.cur.next();
        return { kind: 'perl', span: tok.span };
      case 'name':
        return this.named(tok);
      case 'op':
        if (tok.text === '(') {
          this.cur.next();
          const inner = this.nested(() => this.level(0), (e) => e);
          if (!inner) return null;
          if (!this.cur.eatOp(')')) return this.cur.fail("expected ')'");
          return inner;
        }
        return this.cur.fail('expected a value');
      case 'regex':
      case 'newline':
      case 'eof':
        return this.cur.fail('expected a value');
      default: {
        const never: never = tok.kind;
        return never;
      }
    }
  }

  private named(tok: Token): Expr | null {
    const word = tok.text;
    if (Object.hasOwn(LITERAL_WORDS, word)) {
      this.cur.next();
      return { kind: 'literal', value: LITERAL_WORDS[word] as boolean | null, span: tok.span };
    }
    if (WORD_OPERATORS.has(word)) return this.cur.fail('expected a value');
    this.cur.next();
    if (this.cur.isOp('(')) return this.call(tok);
    let ns: Namespace | null = null;
    let name = word;
    let end = tok.span;
    if ((NAMESPACES as readonly string[]).includes(word) && this.pathDotAhead()) {
      this.cur.next();
      const seg = this.cur.next() as Token;
      ns = word as Namespace;
      name = String(seg.value);
      end = seg.span;
    } else if ((NAMESPACES as readonly string[]).includes(word) && this.cur.isOp('.') && !this.cur.peek()?.spaceBefore) {
      this.cur.next();
      return this.cur.fail(`expected a name after '${word}.'`);
    }
    const path: Accessor[] = [];
    for (;;) {
      if (this.pathDotAhead()) {
        this.cur.next();
        const seg = this.cur.next() as Token;
        path.push({ kind: 'field', name: String(seg.value), span: seg.span });
        end = seg.span;
      } else if (this.cur.isOp('[') && !this.cur.peek()?.spaceBefore) {
        const open = this.cur.next() as Token;
        const index = this.nested(() => this.level(0), (e) => e);
        if (!index) return null;
        const close = this.cur.eatOp(']');
        if (!close) return this.cur.fail("expected ']'");
        path.push({ kind: 'index', index, span: spanFrom(open.span, close.span) });
        end = close.span;
      } else {
        break;
      }
    }
    return { kind: 'var', ns, name, path, span: spanFrom(tok.span, end) };
  }

  /** A `.` glued to both neighbours and followed by a name or quoted name continues a path. */
  private pathDotAhead(): boolean {
    const dot = this.cur.peek();
    const seg = this.cur.peek(1);
    return dot !== undefined && dot.kind === 'op' && dot.text === '.' && !dot.spaceBefore
      && seg !== undefined && (seg.kind === 'name' || seg.kind === 'string') && !seg.spaceBefore;
  }

  private call(name: Token): Expr | null {
    this.cur.next();
    const args: Arg[] = [];
    if (!this.cur.isOp(')')) {
      for (;;) {
        const first = this.nested(() => this.level(0), (e) => e);
        if (!first) return null;
        if (this.cur.eatOp(':')) {
          const value = this.nested(() => this.level(0), (e) => e);
          if (!value) return null;
          args.push({ key: keyOf(first), value });
        } else {
          args.push({ key: null, value: first });
        }
        if (!this.cur.eatOp(',')) break;
      }
    }
    const close = this.cur.eatOp(')');
    if (!close) return this.cur.fail("expected ',' or ')' in the argument list");
    const span: Span = spanFrom(name.span, close.span);
    return { kind: 'call', fn: name.text, args, span };
  }
}

/** In `object(name: value)` a bare name is the key itself, not a variable. */
function keyOf(e: Expr): Expr {
  if (e.kind === 'var' && e.ns === null && e.path.length === 0) return { kind: 'literal', value: e.name, span: e.span };
  return e;
}
