/**
 * A flow's version identity: the SHA-256 of its compiled definition in canonical JSON (keys sorted), without
 * source positions and the file path, so that moving or reformatting a file is not a new version, while any
 * change that alters what runs is.
 */
import { createHash } from 'node:crypto';
import type { FlowDef } from './model.js';

const IGNORED_KEYS = new Set(['at', 'file']);

export function flowFingerprint(flow: FlowDef): string {
  return createHash('sha256').update(canonicalJson(flow)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => !IGNORED_KEYS.has(k) && (value as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
