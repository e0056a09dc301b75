/**
 * Flow parameters: typed declarations with defaults (`business_date: { type: string, default: ... }`, or
 * just `business_date: "2026-01-01"`), and the resolution of the values a run is started with.
 */
import { isMap, isScalar, type YAMLMap } from 'yaml';
import type { FlowDef, ParamDef, ParamType } from './model.js';
import { suggest } from '../suggest.js';
import { NAME_PATTERN, PARAM_KEYS } from './spec.js';
import { entries, type Reader } from './yaml.js';

const PARAM_TYPES: readonly ParamType[] = ['string', 'number', 'integer', 'boolean'];

export function readParams(reader: Reader, map: YAMLMap, flow: string): ParamDef[] {
  const params: ParamDef[] = [];
  for (const e of entries(map)) {
    const what = `parameter "${e.key}" of flow "${flow}"`;
    if (!NAME_PATTERN.test(e.key)) {
      reader.diags.error('ORDO_BAD_VALUE', `${what}: a name starts with a letter and holds letters, digits, "_" or "-"`, reader.at(e.keyNode));
      continue;
    }
    if (isScalar(e.value)) {
      // Shorthand: the value is the default and its YAML type is the parameter's type.
      const v = e.value.value;
      if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') {
        const type: ParamType = typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v === 'boolean' ? 'boolean' : 'string';
        params.push({ name: e.key, type, default: v, required: false });
      } else {
        reader.bad(e.value, what, 'a default value or a mapping with type/default/required/description');
      }
      continue;
    }
    if (!isMap(e.value)) {
      reader.bad(e.value, what, 'a default value or a mapping with type/default/required/description');
      continue;
    }
    const def: ParamDef = { name: e.key, type: 'string', required: false };
    let defaultNode: (typeof e)['value'] = null;
    for (const p of reader.strictEntries(e.value, PARAM_KEYS, what)) {
      if (p.key === 'type') {
        const t = reader.string(p.value, `"type" of ${what}`);
        if (t !== undefined && !PARAM_TYPES.includes(t as ParamType)) {
          reader.diags.error('ORDO_BAD_VALUE', `"type" of ${what} must be one of ${PARAM_TYPES.join(', ')}, got "${t}"`, reader.at(p.value));
        } else if (t !== undefined) def.type = t as ParamType;
      } else if (p.key === 'required') def.required = reader.boolean(p.value, `"required" of ${what}`) ?? false;
      else if (p.key === 'description') def.description = reader.string(p.value, `"description" of ${what}`);
      else defaultNode = p.value;
    }
    if (defaultNode !== null) {
      const raw = isScalar(defaultNode) ? defaultNode.value : undefined;
      const value = coerce(def.type, raw);
      if (value === undefined) reader.bad(defaultNode, `"default" of ${what}`, `a ${def.type}`);
      else def.default = value;
    }
    params.push(def);
  }
  return params;
}

/** A value of the declared type, from a YAML scalar or a command-line string; undefined when it is not one. */
export function coerce(type: ParamType, raw: unknown): string | number | boolean | undefined {
  switch (type) {
    case 'string':
      return typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    case 'number':
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return undefined;
      return type === 'integer' && !Number.isInteger(n) ? undefined : n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      return undefined;
    default: {
      const never: never = type;
      return never;
    }
  }
}

/**
 * The parameter values of a new run: given values coerced to their declared types, defaults for the rest.
 * Unknown names, missing required values and values of the wrong type are all reported.
 */
export function resolveParams(flow: FlowDef, given: Record<string, unknown>): { values: Record<string, unknown>; errors: string[] } {
  const values: Record<string, unknown> = {};
  const errors: string[] = [];
  const declared = new Map(flow.params.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!declared.has(name)) {
      const known = [...declared.keys()].join(', ') || 'none';
      errors.push(`flow "${flow.name}" has no parameter ${JSON.stringify(name)}${suggest(name, declared.keys())} (parameters: ${known})`);
    }
  }
  for (const p of flow.params) {
    if (Object.hasOwn(given, p.name)) {
      const raw = given[p.name];
      // A NUL cannot cross into a job: argv and environment strings end at it (spawn would refuse the job).
      if (typeof raw === 'string' && raw.includes('\0')) {
        errors.push(`parameter "${p.name}" holds a NUL byte (\\0) at offset ${raw.indexOf('\0')}: a job's command line and environment cannot carry one`);
        continue;
      }
      const value = coerce(p.type, raw);
      if (value === undefined) errors.push(`parameter "${p.name}" must be of type ${p.type}, got ${JSON.stringify(given[p.name])}`);
      else values[p.name] = value;
    } else if (p.default !== undefined) values[p.name] = p.default;
    else if (p.required) errors.push(`parameter "${p.name}" of flow "${flow.name}" is required`);
  }
  return { values, errors };
}
