/**
 * Reading YAML with positions. Every value the loader looks at keeps its node, so any problem found later
 * (a bad type, an unknown job, a cycle) can be reported at the file:line:column where it was written.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import { isStackOverflow, MAX_DEPTH } from '../depth.js';
import { suggest } from '../suggest.js';
import type { SourceLocation } from './model.js';
import type { SecretUse } from './secret-uses.js';

/** Collects diagnostics of every file of a project; nothing in defs/ throws for bad input. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  /** Where the files name secrets: checked against a store by those who have one (secret-uses.ts). */
  readonly secretUses: SecretUse[] = [];

  error(code: DiagnosticCode, message: string, at: SourceLocation): void {
    this.list.push({ code, message, at, severity: 'error' });
  }

  warn(code: DiagnosticCode, message: string, at: SourceLocation): void {
    this.list.push({ code, message, at, severity: 'warning' });
  }

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }
}

/** One parsed file: its document root and a way to turn node offsets into locations. */
export class SourceFile {
  constructor(
    /** Project-relative path, as printed in diagnostics. */
    readonly file: string,
    readonly root: Node | null,
    private readonly lines: LineCounter,
  ) {}

  at(node: Node | null | undefined): SourceLocation {
    const offset = node?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col };
  }
}

/** Parses YAML text; syntax errors become diagnostics and the file yields no root. */
export function parseYaml(file: string, text: string, diags: Diagnostics): SourceFile {
  const lines = new LineCounter();
  // yaml's own duplicate-key check is quadratic in the size of a mapping (flows may hold 100,000 jobs):
  // duplicates are found below with a set instead.
  // A byte-order mark is allowed, but the line counter would count it as line 1's first column.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    // The parser recurses per level of nesting: a file nested thousands deep can exhaust the stack.
    const message = isStackOverflow(err) ? TOO_DEEP : `cannot parse: ${(err as Error).message}`;
    diags.error('ORDO_YAML_SYNTAX', message, { file, line: 1, column: 1 });
    return new SourceFile(file, null, lines);
  }
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const pos = lines.linePos(err.pos[0]);
      const first = err.message.split('\n')[0] ?? err.message;
      diags.error('ORDO_YAML_SYNTAX', /call stack size/i.test(first) ? TOO_DEEP : first, { file, line: pos.line, column: pos.col });
    }
    return new SourceFile(file, null, lines);
  }
  const src = new SourceFile(file, (doc.contents as Node | null) ?? null, lines);
  const deep = deepNode(src.root);
  if (deep) {
    diags.error('ORDO_YAML_SYNTAX', TOO_DEEP, src.at(deep));
    return new SourceFile(file, null, lines);
  }
  let duplicates = false;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const e of entries(map)) {
        if (seen.has(e.key)) {
          diags.error('ORDO_YAML_SYNTAX', `duplicate key "${e.key}" in a mapping`, src.at(e.keyNode));
          duplicates = true;
        }
        seen.add(e.key);
      }
    },
  });
  return duplicates ? new SourceFile(file, null, lines) : src;
}

const TOO_DEEP = `values nest more than ${MAX_DEPTH} levels deep`;

/** The first node nested deeper than MAX_DEPTH levels, found without recursion; null when none is. */
function deepNode(root: Node | null): Node | null {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_DEPTH) return node as Node;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return null;
}

/** A mapping entry: its key text, the key node (for "unknown key" locations) and the value node. */
export interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

export function entries(map: YAMLMap): Entry[] {
  const out: Entry[] = [];
  for (const pair of map.items as Pair<Node, Node | null>[]) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    out.push({ key, keyNode, value: pair.value ?? null });
  }
  return out;
}

export function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    return typeof v === 'string' ? `the string "${v}"` : `${typeof v} ${String(v)}`;
  }
  return 'an unsupported value';
}

/** Typed readers: each reports ORDO_BAD_TYPE at the node and returns undefined when the type is wrong. */
export class Reader {
  constructor(readonly src: SourceFile, readonly diags: Diagnostics) {}

  at(node: Node | null | undefined): SourceLocation {
    return this.src.at(node);
  }

  bad(node: Node | null, what: string, expected: string): undefined {
    this.diags.error('ORDO_BAD_TYPE', `${what} must be ${expected}, got ${describe(node)}`, this.at(node));
    return undefined;
  }

  map(node: Node | null, what: string): YAMLMap | undefined {
    return isMap(node) ? node : this.bad(node, what, 'a mapping');
  }

  list(node: Node | null, what: string): Node[] | undefined {
    return isSeq(node) ? (node.items as Node[]) : this.bad(node, what, 'a list');
  }

  string(node: Node | null, what: string): string | undefined {
    return isScalar(node) && typeof node.value === 'string' ? node.value : this.bad(node, what, 'a string');
  }

  /** Numbers and booleans written where text is wanted (env values, argv) become their text. */
  text(node: Node | null, what: string): string | undefined {
    if (isScalar(node) && ['string', 'number', 'boolean'].includes(typeof node.value)) return String(node.value);
    return this.bad(node, what, 'a string, number or boolean');
  }

  boolean(node: Node | null, what: string): boolean | undefined {
    return isScalar(node) && typeof node.value === 'boolean' ? node.value : this.bad(node, what, 'true or false');
  }

  integer(node: Node | null, what: string, min: number): number | undefined {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.bad(node, what, 'an integer');
    if (v < min) {
      this.diags.error('ORDO_BAD_VALUE', `${what} must be at least ${min}, got ${v}`, this.at(node));
      return undefined;
    }
    return v;
  }

  number(node: Node | null, what: string, min: number): number | undefined {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.bad(node, what, 'a number');
    if (v < min) {
      this.diags.error('ORDO_BAD_VALUE', `${what} must be at least ${min}, got ${v}`, this.at(node));
      return undefined;
    }
    return v;
  }

  /** Reports keys outside `allowed`; returns the entries that are allowed. */
  strictEntries(map: YAMLMap, allowed: readonly string[], what: string): Entry[] {
    const out: Entry[] = [];
    for (const e of entries(map)) {
      if (allowed.includes(e.key)) out.push(e);
      else {
        this.diags.error('ORDO_UNKNOWN_KEY', `unknown key "${e.key}" in ${what}${suggest(e.key, allowed)} (allowed: ${allowed.join(', ')})`,
          this.at(e.keyNode));
      }
    }
    return out;
  }
}

export function scalarValue(node: Node | null): unknown {
  return isScalar(node) ? node.value : undefined;
}
