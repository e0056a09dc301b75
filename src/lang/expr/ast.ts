import type { Json } from '../json.js';
import type { Span } from '../span.js';

/**
 * Expression syntax trees. One generic shape serves two uses: `Expr` (every node carries its source span,
 * for diagnostics) and `CExpr` (the compiled form stored in the database: no positions, so editing a
 * comment does not change a workflow's fingerprint). An `Expr` is a valid `CExpr`.
 */
export type Namespace = 'a' | 'v' | 'i' | 'o' | 'e' | 't';
export const NAMESPACES: readonly Namespace[] = ['a', 'v', 'i', 'o', 'e', 't'];

export type BinaryOp =
  | 'or' | 'xor' | 'and' | '||' | '//' | '&&'
  | '==' | '!=' | 'eq' | 'ne' | '<' | '<=' | '>' | '>=' | 'lt' | 'le' | 'gt' | 'ge'
  | '+' | '-' | '.' | '*' | '/' | '%' | '**';
export type UnaryOp = '!' | '-' | '+' | 'not';

export type AccessorG<X> = ({ kind: 'field'; name: string } & X) | ({ kind: 'index'; index: ExprG<X> } & X);

/** A function argument: `value`, or `key: value` inside object(...). */
export interface ArgG<X> {
  key: ExprG<X> | null;
  value: ExprG<X>;
}

export type ExprG<X> =
  | ({ kind: 'literal'; value: Json } & X)
  /** `ns.name.path...`; `ns` is null in the parser's output when the block's default applies. */
  | ({ kind: 'var'; ns: Namespace | null; name: string; path: AccessorG<X>[] } & X)
  | ({ kind: 'unary'; op: UnaryOp; operand: ExprG<X> } & X)
  | ({ kind: 'binary'; op: BinaryOp; left: ExprG<X>; right: ExprG<X> } & X)
  | ({ kind: 'match'; subject: ExprG<X>; pattern: string; flags: string } & X)
  | ({ kind: 'call'; fn: string; args: ArgG<X>[] } & X)
  /** A `[[ perl ]]` block, already reported; evaluating it is an error. */
  | ({ kind: 'perl' } & X);

export interface Spanned {
  span: Span;
}
export type Expr = ExprG<Spanned>;
export type Accessor = AccessorG<Spanned>;
export type Arg = ArgG<Spanned>;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type NoSpan = {};
export type CExpr = ExprG<NoSpan>;
export type CAccessor = AccessorG<NoSpan>;
export type CArg = ArgG<NoSpan>;

export type VarExpr = Extract<Expr, { kind: 'var' }>;
export type CVarExpr = Extract<CExpr, { kind: 'var' }>;
