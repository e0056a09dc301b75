/**
 * Small builders for the JSON Schemas of the API contract (draft-07 keywords that OpenAPI 3.1 also reads).
 * Entities allow properties beyond those listed, so that a field added to a row does not break clients;
 * params do not, so that a misspelt parameter is refused.
 */
export type JsonSchema = { [key: string]: unknown };

export function obj(properties: Record<string, JsonSchema>, required: string[] = [], more: JsonSchema = {}): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false, ...more };
}

/** An entity: the listed properties are documented; others may appear. */
export function entity(description: string, properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema {
  return { type: 'object', description, properties, required, additionalProperties: true };
}

export const str = (more: JsonSchema = {}): JsonSchema => ({ type: 'string', ...more });
export const int = (more: JsonSchema = {}): JsonSchema => ({ type: 'integer', ...more });
export const num = (more: JsonSchema = {}): JsonSchema => ({ type: 'number', ...more });
export const bool = (more: JsonSchema = {}): JsonSchema => ({ type: 'boolean', ...more });
export const arr = (items: JsonSchema, more: JsonSchema = {}): JsonSchema => ({ type: 'array', items, ...more });
export const oneOf = (values: readonly string[], more: JsonSchema = {}): JsonSchema => ({ type: 'string', enum: [...values], ...more });
export const anyJson: JsonSchema = {};
export const anyObject: JsonSchema = { type: 'object', additionalProperties: true };

/** The schema, or null. */
export function nullable(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (typeof type === 'string' && !('enum' in schema) && !('const' in schema)) return { ...schema, type: [type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

/** Epoch milliseconds. */
export const millis = (more: JsonSchema = {}): JsonSchema => int({ description: 'epoch milliseconds', ...more });

// Common parameters.
export const runId = int({ minimum: 1, description: 'run id' });
export const jobName = str({ minLength: 1, maxLength: 200, description: 'job name' });
export const flowName = str({ minLength: 1, maxLength: 200, description: 'flow name' });
export const resourceName = str({ minLength: 1, maxLength: 200 });
export const reason = str({ maxLength: 1000, description: 'why (kept in the event log)' });
export const ok = obj({ ok: { const: true } }, ['ok']);
