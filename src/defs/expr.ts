/**
 * `${{ ... }}` expressions inside job strings (argv elements, shell scripts, env values, cwd). They are
 * references, not code: `params.NAME`, `vars.NAME`, `jobs.JOB.result.KEY[.KEY...]`, `kv.KEY`, `secrets.NAME` and `run.id`. Expansion
 * is plain text substitution after parsing, so a value never becomes shell syntax or extra arguments.
 */

export type ExprRef =
  | { kind: 'params'; name: string }
  | { kind: 'vars'; name: string }
  | { kind: 'result'; job: string; path: string[] }
  | { kind: 'kv'; key: string }
  | { kind: 'secret'; name: string }
  | { kind: 'run' };

export type TemplatePart = string | ExprRef;

export interface ExprError {
  message: string;
  /** Offset of the `${{` in the text. */
  offset: number;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  errors: ExprError[];
}

const OPEN = '${{';
const CLOSE = '}}';
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Splits text into literal parts and references; every malformed expression is reported. */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: ExprError[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf(OPEN, pos);
    if (open < 0) break;
    if (open > pos) parts.push(text.slice(pos, open));
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) {
      errors.push({ message: `"${OPEN}" without a closing "${CLOSE}"`, offset: open });
      return { parts, errors };
    }
    const body = text.slice(open + OPEN.length, close).trim();
    const ref = parseRef(body);
    if (typeof ref === 'string') errors.push({ message: ref, offset: open });
    else parts.push(ref);
    pos = close + CLOSE.length;
  }
  if (pos < text.length) parts.push(text.slice(pos));
  return { parts, errors };
}

/** A reference, or the reason the text is not one. */
function parseRef(body: string): ExprRef | string {
  const segments = body.split('.');
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (body === '' || bad !== undefined) {
    return `cannot parse \${{ ${body} }}: expected params.NAME, vars.NAME, jobs.JOB.result.KEY, kv.KEY, secrets.NAME or run.id`;
  }
  const [head, ...rest] = segments;
  switch (head) {
    case 'params':
      return rest.length === 1 ? { kind: 'params', name: rest[0]! } : `\${{ ${body} }}: write params.NAME`;
    case 'vars':
      return rest.length === 1 ? { kind: 'vars', name: rest[0]! } : `\${{ ${body} }}: write vars.NAME`;
    case 'kv':
      return rest.length === 1 ? { kind: 'kv', key: rest[0]! } : `\${{ ${body} }}: write kv.KEY`;
    case 'secrets':
      return rest.length === 1 ? { kind: 'secret', name: rest[0]! } : `\${{ ${body} }}: write secrets.NAME`;
    case 'run':
      return rest.length === 1 && rest[0] === 'id' ? { kind: 'run' } : `\${{ ${body} }}: the only run field is run.id`;
    case 'jobs':
      if (rest.length >= 3 && rest[1] === 'result') return { kind: 'result', job: rest[0]!, path: rest.slice(2) };
      return `\${{ ${body} }}: write jobs.JOB.result.KEY`;
    default:
      return `unknown reference "${head}" in \${{ ${body} }}: expected params, vars, jobs, kv, secrets or run`;
  }
}

export function expandTemplate(parts: TemplatePart[], resolve: (ref: ExprRef) => string): string {
  let out = '';
  for (const part of parts) out += typeof part === 'string' ? part : resolve(part);
  return out;
}

export function refsOf(parts: TemplatePart[]): ExprRef[] {
  return parts.filter((p): p is ExprRef => typeof p !== 'string');
}

export function describeRef(ref: ExprRef): string {
  switch (ref.kind) {
    case 'params':
      return `params.${ref.name}`;
    case 'vars':
      return `vars.${ref.name}`;
    case 'result':
      return `jobs.${ref.job}.result.${ref.path.join('.')}`;
    case 'kv':
      return `kv.${ref.key}`;
    case 'secret':
      return `secrets.${ref.name}`;
    case 'run':
      return 'run.id';
    default: {
      const never: never = ref;
      return String(never);
    }
  }
}
