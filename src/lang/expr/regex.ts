/**
 * Regular expressions for `EXPR ~ /re/`, with a matcher of our own instead of JavaScript's backtracking
 * engine: a pattern is compiled to a small NFA and simulated breadth-first (Thompson/Pike), so a match
 * costs at most (input length x program size) steps whatever the pattern. That rules out catastrophic
 * backtracking by construction; the price is that backreferences and lookarounds are not supported.
 * Supported: literals and escapes, `.`, classes `[a-z]` `[^...]`, `\d \w \s \D \W \S \b \B`, `^ $`,
 * groups `(...)` `(?:...)`, `|`, quantifiers `* + ? {n} {n,} {n,m}` (lazy `?` suffix accepted), flags `i m s`.
 */
export const MAX_PATTERN_LENGTH = 512;
const MAX_PROGRAM = 5_000;
const MAX_REPEAT = 1_000;

export type ClassItem = { lo: number; hi: number } | { cls: 'd' | 'w' | 's' | 'D' | 'W' | 'S' };
export type CharTest = { kind: 'lit'; cp: number } | { kind: 'any' } | { kind: 'class'; negate: boolean; items: ClassItem[] };
export type AssertKind = 'bol' | 'eol' | 'wordb' | 'nwordb';

export type Inst =
  | { op: 'char'; test: CharTest }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; to: number }
  | { op: 'assert'; kind: AssertKind }
  | { op: 'match' };

export interface RegexProgram {
  insts: Inst[];
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

type Node =
  | { t: 'char'; test: CharTest }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'repeat'; node: Node; min: number; max: number }
  | { t: 'assert'; kind: AssertKind };

class RegexError extends Error {}

const cache = new Map<string, RegexProgram | string>();

