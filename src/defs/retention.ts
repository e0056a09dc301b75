/**
 * `retention:` in ordo.yaml (docs/retention.md): how long ended runs stay in the database and their files on
 * disk. `runs: 90d` archives older runs to compressed JSON lines and removes them; `logs: 30d` removes the
 * output files of older runs (their rows stay until `runs` takes them).
 */
import type { Node } from 'yaml';
import { parseDuration } from './spec.js';
import { scalarValue, type Reader } from './yaml.js';

export interface RetentionPolicy {
  runsMs?: number;
  logsMs?: number;
}

const KEYS = ['runs', 'logs'] as const;
const MIN_MS = 60 * 60 * 1000;

export function readRetention(reader: Reader, node: Node | null): RetentionPolicy | undefined {
  const map = reader.map(node, '"retention"');
  if (!map) return undefined;
  const policy: RetentionPolicy = {};
  for (const f of reader.strictEntries(map, KEYS, '"retention"')) {
    const ms = parseDuration(scalarValue(f.value));
    if (ms === undefined || ms < MIN_MS) {
      reader.bad(f.value, `"retention.${f.key}"`, 'a duration of at least 1h such as "90d" or "720h"');
      continue;
    }
    if (f.key === 'runs') policy.runsMs = ms;
    else policy.logsMs = ms;
  }
  return policy;
}
