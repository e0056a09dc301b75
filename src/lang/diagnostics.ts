import type { Span } from './span.js';

/**
 * One catalogue of every problem the workflow compiler reports. Codes are stable (tools and tests match
 * on them); the text is the meaning documented in docs/language.md, where a test checks that every code
 * appears. Severity `warning` does not stop a workflow from compiling.
 */
export const WF_CODES = {
  WF_SYNTAX: { severity: 'error', meaning: 'the text does not follow the grammar' },
  WF_INDENT: { severity: 'error', meaning: 'a line is indented to a level that matches no enclosing block' },
  WF_PERL_UNSUPPORTED: { severity: 'error', meaning: 'a JobCenter [[ perl ]] block: write it as an expression' },
  WF_FILE_KIND: { severity: 'error', meaning: 'a .wf file must declare a workflow, a .ac file an action' },
  WF_FILE_NAME: { severity: 'warning', meaning: 'the declared name differs from the file name' },
  WF_UNKNOWN_SECTION: { severity: 'error', meaning: 'a section that workflows (or actions) do not have' },
  WF_DUPLICATE_SECTION: { severity: 'error', meaning: 'a section appears twice in one declaration' },
  WF_MISSING_SECTION: { severity: 'error', meaning: 'a workflow without a do: section' },
  WF_DUPLICATE_NAME: { severity: 'error', meaning: 'two workflows or actions, or two parameters, share a name' },
  WF_UNKNOWN_TYPE: { severity: 'error', meaning: 'a parameter type that is neither built in nor a known schema' },
  WF_UNKNOWN_CALLEE: { severity: 'error', meaning: 'a call names no declared action or workflow' },
  WF_MISSING_INPUT: { severity: 'error', meaning: 'a call does not set an input that the callee requires' },
  WF_UNKNOWN_INPUT: { severity: 'error', meaning: 'a call sets an input that the callee does not take' },
  WF_UNKNOWN_OUTPUT: { severity: 'error', meaning: 'an output is read or set that is not declared' },
  WF_UNKNOWN_ARGUMENT: { severity: 'error', meaning: 'a.NAME reads an argument that in: does not declare' },
  WF_TYPE: { severity: 'error', meaning: 'a value cannot have the type that its use requires' },
  WF_UNASSIGNED: { severity: 'error', meaning: 'a variable is read where no assignment to it can have happened' },
  WF_UNKNOWN_LABEL: { severity: 'error', meaning: 'goto names a label that does not exist' },
  WF_DUPLICATE_LABEL: { severity: 'error', meaning: 'two labels share a name' },
  WF_UNREACHABLE: { severity: 'warning', meaning: 'a statement that no path of the program can reach' },
  WF_OUTPUT_NEVER_SET: { severity: 'error', meaning: 'a required workflow output that wfomap never sets' },
  WF_NAMESPACE: { severity: 'error', meaning: 'a namespace that is not available in this place' },
  WF_ASSIGN_TARGET: { severity: 'error', meaning: 'an assignment to a namespace that this block may not change' },
  WF_UNKNOWN_FUNCTION: { severity: 'error', meaning: 'a function that the expression language does not have' },
  WF_ARITY: { severity: 'error', meaning: 'a function called with the wrong number or form of arguments' },
  WF_IFDEF_PLACEMENT: { severity: 'error', meaning: 'ifdef() is only allowed as the whole right-hand side' },
  WF_BAD_REGEX: { severity: 'error', meaning: 'a regular expression that is invalid or outside the safe subset' },
  WF_UNKNOWN_LOCK: { severity: 'error', meaning: 'a lock statement uses a lock type that locks: does not declare' },
  WF_BAD_LOCK: { severity: 'error', meaning: 'a locks: entry that cannot be taken (no value and not manual)' },
  WF_UNKNOWN_CONFIG: { severity: 'warning', meaning: 'a config: key that Ordo does not use (kept as raw)' },
  WF_BAD_CONFIG: { severity: 'error', meaning: 'a config: value of the wrong kind or out of range' },
  WF_NOT_CONSTANT: { severity: 'error', meaning: 'a default, env or config value must be a constant expression' },
  WF_INTERNAL: { severity: 'error', meaning: 'the compiler failed on this input: a bug in Ordo, please report it' },
} as const;

export type DiagnosticCode = keyof typeof WF_CODES;
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
  /** The text of the line the span starts on, so formatting needs no file access. */
  source: string;
}

/** Collects diagnostics; knows the source text of every file so each message carries its line. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  private readonly lines = new Map<string, string[]>();

  addSource(file: string, text: string): void {
    this.lines.set(file, text.split(/\r?\n/));
  }

  report(code: DiagnosticCode, span: Span, message: string, severity: Severity = WF_CODES[code].severity): void {
    // Garbage in (a binary file, a line of 40,000 brackets) must not become 40,000 messages: past the cap a
    // file gets one last note, and the rest is counted, not kept.
    const count = (this.counts.get(span.file) ?? 0) + 1;
    this.counts.set(span.file, count);
    if (count > MAX_PER_FILE + 1) return;
    if (count === MAX_PER_FILE + 1) {
      code = 'WF_SYNTAX';
      message = `more than ${MAX_PER_FILE} problems in this file: the rest are not shown`;
      severity = 'error';
    }
    const source = this.lines.get(span.file)?.[span.line - 1] ?? '';
    this.items.push({ code, severity, message, span, source });
  }

  private readonly counts = new Map<string, number>();
}

/** Problems kept per file; one more says that the rest were left out. */
export const MAX_PER_FILE = 100;

/** Diagnostics in a stable order: by file, line, column, then code. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort((x, y) =>
    x.span.file < y.span.file ? -1 : x.span.file > y.span.file ? 1
      : x.span.line - y.span.line || x.span.col - y.span.col || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
}

/**
 * `file:line:column: CODE message`, then the source line and a caret under the span. Tabs are printed as
 * 8 spaces (the language's tab width) so the caret lines up in any terminal.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.span.file}:${d.span.line}:${d.span.col}: ${d.code} ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
  const expand = (s: string): string => s.replace(/\t/g, '        ');
  const line = expand(d.source);
  let before = expand(d.source.slice(0, d.span.col - 1)).length;
  const lastCol = d.span.endLine === d.span.line ? d.span.endCol : d.source.length + 1;
  let width = Math.max(1, expand(d.source.slice(0, lastCol - 1)).length - before);
  // A long line is shown as a window around the span, so one message stays a few hundred bytes.
  let shown = line;
  if (line.length > SHOWN_WIDTH) {
    const from = Math.max(0, Math.min(before - CONTEXT, line.length - SHOWN_WIDTH));
    const to = Math.min(line.length, from + SHOWN_WIDTH);
    const lead = from > 0 ? '…' : '';
    shown = `${lead}${line.slice(from, to)}${to < line.length ? '…' : ''}`;
    before = before - from + lead.length;
    width = Math.max(1, Math.min(width, to - from - (before - lead.length)));
  }
  const caret = `${' '.repeat(before)}${'^'.repeat(width)}`;
  return `${head}\n  ${shown}\n  ${caret}`;
}

/** Characters of a source line shown under a message, and of them before the span when it is cut. */
const SHOWN_WIDTH = 160;
const CONTEXT = 60;
