import type { Expr, VarExpr } from './expr/ast.js';
import type { Span } from './span.js';

/**
 * Syntax trees of `.wf` and `.ac` files. Immutable (readonly by convention: nothing rewrites a tree after
 * parsing), every node with its source span, every variant with a `kind` that switches are exhaustive on.
 *
 * Glossary: a *map* is a block of assignments (`counter = a.input`, `<rid>`, ...) with a default
 * namespace: the input map of a call (i.), its output map `into:` (v.), `wfomap:` (o.), `eval:` (v.).
 * *Settings* are the input maps of built-in statements (`sleep`, `subscribe`, `wait_for_lock`, ...).
 */
export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '.=' | ',=' | '//=' | '||=';
export const ASSIGN_OPS: readonly AssignOp[] = ['=', '+=', '-=', '*=', '/=', '.=', ',=', '//=', '||='];

export interface Name {
  name: string;
  span: Span;
}

export type MapItem =
  | { kind: 'assign'; target: VarExpr; op: AssignOp; value: Expr; span: Span }
  /** `<a,b>` copies names across; `<*>` every name the other side declares. */
  | { kind: 'copy'; names: Name[] | '*'; span: Span };

export interface IfBranch {
  cond: Expr;
  body: Stmt[];
  span: Span;
}

export interface WhenBranch {
  labels: Array<{ value: string; span: Span }>;
  body: Stmt[];
  span: Span;
}

export interface Callflow {
  callee: Name;
  input: MapItem[];
  into: MapItem[] | null;
  span: Span;
}

export type EventOp = 'subscribe' | 'unsubscribe' | 'raise_event' | 'wait_for_event';
export type LockOp = 'lock' | 'unlock' | 'wait_for_lock';

export type Stmt =
  | { kind: 'call'; callee: Name; input: MapItem[]; into: MapItem[] | null; span: Span }
  | { kind: 'if'; branches: IfBranch[]; otherwise: Stmt[] | null; span: Span }
  | { kind: 'while'; cond: Expr; body: Stmt[]; span: Span }
  | { kind: 'repeat'; body: Stmt[]; until: Expr; span: Span }
  | { kind: 'case'; subject: Expr; whens: WhenBranch[]; otherwise: Stmt[] | null; span: Span }
  | { kind: 'eval'; keyword: 'eval' | 'let'; items: MapItem[]; span: Span }
  | { kind: 'try'; body: Stmt[]; handler: Stmt[]; span: Span }
  | { kind: 'raise_error'; value: Expr; span: Span }
  | { kind: 'assert'; cond: Expr; message: Expr; span: Span }
  | { kind: 'goto'; label: Name; span: Span }
  | { kind: 'label'; label: Name; span: Span }
  | { kind: 'return'; span: Span }
  | { kind: 'split'; flows: Callflow[]; span: Span }
  | { kind: 'map'; callee: Name; using: Expr; input: MapItem[]; collect: MapItem[] | null; span: Span }
  | { kind: 'detachflow'; callee: Name; input: MapItem[]; span: Span }
  /** `lock T V` / `unlock T V` (settings `value = V`) and `wait_for_lock T:` (settings value, wait). */
  | { kind: 'lock'; op: LockOp; lockType: Name; settings: MapItem[]; span: Span }
  /** `sleep EXPR` (settings `timeout = EXPR`) or `sleep:` with `timeout = ...`. */
  | { kind: 'sleep'; settings: MapItem[]; span: Span }
  | { kind: 'event'; op: EventOp; settings: MapItem[]; into: MapItem[] | null; span: Span };

export interface ParamDecl {
  name: string;
  type: string;
  typeSpan: Span;
  default: Expr | null;
  optional: boolean;
  span: Span;
}

export interface LockDecl {
  lockType: string;
  /** null for `_`: the value is given by a `lock` statement. */
  value: string | null;
  manual: boolean;
  inherit: boolean;
  span: Span;
}

/** One `name = expression` line of env: or config:, whose value must be constant. */
export interface Setting {
  name: string;
  value: Expr;
  span: Span;
}

export type SectionName = 'in' | 'out' | 'env' | 'role' | 'config' | 'locks' | 'wfomap' | 'do';

export interface Decl {
  kind: 'workflow' | 'action';
  name: string;
  nameSpan: Span;
  span: Span;
  /** Last line of the declaration, to attribute diagnostics to it. */
  endLine: number;
  in: ParamDecl[];
  out: ParamDecl[];
  env: Setting[];
  roles: Name[];
  config: Setting[];
  locks: LockDecl[];
  wfomap: MapItem[];
  /** The `do:` block; null when the section is missing. */
  body: Stmt[] | null;
}

export interface SourceFile {
  path: string;
  decls: Decl[];
}
