import { isObject, withKey, type Json, type JsonObject } from '../json.js';
import { T, type TypeSet } from './typeset.js';
import { Budget, ExprError, defined, stringify, typeName, type Value } from './values.js';

/**
 * The functions of the expression language. Each declares its arity, whether its arguments are
 * `key: value` pairs (object), the types it accepts and returns (for the checker) and its pure
 * implementation. Nothing here can reach Node, the clock or randomness.
 */
export interface FunctionSpec {
  min: number;
  max: number;
  keyed: boolean;
  /** Types each argument may have (for the checker); ANY when unchecked. */
  accepts: TypeSet;
  returns: TypeSet;
  run(args: Value[], budget: Budget, keys: string[]): Value;
}

const NUMERIC = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function toJson(v: Value): Json {
  return v === undefined ? null : v;
}

export const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  array: {
    min: 0, max: Infinity, keyed: false, accepts: T.ANY, returns: T.ARR,
    run: (args, budget) => budget.measure(args.map(toJson)),
  },
  object: {
    min: 0, max: Infinity, keyed: true, accepts: T.ANY, returns: T.OBJ,
    run: (args, budget, keys) => {
      let out: JsonObject = {};
      args.forEach((v, k) => {
        out = withKey(out, keys[k] as string, toJson(v));
      });
      return budget.measure(out);
    },
  },
  concat: {
    min: 1, max: Infinity, keyed: false, accepts: T.ARR | T.STR, returns: T.ARR | T.STR,
    run: (args, budget) => {
      if (args.every((a) => typeof a === 'string')) return budget.string((args as string[]).join(''));
      if (args.every(Array.isArray)) return budget.measure((args as Json[][]).flat(1));
      throw new ExprError(`concat() needs all arrays or all strings, got ${args.map(typeName).join(', ')}`);
    },
  },
  defined: { min: 1, max: 1, keyed: false, accepts: T.ANY, returns: T.BOOL, run: ([v]) => defined(v) },
  /** Returns its argument; the assignment that uses it is skipped when the value is undefined or null. */
  ifdef: { min: 1, max: 1, keyed: false, accepts: T.ANY, returns: T.ANY, run: ([v]) => v },
  tostring: { min: 1, max: 1, keyed: false, accepts: T.ANY, returns: T.STR, run: ([v], budget) => budget.string(stringify(v)) },
  tonumber: {
    min: 1, max: 1, keyed: false, accepts: T.NUM | T.STR | T.BOOL, returns: T.NUM,
    run: ([v]) => {
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
      throw new ExprError(`tonumber() cannot convert ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeName(v)}`);
    },
  },
  keys: {
    min: 1, max: 1, keyed: false, accepts: T.OBJ, returns: T.ARR,
    run: ([v], budget) => {
      if (!isObject(v)) throw new ExprError(`keys() needs an object, got ${typeName(v)}`);
      const out = Object.keys(v);
      budget.charge(out.length);
      return out;
    },
  },
  values: {
    min: 1, max: 1, keyed: false, accepts: T.OBJ, returns: T.ARR,
    run: ([v], budget) => {
      if (!isObject(v)) throw new ExprError(`values() needs an object, got ${typeName(v)}`);
      const out = Object.values(v);
      budget.charge(out.length);
      return out;
    },
  },
  length: {
    min: 1, max: 1, keyed: false, accepts: T.STR | T.ARR | T.OBJ, returns: T.INT,
    run: ([v]) => {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isObject(v)) return Object.keys(v).length;
      throw new ExprError(`length() needs a string, array or object, got ${typeName(v)}`);
    },
  },
  to_json: {
    min: 1, max: 1, keyed: false, accepts: T.ANY, returns: T.STR,
    run: ([v], budget) => {
      budget.measure(v);
      return budget.string(JSON.stringify(toJson(v)));
    },
  },
  from_json: {
    min: 1, max: 1, keyed: false, accepts: T.STR, returns: T.ANY,
    run: ([v], budget) => {
      if (typeof v !== 'string') throw new ExprError(`from_json() needs a string, got ${typeName(v)}`);
      budget.string(v);
      let parsed: Json;
      try {
        parsed = JSON.parse(v) as Json;
      } catch (err) {
        throw new ExprError(`from_json(): ${err instanceof Error ? err.message : 'invalid JSON'}`);
      }
      return budget.measure(parsed);
    },
  },
};

export function functionSpec(name: string): FunctionSpec | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}
