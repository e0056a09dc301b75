/**
 * JSON containment, as PostgreSQL's `jsonb @>` (and so JobCenter's find_jobs and announce filters) has
 * it: an object contains another when it has each of its keys with a containing value; an array contains
 * another when each of the other's elements is contained in one of its elements; scalars are equal.
 */
import { isObject, type Json } from './json.js';

export function contains(outer: Json | undefined, inner: Json): boolean {
  if (outer === undefined) return false;
  if (isObject(inner)) {
    if (!isObject(outer)) return false;
    return Object.entries(inner).every(([k, v]) => Object.hasOwn(outer, k) && contains(outer[k], v));
  }
  if (Array.isArray(inner)) {
    if (!Array.isArray(outer)) return false;
    return inner.every((v) => outer.some((o) => contains(o, v)));
  }
  return outer === inner;
}
