/**
 * A command job's `limits:` (docs/limits.md): what its processes may use, applied per attempt with cgroups
 * where the machine lets Ordo make them, else with resource limits (prlimit).
 *
 *   limits: { memory: 512MB, cpu: 1.5, nofile: 1024, processes: 100 }
 */
import type { Node } from 'yaml';
import { describe, scalarValue, type Reader } from './yaml.js';

export interface JobLimits {
  /** Bytes of memory (RAM) the attempt's processes may hold together. */
  memoryBytes?: number;
  /** CPUs' worth of time per wall-clock second (1.5 = one and a half cores). */
  cpu?: number;
  /** Open files per process. */
  nofile?: number;
  /** Processes (and threads) at once. */
  processes?: number;
}

export const LIMIT_KEYS = ['memory', 'cpu', 'nofile', 'processes'] as const;

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)?$/i;
const UNIT: Record<string, number> = { b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4 };

/** `512MB` (decimal), `512MiB` or `512M` (binary), `1.5GiB`, or a number of bytes; undefined when not a size. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = SIZE.exec(value.trim());
  if (!m) return undefined;
  const bytes = Math.round(Number(m[1]) * UNIT[(m[2] ?? 'b').toLowerCase()]!);
  return bytes > 0 ? bytes : undefined;
}

const MIN_MEMORY = 4 * 1024 * 1024;

export function readLimits(reader: Reader, node: Node | null, what: string): JobLimits | undefined {
  const map = reader.map(node, `"limits" of ${what}`);
  if (!map) return undefined;
  const limits: JobLimits = {};
  for (const f of reader.strictEntries(map, LIMIT_KEYS, `"limits" of ${what}`)) {
    const label = `"limits.${f.key}" of ${what}`;
    if (f.key === 'memory') {
      const bytes = parseSize(scalarValue(f.value));
      if (bytes === undefined || bytes < MIN_MEMORY) {
        reader.diags.error('ORDO_BAD_VALUE', `${label} must be a size of at least 4MiB such as 512MB, 512MiB or 2GiB, got ${describe(f.value)}`, reader.at(f.value));
      } else limits.memoryBytes = bytes;
    } else if (f.key === 'cpu') {
      const cpu = reader.number(f.value, label, 0.01);
      if (cpu !== undefined) limits.cpu = cpu;
    } else {
      const n = reader.integer(f.value, label, 1);
      if (n !== undefined) limits[f.key as 'nofile' | 'processes'] = n;
    }
  }
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** `512MiB`, `1.5GiB`: for messages. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${units[i]}`;
}


