import AjvModule, { type ValidateFunction } from 'ajv';
import { objectSchema } from '../interfaces.js';
import { canonicalJson, withKey, type JsonObject } from '../json.js';
import type { Params } from '../program.js';

/**
 * Inputs and outputs are checked against the declared parameters with ajv. Validators are compiled once
 * per distinct schema (keyed by its canonical JSON; programs loaded again from the database hit the
 * same cache entry).
 */
const Ajv = AjvModule.default;
const ajv = new Ajv({ allErrors: true, strict: false });
const byParams = new WeakMap<Params, ValidateFunction>();
const byText = new Map<string, ValidateFunction>();

function validator(params: Params): ValidateFunction {
  const hit = byParams.get(params);
  if (hit) return hit;
  const schema = objectSchema(params);
  const text = canonicalJson(schema);
  let fn = byText.get(text);
  if (!fn) {
    fn = ajv.compile(schema);
    if (byText.size > 5_000) byText.clear();
    byText.set(text, fn);
  }
  byParams.set(params, fn);
  return fn;
}

/** Fills in declared defaults for parameters the value does not have. */
export function applyDefaults(params: Params, value: JsonObject): JsonObject {
  let out = value;
  for (const [name, p] of Object.entries(params)) {
    if (p.default !== undefined && !Object.hasOwn(out, name)) out = withKey(out, name, p.default);
  }
  return out;
}

/** Null when the value fits the parameters, else a readable list of what is wrong. */
export function checkParams(params: Params, value: JsonObject): string | null {
  const fn = validator(params);
  if (fn(value)) return null;
  return (fn.errors ?? []).map((e) => {
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
    const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
    return `${where ? `${where} ` : ''}${e.message ?? 'is invalid'}${extra}`;
  }).join('; ');
}
