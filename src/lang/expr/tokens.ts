import type { DiagnosticBag } from '../diagnostics.js';
import type { Span } from '../span.js';

/**
 * The one tokenizer of the language, shared by the statement parser and the expression parser: whole
 * lines are tokenized so that `#` comments, strings and `[[ perl ]]` blocks are recognised in one place.
 * A newline token ends each physical line, except inside a perl block (which may span lines).
 */
export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'regex' | 'perl' | 'newline' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The operator or name as written; for strings and regexes the raw text. */
  text: string;
  /** Decoded value: the string's content, the number, or the regex pattern. */
  value: string | number | null;
  /** Regex flags. */
  flags: string;
  span: Span;
  /** Whether whitespace separates this token from the previous one (tells `v.a.b` from `x . y`). */
  spaceBefore: boolean;
}

const OPERATORS = ['//=', '||=', '**', '//', '||', '&&', '==', '!=', '<=', '>=', '+=', '-=', '*=', '/=', '.=', ',=',
  '+', '-', '*', '/', '%', '.', ',', ':', '(', ')', '[', ']', '<', '>', '=', '!', '~', ';'];
const NAME_START = /[\p{L}_]/u;
const NAME_PART = /[\p{L}\p{N}_]/u;
const DIGIT = /[0-9]/;

export function tokenize(file: string, text: string, diags: DiagnosticBag): Token[] {
  return new Tokenizer(file, text, diags).run();
}

