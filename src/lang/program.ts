import type { AssignOp, EventOp, LockOp } from './ast.js';
import type { CExpr, CVarExpr, Expr, VarExpr } from './expr/ast.js';
import type { Json, JsonObject } from './json.js';

/**
 * The compiled form: what is stored (versioned, by fingerprint) and what the VM executes. A workflow is
 * a flat list of steps; each names its successors by index (`next`, `then`/`else`, `target`, case
 * targets), so a run's position is one integer. Errors are routed by a table of try ranges rather than a
 * stack in the run, which keeps `goto` in and out of `try` blocks simple. All of it is plain JSON.
 * Expressions are stored without source positions; each step keeps `at` = [line, column] of its
 * statement for traces and error messages (positions are left out of the fingerprint).
 */
export const PROGRAM_FORMAT = 'ordo.workflow/1';

export interface ParamSpec {
  /** The declared type name: a built-in type or a schema name. */
  type: string;
  /** JSON Schema of the value (`{}` for any). */
  schema: JsonObject;
  default?: Json;
  optional: boolean;
}

export type Params = Record<string, ParamSpec>;

export interface CalleeSpec {
  kind: 'action' | 'workflow';
  in: Params;
  out: Params;
}

/** One assignment with namespaces resolved; `ifdef` marks `x = ifdef(expr)` (skipped when undefined). */
export interface AssignG<E, V> {
  target: V;
  op: AssignOp;
  value: E;
  ifdef: boolean;
}
export type CAssign = AssignG<CExpr, CVarExpr>;

export type At = [line: number, col: number];

export interface FlowG<E, V> {
  callee: string;
  input: AssignG<E, V>[];
  into: AssignG<E, V>[];
}

export type StepG<E, V> =
  | { op: 'assign'; items: AssignG<E, V>[]; next: number; at: At }
  | { op: 'branch'; cond: E; then: number; else: number; at: At }
  | { op: 'switch'; subject: E; cases: Array<{ labels: string[]; target: number }>; default: number; at: At }
  | { op: 'jump'; target: number; at: At }
  | { op: 'call'; callee: string; input: AssignG<E, V>[]; into: AssignG<E, V>[]; next: number; at: At }
  | { op: 'split'; flows: FlowG<E, V>[]; next: number; at: At }
  | { op: 'map'; callee: string; using: E; input: AssignG<E, V>[]; collect: AssignG<E, V>[]; next: number; at: At }
  | { op: 'detach'; callee: string; input: AssignG<E, V>[]; next: number; at: At }
  | { op: 'raise'; value: E; at: At }
  | { op: 'assert'; cond: E; message: E; next: number; at: At }
  /** `inherit` comes from the locks: declaration: children of the holder may take the same lock. */
  | { op: 'lock'; mode: LockOp; lockType: string; inherit: boolean; settings: AssignG<E, V>[]; next: number; at: At }
  | { op: 'sleep'; settings: AssignG<E, V>[]; next: number; at: At }
  | { op: 'event'; action: EventOp; settings: AssignG<E, V>[]; into: AssignG<E, V>[]; next: number; at: At }
  /** Computes the outputs with wfomap, validates them and finishes the run. */
  | { op: 'end'; at: At };

export type Step = StepG<CExpr, CVarExpr>;
/** Steps as the compiler builds them, with source spans, before they are stripped for storage. */
export type SpannedStep = StepG<Expr, VarExpr>;
/** `copyAll` marks assignments expanded from `<*>`, whose reads of unassigned variables are expected. */
export type SpannedAssign = AssignG<Expr, VarExpr> & { copyAll?: boolean };
export type StepOp = Step['op'];

/** Errors raised while `pc` is in [from, to) continue at `handler`. Listed innermost first. */
export interface TryRange {
  from: number;
  to: number;
  handler: number;
}

export interface LockSpec {
  type: string;
  value: string | null;
  manual: boolean;
  inherit: boolean;
}

export interface WorkflowConfig {
  max_steps: number;
  max_depth: number;
  /** Seconds the whole run may take (enforced by the driver); null for none. */
  timeout: number | null;
}

export interface CompiledWorkflow {
  format: typeof PROGRAM_FORMAT;
  name: string;
  file: string;
  in: Params;
  out: Params;
  env: JsonObject;
  roles: string[];
  config: WorkflowConfig;
  /** Every `config:` entry as written (evaluated), including keys Ordo does not interpret. */
  rawConfig: JsonObject;
  locks: LockSpec[];
  wfomap: CAssign[];
  steps: Step[];
  tries: TryRange[];
  /** The interface of every action or workflow this one calls, as it was at compile time. */
  callees: Record<string, CalleeSpec>;
}

export interface RetryPolicy {
  /** Attempts in all (1 = no retry). */
  tries: number;
  /** Seconds between attempts. */
  interval: number;
}

export interface ActionConfig {
  /** Seconds one attempt may take; null for none. */
  timeout: number | null;
  retry: RetryPolicy;
  /** Whether an attempt lost with its worker may be given to another worker. */
  retryable: boolean;
  /** Only workers whose announced labels contain these may do the action (null: any worker). */
  labels: JsonObject | null;
}

export interface ActionDef {
  name: string;
  file: string;
  in: Params;
  out: Params;
  env: JsonObject;
  roles: string[];
  config: ActionConfig;
  /** Every `config:` entry as written (evaluated), e.g. `command = 'node scripts/add.js'`. */
  raw: JsonObject;
}

export const DEFAULT_WORKFLOW_CONFIG: WorkflowConfig = { max_steps: 100_000, max_depth: 16, timeout: null };
export const DEFAULT_ACTION_CONFIG: ActionConfig = { timeout: null, retry: { tries: 1, interval: 0 }, retryable: true, labels: null };

/** Whether a caller must set this input (no default, not optional). */
export function isRequired(p: ParamSpec): boolean {
  return !p.optional && p.default === undefined;
}
