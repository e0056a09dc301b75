import type { AssignOp } from '../ast.js';
import type { Namespace } from '../expr/ast.js';
import { evaluate, type Scope } from '../expr/interp.js';
import { Budget, ExprError, defined, truthy, typeName, type Value } from '../expr/values.js';
import { applyBinary } from '../expr/ops.js';
import { getOwn, isObject, withKey, type Json, type JsonObject } from '../json.js';
import type { CAssign } from '../program.js';

/**
 * Runs a map: each assignment in order, each seeing the ones before it. Namespaces are replaced, never
 * mutated, so the state a step started from stays intact. Compound operators on a target that does not
 * exist yet start from 0, "" or [] (so `total += o.n` and `log .= ...` work on first use).
 */
export function runMap(items: readonly CAssign[], scope: Scope, budget: Budget): Scope {
  let out: Scope = scope;
  for (const item of items) {
    const value = evaluate(item.value, out, budget);
    if (item.ifdef && !defined(value)) continue;
    const ns: Namespace = item.target.ns ?? 'v';
    const space = out[ns];
    if (!space) throw new ExprError(`namespace ${ns}. cannot be assigned here`);
    const keys: Array<string | number> = [item.target.name];
    for (const acc of item.target.path) {
      if (acc.kind === 'field') keys.push(acc.name);
      else {
        const k = evaluate(acc.index, out, budget);
        if (typeof k !== 'string' && !(typeof k === 'number' && Number.isInteger(k))) {
          throw new ExprError(`an index must be an integer or a string, got ${typeName(k)}`);
        }
        keys.push(k);
      }
    }
    const updated = update(space, keys, (old) => combine(item.op, old, value, budget), `${ns}.${item.target.name}`) as JsonObject;
    out = { ...out, [ns]: updated };
  }
  return out;
}

function combine(op: AssignOp, old: Value, value: Value, budget: Budget): Json {
  const v: Json = value === undefined ? null : value;
  switch (op) {
    case '=': return v;
    case '+=': return applyBinary('+', defined(old) ? old : 0, v, budget) as Json;
    case '-=': return applyBinary('-', defined(old) ? old : 0, v, budget) as Json;
    case '*=': return applyBinary('*', defined(old) ? old : 0, v, budget) as Json;
    case '/=': return applyBinary('/', defined(old) ? old : 0, v, budget) as Json;
    case '.=': return applyBinary('.', defined(old) ? old : '', v, budget) as Json;
    case ',=': {
      const base = defined(old) ? old : [];
      if (!Array.isArray(base)) throw new ExprError(`',=' appends to an array, but the target is ${typeName(old)}`);
      if (base.length + 1 > budget.limits.maxItems) throw new ExprError(`array longer than ${budget.limits.maxItems} elements`, 'fatal');
      budget.charge(base.length);
      return [...base, v];
    }
    case '//=': return defined(old) ? old : v;
    case '||=': return truthy(old) ? (old as Json) : v;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/** A copy of `container` with the value at `keys` replaced by `fn(old)`; missing objects are created. */
function update(container: Json | undefined, keys: ReadonlyArray<string | number>, fn: (old: Value) => Json, where: string): Json {
  const [key, ...rest] = keys;
  if (key === undefined) return fn(container);
  if (typeof key === 'number') {
    const arr = container === undefined || container === null ? [] : container;
    if (!Array.isArray(arr)) throw new ExprError(`cannot index ${typeName(container)} with a number (in ${where})`);
    const k = key < 0 ? arr.length + key : key;
    if (k < 0 || k > arr.length) throw new ExprError(`index ${key} is outside the array of ${arr.length} (in ${where})`);
    const copy = [...arr];
    copy[k] = update(arr[k], rest, fn, where);
    return copy;
  }
  const obj = container === undefined || container === null ? {} : container;
  if (!isObject(obj)) throw new ExprError(`cannot set .${key} on ${typeName(container)} (in ${where})`);
  return withKey(obj, key, update(getOwn(obj, key), rest, fn, where));
}
