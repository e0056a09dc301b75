/**
 * A flow's version identity: the SHA-256 of its compiled definition in canonical JSON (keys sorted), without
 * source positions and the file path, so that moving or reformatting a file is not a new version, while any
 * change that alters what runs is.
 */
import { createHash } from 'node:crypto';
import type { FlowDef } from './model.js';

const IGNORED_KEYS = new Set(['at', 'file']);

export function flowFingerprint(flow: FlowDef): string {
  const parts: string[] = [];
  writeCanonical(flow, parts);
  return createHash('sha256').update(parts.join('')).digest('hex');
}

export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  writeCanonical(value, parts);
  return parts.join('');
}

/** Appends the canonical JSON of `value` in pieces (one join at the end: flows may hold 100,000 jobs). */
function writeCanonical(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i > 0) out.push(',');
      writeCanonical(v, out);
    });
    out.push(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => !IGNORED_KEYS.has(k) && obj[k] !== undefined).sort();
  out.push('{');
  keys.forEach((k, i) => {
    out.push(i > 0 ? ',' : '', JSON.stringify(k), ':');
    writeCanonical(obj[k], out);
  });
  out.push('}');
}
