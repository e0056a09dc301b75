/**
 * Static types as bit sets, for the checker: an expression's type is the set of JSON types its value may
 * have. Integers are kept apart from other numbers because `integer` is a declarable parameter type.
 */
export type TypeSet = number;

export const T = {
  NULL: 1,
  BOOL: 2,
  INT: 4,
  FLOAT: 8,
  STR: 16,
  ARR: 32,
  OBJ: 64,
  NUM: 4 | 8,
  ANY: 127,
} as const;

const NAMES: Array<[number, string]> = [[T.NULL, 'null'], [T.BOOL, 'boolean'], [T.STR, 'string'], [T.ARR, 'array'], [T.OBJ, 'object']];

/** The type set of a declared parameter type; undefined for names that are not built in. */
export function builtinType(name: string): TypeSet | undefined {
  switch (name) {
    case 'null': return T.NULL;
    case 'boolean': return T.BOOL;
    case 'number': return T.NUM;
    case 'integer': return T.INT;
    case 'string': return T.STR;
    case 'array': return T.ARR;
    case 'object': return T.OBJ;
    case 'any': case 'json': return T.ANY;
    default: return undefined;
  }
}

export function describeType(t: TypeSet): string {
  if (t === T.ANY) return 'any value';
  const parts: string[] = [];
  if ((t & T.NUM) === T.NUM) parts.push('number');
  else if (t & T.INT) parts.push('integer');
  else if (t & T.FLOAT) parts.push('number');
  for (const [bit, name] of NAMES) if (t & bit) parts.push(name);
  return parts.join(' or ') || 'nothing';
}