class Tokenizer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];
  private space = true;
  private cachedLineStart = -1;
  private cachedLineEnd = 0;

  constructor(private readonly file: string, private readonly text: string, private readonly diags: DiagnosticBag) {}

  run(): Token[] {
    const t = this.text;
    while (this.pos < t.length) {
      const ch = t[this.pos] as string;
      if (ch === '\n' || ch === '\r') {
        this.push('newline', ch, null, this.pos, this.pos + 1);
        this.pos += ch === '\r' && t[this.pos + 1] === '\n' ? 2 : 1;
        this.newLine();
      } else if (ch === ' ' || ch === '\t') {
        this.pos++;
        this.space = true;
      } else if (ch === '#') {
        while (this.pos < t.length && t[this.pos] !== '\n' && t[this.pos] !== '\r') this.pos++;
      } else if (ch === '[' && t[this.pos + 1] === '[') {
        this.perl();
      } else if (ch === "'" || ch === '"') {
        this.string(ch);
      } else if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(t[this.pos + 1] ?? '') && this.numberMayStart())) {
        this.number();
      } else if (NAME_START.test(ch)) {
        const start = this.pos;
        while (this.pos < t.length && NAME_PART.test(t[this.pos] as string)) this.pos++;
        this.push('name', t.slice(start, this.pos), t.slice(start, this.pos), start, this.pos);
      } else {
        this.operator();
      }
    }
    this.push('newline', '', null, this.pos, this.pos);
    this.push('eof', '', null, this.pos, this.pos);
    return this.tokens;
  }

  private newLine(): void {
    this.line++;
    this.lineStart = this.pos;
    this.space = true;
  }

  private span(start: number, end: number, line = this.line, lineStart = this.lineStart): Span {
    const endOnLine = Math.min(end, this.lineEnd(lineStart));
    return { file: this.file, line, col: start - lineStart + 1, endLine: line, endCol: Math.max(endOnLine, start + 1) - lineStart + 1 };
  }

  /** End of the line starting at `lineStart`, cached: spans are computed for every token of a line. */
  private lineEnd(lineStart: number): number {
    if (lineStart !== this.cachedLineStart) {
      let k = lineStart;
      while (k < this.text.length && this.text[k] !== '\n' && this.text[k] !== '\r') k++;
      this.cachedLineStart = lineStart;
      this.cachedLineEnd = k;
    }
    return this.cachedLineEnd;
  }

  private push(kind: TokenKind, text: string, value: string | number | null, start: number, end: number, flags = ''): void {
    this.tokens.push({ kind, text, value, flags, span: this.span(start, end), spaceBefore: this.space });
    this.space = false;
  }

  private error(start: number, end: number, message: string): void {
    this.diags.report('WF_SYNTAX', this.span(start, end), message);
  }

  private numberMayStart(): boolean {
    const prev = this.tokens[this.tokens.length - 1];
    if (!prev || this.space || prev.kind === 'newline') return true;
    return !(prev.kind === 'name' || prev.kind === 'number' || prev.kind === 'string' || prev.text === ')' || prev.text === ']');
  }

  private number(): void {
    const t = this.text;
    const start = this.pos;
    const hex = /^0[xX][0-9a-fA-F]+/.exec(t.slice(start));
    const dec = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(t.slice(start));
    const raw = hex ? hex[0] : (dec as RegExpExecArray)[0];
    this.pos += raw.length;
    if (NAME_PART.test(t[this.pos] ?? '')) {
      while (this.pos < t.length && NAME_PART.test(t[this.pos] as string)) this.pos++;
      this.error(start, this.pos, `malformed number '${t.slice(start, this.pos)}'`);
    }
    this.push('number', raw, hex ? parseInt(raw.slice(2), 16) : Number(raw), start, this.pos);
  }

  private string(quote: string): void {
    const t = this.text;
    const start = this.pos++;
    let out = '';
    while (this.pos < t.length && t[this.pos] !== quote && t[this.pos] !== '\n' && t[this.pos] !== '\r') {
      const ch = t[this.pos] as string;
      if (ch === '\\') {
        const next = t[this.pos + 1] ?? '';
        const decoded = quote === "'" ? ({ "'": "'", '\\': '\\' } as Record<string, string>)[next]
          : ({ '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', '0': '\0', "'": "'" } as Record<string, string>)[next];
        if (decoded !== undefined) {
          out += decoded;
          this.pos += 2;
          continue;
        }
        if (quote === '"') this.error(this.pos, this.pos + 2, `unknown escape '\\${next}' in a string`);
      }
      out += ch;
      this.pos++;
    }
    if (t[this.pos] !== quote) {
      this.error(start, this.pos, 'unterminated string: a string must end on the line where it starts');
    } else {
      this.pos++;
    }
    this.push('string', t.slice(start, this.pos), out, start, this.pos);
  }

  /** `[[ ... ]]`: JobCenter's embedded Perl, reported here once and kept as a token so parsing goes on. */
  private perl(): void {
    const t = this.text;
    const start = this.pos;
    const startLine = this.line;
    const startLineStart = this.lineStart;
    const close = t.indexOf(']]', start + 2);
    const end = close < 0 ? t.length : close + 2;
    const span = this.span(start, end, startLine, startLineStart);
    this.diags.report('WF_PERL_UNSUPPORTED', span,
      close < 0 ? 'unterminated [[ perl ]] block; Perl is not supported: write an expression'
        : 'JobCenter [[ perl ]] blocks are not supported: write the same logic as an Ordo expression');
    for (let k = start; k < end; k++) {
      if (t[k] === '\n') {
        this.line++;
        this.lineStart = k + 1;
      }
    }
    this.pos = end;
    this.tokens.push({ kind: 'perl', text: t.slice(start, end), value: null, flags: '', span, spaceBefore: this.space });
    this.space = false;
  }

  private operator(): void {
    const t = this.text;
    const start = this.pos;
    const op = OPERATORS.find((o) => t.startsWith(o, start));
    if (!op) {
      this.pos++;
      this.error(start, this.pos, `unexpected character '${t[start] as string}'`);
      return;
    }
    this.pos += op.length;
    this.push('op', op, null, start, this.pos);
    if (op === '~') this.regex();
  }

  /** A regex literal follows `~` (and only `~`), so `/` is never ambiguous with division. */
  private regex(): void {
    const t = this.text;
    while (t[this.pos] === ' ' || t[this.pos] === '\t') this.pos++;
    if (t[this.pos] !== '/') return;
    const start = this.pos++;
    let inClass = false;
    let pattern = '';
    while (this.pos < t.length && t[this.pos] !== '\n' && t[this.pos] !== '\r' && (inClass || t[this.pos] !== '/')) {
      const ch = t[this.pos] as string;
      if (ch === '\\' && this.pos + 1 < t.length && t[this.pos + 1] !== '\n') {
        pattern += ch + (t[this.pos + 1] as string);
        this.pos += 2;
        continue;
      }
      if (ch === '[') inClass = true;
      else if (ch === ']') inClass = false;
      pattern += ch;
      this.pos++;
    }
    if (t[this.pos] !== '/') {
      this.error(start, this.pos, 'unterminated regular expression: it must end with / on the same line');
      this.push('regex', t.slice(start, this.pos), pattern, start, this.pos);
      return;
    }
    this.pos++;
    const flagStart = this.pos;
    while (/[a-z]/.test(t[this.pos] ?? '')) this.pos++;
    this.space = true;
    this.push('regex', t.slice(start, this.pos), pattern, start, this.pos, t.slice(flagStart, this.pos));
  }
}
