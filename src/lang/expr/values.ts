import { isObject, type Json } from '../json.js';

/**
 * Runtime values and the rules every operator shares. `undefined` stands for "no such variable or key";
 * it never reaches a run's state (assignments store null instead, or are skipped by ifdef()).
 */
export type Value = Json | undefined;

/** Why an expression failed. `fatal` is for exceeded limits, which no try/catch may swallow. */
export class ExprError extends Error {
  constructor(message: string, readonly errorClass: 'normal' | 'fatal' = 'normal') {
    super(message);
    this.name = 'ExprError';
  }
}

export interface ExprLimits {
  /** Evaluation steps (nodes visited, plus work proportional to sizes) allowed for one VM step. */
  maxSteps: number;
  /** Longest string an expression may produce. */
  maxStringLength: number;
  /** Most elements (array items plus object keys, counted deeply) a produced value may hold. */
  maxItems: number;
  /** Deepest nesting of arrays and objects a produced value may have. */
  maxDepth: number;
  /** Longest string that a regex may be matched against. */
  maxRegexInput: number;
}

export const DEFAULT_LIMITS: ExprLimits = {
  maxSteps: 100_000,
  maxStringLength: 1_000_000,
  maxItems: 100_000,
  maxDepth: 64,
  maxRegexInput: 10_000,
};

/** A mutable step counter shared by all expressions of one VM step. */
export class Budget {
  private left: number;

  constructor(readonly limits: ExprLimits = DEFAULT_LIMITS) {
    this.left = limits.maxSteps;
  }

  charge(n = 1): void {
    this.left -= n;
    if (this.left < 0) throw new ExprError(`expression step budget of ${this.limits.maxSteps} exceeded`, 'fatal');
  }

  string(s: string): string {
    if (s.length > this.limits.maxStringLength) {
      throw new ExprError(`string of ${s.length} characters exceeds the limit of ${this.limits.maxStringLength}`, 'fatal');
    }
    this.charge(Math.ceil(s.length / 64));
    return s;
  }

  /** Walks a produced value to enforce the item and depth limits; costs one step per element. */
  measure(value: Value): Value {
    let items = 0;
    const walk = (v: Value, depth: number): void => {
      if (depth > this.limits.maxDepth) throw new ExprError(`value nested deeper than ${this.limits.maxDepth} levels`, 'fatal');
      if (Array.isArray(v)) {
        items += v.length;
        this.charge(v.length);
        for (const x of v) walk(x, depth + 1);
      } else if (isObject(v)) {
        const keys = Object.keys(v);
        items += keys.length;
        this.charge(keys.length);
        for (const k of keys) walk(v[k], depth + 1);
      } else if (typeof v === 'string') {
        this.string(v);
      }
      if (items > this.limits.maxItems) throw new ExprError(`value with more than ${this.limits.maxItems} elements`, 'fatal');
    };
    walk(value, 0);
    return value;
  }
}

/** Falsy: false, null, undefined, 0 and "". Everything else (including "0", [] and {}) is true. */
export function truthy(v: Value): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '');
}

export function defined(v: Value): v is Exclude<Json, null> {
  return v !== undefined && v !== null;
}

export function typeName(v: Value): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * The string form used by tostring(), `.`, eq/ne/lt/..., and case labels: strings as they are, numbers in
 * their shortest form, true/false, "" for null, and JSON text for arrays and objects.
 */
export function stringify(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function requireNumber(v: Value, what: string): number {
  if (typeof v !== 'number') throw new ExprError(`${what} needs a number, got ${typeName(v)}`);
  return v;
}

/** Arithmetic results must stay JSON numbers: no NaN, no Infinity. */
export function finite(n: number, what: string): number {
  if (!Number.isFinite(n)) throw new ExprError(`${what} gives a result that is not a finite number`);
  return n;
}
