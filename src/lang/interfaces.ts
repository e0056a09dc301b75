import type { ParamDecl } from './ast.js';
import { evalConstant } from './constant.js';
import type { DiagnosticBag } from './diagnostics.js';
import { T, builtinType, describeType, type TypeSet } from './expr/typeset.js';
import { withKey, type Json, type JsonObject } from './json.js';
import type { ParamSpec, Params } from './program.js';

/**
 * Declared parameters (`in:` / `out:`) become ParamSpecs: a type name, its JSON Schema (used by the VM
 * with ajv), a default and the optional flag. A type that is not built in must name a schema given to
 * the compiler (the project's schema folder); its static type is taken from the schema's `type`
 * keyword, or is "any value" without one.
 */
export type SchemaMap = Readonly<Record<string, JsonObject>>;

const BUILTIN_NAMES = ['null', 'boolean', 'number', 'integer', 'string', 'array', 'object', 'any', 'json'];

export function schemaOfType(type: string, schemas: SchemaMap): JsonObject | undefined {
  if (type === 'any' || type === 'json') return {};
  if (builtinType(type) !== undefined) return { type };
  return Object.hasOwn(schemas, type) ? schemas[type] : undefined;
}

export function typesOfSchema(schema: JsonObject): TypeSet {
  const t = schema.type;
  const names = typeof t === 'string' ? [t] : Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
  if (names.length === 0) return T.ANY;
  return names.reduce((acc, n) => acc | (builtinType(n) ?? T.ANY), 0);
}

/** The static type of a JSON value. */
export function typeOfValue(v: Json): TypeSet {
  if (v === null) return T.NULL;
  if (typeof v === 'boolean') return T.BOOL;
  if (typeof v === 'number') return Number.isInteger(v) ? T.INT : T.FLOAT;
  if (typeof v === 'string') return T.STR;
  return Array.isArray(v) ? T.ARR : T.OBJ;
}

export function buildParams(decls: readonly ParamDecl[], schemas: SchemaMap, diags: DiagnosticBag, owner: string): Params {
  const params: Params = {};
  for (const d of decls) {
    if (Object.hasOwn(params, d.name)) {
      diags.report('WF_DUPLICATE_NAME', d.span, `${owner} declares '${d.name}' twice`);
      continue;
    }
    let schema = schemaOfType(d.type, schemas);
    if (!schema) {
      diags.report('WF_UNKNOWN_TYPE', d.typeSpan,
        `unknown type '${d.type}': use ${BUILTIN_NAMES.join(', ')} or the name of a schema in the project's schema folder`);
      schema = {};
    }
    const spec: ParamSpec = { type: d.type, schema, optional: d.optional };
    if (d.default) {
      const value = evalConstant(d.default, diags, `the default of '${d.name}'`);
      if (value !== undefined) {
        const want = typesOfSchema(schema);
        if ((typeOfValue(value) & want) === 0) {
          diags.report('WF_TYPE', d.default.span, `the default of '${d.name}' is ${describeType(typeOfValue(value))}, but its type is ${d.type}`);
        }
        spec.default = value;
      }
    }
    Object.defineProperty(params, d.name, { value: spec, enumerable: true, writable: true, configurable: true });  // a key named __proto__ stays a key
  }
  return params;
}

/** The JSON Schema of a whole parameter object, for validating inputs and outputs. */
export function objectSchema(params: Params): JsonObject {
  let properties: JsonObject = {};
  const required: string[] = [];
  for (const [name, p] of Object.entries(params)) {
    properties = withKey(properties, name, p.schema);
    if (!p.optional) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}
