import type { DiagnosticBag, DiagnosticCode } from './diagnostics.js';
import type { Token } from './expr/tokens.js';
import type { Span } from './span.js';

/** A read position over the tokens of one logical line (newline tokens already removed). */
export class Cursor {
  private pos = 0;

  constructor(readonly tokens: readonly Token[], readonly endSpan: Span, readonly diags: DiagnosticBag) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  next(): Token | undefined {
    const tok = this.tokens[this.pos];
    if (tok) this.pos++;
    return tok;
  }

  isOp(text: string, offset = 0): boolean {
    const tok = this.peek(offset);
    return tok !== undefined && tok.kind === 'op' && tok.text === text;
  }

  isName(text?: string, offset = 0): boolean {
    const tok = this.peek(offset);
    return tok !== undefined && tok.kind === 'name' && (text === undefined || tok.text === text);
  }

  eatOp(text: string): Token | undefined {
    return this.isOp(text) ? this.next() : undefined;
  }

  eatName(text: string): Token | undefined {
    return this.isName(text) ? this.next() : undefined;
  }

  /** Span of the current token, or the end of the line when there is none. */
  here(): Span {
    return this.peek()?.span ?? this.endSpan;
  }

  /** Reports an error at the current token; callers then give up on the line. */
  fail(message: string, code: DiagnosticCode = 'WF_SYNTAX'): null {
    const tok = this.peek();
    const found = tok ? (tok.kind === 'perl' ? '' : ` but found '${tok.text}'`) : ' at the end of the line';
    if (tok?.kind !== 'perl') this.diags.report(code, this.here(), `${message}${found}`);
    return null;
  }

  /** Drops a JobCenter-style trailing `;` and reports anything else left on the line. */
  expectEnd(what: string): boolean {
    this.eatOp(';');
    if (this.atEnd()) return true;
    this.fail(`unexpected text after ${what}`);
    return false;
  }
}
