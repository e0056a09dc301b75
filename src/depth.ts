/**
 * How deeply a JSON value nests, found without recursion. Input from outside (API params, `--input`,
 * definition files) is refused past MAX_DEPTH levels with a plain message and the place, before any
 * recursive code (JSON.stringify, a schema check, a canonical fingerprint) could exhaust the stack and
 * answer with JavaScript's own "Maximum call stack size exceeded".
 */

/** Levels of arrays and objects that input may nest. Real documents stay far below it. */
export const MAX_DEPTH = 100;

/** The JSON Pointer of the first value nested deeper than `max` levels, or undefined when none is. */
export function tooDeep(value: unknown, max = MAX_DEPTH): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (typeof top.value !== 'object' || top.value === null) continue;
    if (top.depth >= max) return top.path || '/';
    const children = Array.isArray(top.value) ? top.value.entries() : Object.entries(top.value);
    for (const [key, child] of children) {
      if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, depth: top.depth + 1, path: `${top.path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}` });
      }
    }
  }
  return undefined;
}

/** A JSON Pointer shortened for a message: its start, the number of levels left out, its end. */
export function shortPointer(pointer: string): string {
  const parts = pointer.split('/').slice(1);
  if (parts.length <= 8) return pointer;
  return `/${parts.slice(0, 4).join('/')}/…(${parts.length - 6} more levels)…/${parts.slice(-2).join('/')}`;
}

/** Whether an error is V8's stack overflow, which recursive code on deeply nested input ends in. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack size/i.test(err.message);
}
