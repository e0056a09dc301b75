/**
 * Masking secret values wherever text leaves the engine (docs/secrets.md): job output, attempt errors,
 * events, API answers. A multi-line value is also masked line by line, since output often breaks it up.
 * Values shorter than MIN_MASKED characters are refused when set (they would garble ordinary output).
 */
export const MASK = '***';
export const MIN_MASKED = 4;

/** The strings to hide for these values: each value and each of its lines, longest first. */
export function maskList(values: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const v of values) {
    if (v.length >= MIN_MASKED) out.add(v);
    for (const line of v.split(/\r?\n/)) if (line.trim().length >= MIN_MASKED) out.add(line);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

export function maskText(text: string, list: readonly string[]): string {
  let out = text;
  for (const s of list) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/** Masks every string inside a JSON-like value (events' data, API answers). */
export function maskValue<T>(value: T, list: readonly string[]): T {
  if (list.length === 0) return value;
  if (typeof value === 'string') return maskText(value, list) as T;
  if (Array.isArray(value)) return value.map((v) => maskValue(v, list)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValue(v, list)])) as T;
  }
  return value;
}

/**
 * Masks a stream that arrives in chunks (bytes of UTF-8 text): what could be the start of a secret at the end
 * of a chunk is held back until the next chunk shows whether it is one, so a value split across two reads is
 * still hidden. `end()` gives back what is held.
 */
export class StreamMasker {
  private held = Buffer.alloc(0);
  private readonly needles: Buffer[];

  constructor(list: readonly string[]) {
    this.needles = list.map((s) => Buffer.from(s, 'utf8'));
  }

  push(chunk: Buffer): Buffer {
    if (this.needles.length === 0) return chunk;
    const text = replaceAll(Buffer.concat([this.held, chunk]), this.needles);
    const hold = this.partialTail(text);
    this.held = Buffer.from(text.subarray(text.length - hold));
    return text.subarray(0, text.length - hold);
  }

  end(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }

  /** The length of the longest tail of `buf` that is a proper prefix of some needle. */
  private partialTail(buf: Buffer): number {
    let best = 0;
    for (const n of this.needles) {
      for (let k = Math.min(n.length - 1, buf.length); k > best; k--) {
        if (buf.compare(n, 0, k, buf.length - k, buf.length) === 0) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}

const MASK_BYTES = Buffer.from(MASK);

function replaceAll(buf: Buffer, needles: readonly Buffer[]): Buffer {
  let out = buf;
  for (const n of needles) {
    let at = out.indexOf(n);
    if (at < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(out.subarray(from, at), MASK_BYTES);
      from = at + n.length;
      at = out.indexOf(n, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}