/** Compiles a pattern, or returns the reason it is refused. Results are cached (patterns are literals). */
export function compileRegex(pattern: string, flags: string): RegexProgram | string {
  const key = `${flags}/${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let result: RegexProgram | string;
  try {
    result = build(pattern, flags);
  } catch (err) {
    if (!(err instanceof RegexError)) throw err;
    result = err.message;
  }
  if (cache.size > 1_000) cache.clear();
  cache.set(key, result);
  return result;
}

function build(pattern: string, flags: string): RegexProgram {
  if (pattern.length > MAX_PATTERN_LENGTH) throw new RegexError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  for (const f of flags) if (!'ims'.includes(f)) throw new RegexError(`unsupported flag '${f}' (allowed: i, m, s)`);
  const ignoreCase = flags.includes('i');
  const parser = new PatternParser(Array.from(pattern, (c) => c.codePointAt(0) as number), ignoreCase);
  const node = parser.parse();
  const insts: Inst[] = [];
  emit(node, insts);
  insts.push({ op: 'match' });
  return { insts, ignoreCase, multiline: flags.includes('m'), dotAll: flags.includes('s') };
}

export function lowerCp(cp: number): number {
  return String.fromCodePoint(cp).toLowerCase().codePointAt(0) as number;
}

class PatternParser {
  private pos = 0;

  constructor(private readonly src: number[], private readonly ignoreCase: boolean) {}

  parse(): Node {
    const node = this.alt(0);
    if (this.pos < this.src.length) throw new RegexError(`unexpected '${this.ch()}' at offset ${this.pos}`);
    return node;
  }

  private ch(offset = 0): string {
    const cp = this.src[this.pos + offset];
    return cp === undefined ? '' : String.fromCodePoint(cp);
  }

  private alt(depth: number): Node {
    if (depth > 50) throw new RegexError('groups nested too deeply');
    const options = [this.seq(depth)];
    while (this.ch() === '|') {
      this.pos++;
      options.push(this.seq(depth));
    }
    return options.length === 1 ? options[0] as Node : { t: 'alt', options };
  }

  private seq(depth: number): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.ch() !== '|' && this.ch() !== ')') {
      const atom = this.atom(depth);
      items.push(this.quantified(atom));
    }
    return { t: 'seq', items };
  }

  private quantified(atom: Node): Node {
    let min: number;
    let max: number;
    const c = this.ch();
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.rest())) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.rest()) as RegExpExecArray;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) throw new RegexError(`repetition count above ${MAX_REPEAT}`);
      if (max < min) throw new RegexError('repetition {n,m} with m < n');
      this.pos += m[0].length - 1;
    } else {
      return atom;
    }
    this.pos++;
    if (this.ch() === '?') this.pos++;
    if (atom.t === 'assert') throw new RegexError('a quantifier cannot follow an anchor');
    if ('*+?{'.includes(this.ch()) && this.ch() !== '' && !(this.ch() === '{' && !/^\{\d/.test(this.rest()))) {
      throw new RegexError('nested quantifier');
    }
    return { t: 'repeat', node: atom, min, max };
  }

  private rest(): string {
    return String.fromCodePoint(...this.src.slice(this.pos, this.pos + 16));
  }

  private atom(depth: number): Node {
    const c = this.ch();
    this.pos++;
    switch (c) {
      case '(': {
        if (this.ch() === '?') {
          if (this.ch(1) !== ':') throw new RegexError('lookarounds and named groups are not supported');
          this.pos += 2;
        }
        const inner = this.alt(depth + 1);
        if (this.ch() !== ')') throw new RegexError("missing ')'");
        this.pos++;
        return inner;
      }
      case '[':
        return { t: 'char', test: this.charClass() };
      case '.':
        return { t: 'char', test: { kind: 'any' } };
      case '^':
        return { t: 'assert', kind: 'bol' };
      case '$':
        return { t: 'assert', kind: 'eol' };
      case '\\':
        return this.escape(false) as Node;
      case '*': case '+': case '?':
        throw new RegexError(`quantifier '${c}' with nothing to repeat`);
      default:
        return { t: 'char', test: this.literal(this.src[this.pos - 1] as number) };
    }
  }

  private literal(cp: number): CharTest {
    return { kind: 'lit', cp: this.ignoreCase ? lowerCp(cp) : cp };
  }

  /** After a backslash. In a class (`inClass`) anchors make no sense and the result is a class item. */
  private escape(inClass: boolean): Node | ClassItem {
    const c = this.ch();
    this.pos++;
    if (c === '') throw new RegexError('pattern ends with a backslash');
    if ('dwsDWS'.includes(c)) {
      const item: ClassItem = { cls: c as 'd' };
      return inClass ? item : { t: 'char', test: { kind: 'class', negate: false, items: [item] } };
    }
    if (!inClass && (c === 'b' || c === 'B')) return { t: 'assert', kind: c === 'b' ? 'wordb' : 'nwordb' };
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, '0': 0 };
    let cp: number;
    if (Object.hasOwn(simple, c)) cp = simple[c] as number;
    else if (/[A-Za-z0-9]/.test(c)) throw new RegexError(`unsupported escape '\\${c}'`);
    else cp = c.codePointAt(0) as number;
    if (inClass) return { lo: cp, hi: cp };
    return { t: 'char', test: this.literal(cp) };
  }

  private charClass(): CharTest {
    const negate = this.ch() === '^';
    if (negate) this.pos++;
    const items: ClassItem[] = [];
    let first = true;
    while (this.pos < this.src.length && (this.ch() !== ']' || first)) {
      first = false;
      const lo = this.classAtom();
      if (this.ch() === '-' && this.ch(1) !== ']' && this.ch(1) !== '' && 'lo' in lo) {
        this.pos++;
        const hi = this.classAtom();
        if (!('lo' in hi) || hi.lo < lo.lo) throw new RegexError('bad range in a character class');
        items.push({ lo: lo.lo, hi: hi.hi });
      } else {
        items.push(lo);
      }
    }
    if (this.ch() !== ']') throw new RegexError("missing ']'");
    this.pos++;
    return { kind: 'class', negate, items };
  }

  private classAtom(): ClassItem {
    const c = this.ch();
    this.pos++;
    if (c === '\\') return this.escape(true) as ClassItem;
    const cp = c.codePointAt(0) as number;
    return { lo: cp, hi: cp };
  }
}

function emit(node: Node, out: Inst[]): void {
  if (out.length > MAX_PROGRAM) throw new RegexError('pattern too large once repetitions are expanded');
  switch (node.t) {
    case 'char':
      out.push({ op: 'char', test: node.test });
      return;
    case 'assert':
      out.push({ op: 'assert', kind: node.kind });
      return;
    case 'seq':
      for (const item of node.items) emit(item, out);
      return;
    case 'alt': {
      const jumps: Array<{ op: 'jmp'; to: number }> = [];
      node.options.forEach((option, k) => {
        if (k < node.options.length - 1) {
          const split: Inst = { op: 'split', a: out.length + 1, b: -1 };
          out.push(split);
          emit(option, out);
          const jmp = { op: 'jmp' as const, to: -1 };
          jumps.push(jmp);
          out.push(jmp);
          split.b = out.length;
        } else {
          emit(option, out);
        }
      });
      for (const j of jumps) j.to = out.length;
      return;
    }
    case 'repeat':
      emitRepeat(node.node, node.min, node.max, out);
      return;
    default: {
      const never: never = node;
      throw new RegexError(`unknown node ${String(never)}`);
    }
  }
}

function emitRepeat(node: Node, min: number, max: number, out: Inst[]): void {
  for (let k = 0; k < min; k++) emit(node, out);
  if (max === Infinity) {
    const split: Inst = { op: 'split', a: out.length + 1, b: -1 };
    const loop = out.length;
    out.push(split);
    emit(node, out);
    out.push({ op: 'jmp', to: loop });
    split.b = out.length;
    return;
  }
  const splits: Array<{ op: 'split'; a: number; b: number }> = [];
  for (let k = min; k < max; k++) {
    const split = { op: 'split' as const, a: out.length + 1, b: -1 };
    splits.push(split);
    out.push(split);
    emit(node, out);
  }
  for (const s of splits) s.b = out.length;
}
