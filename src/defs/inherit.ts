/**
 * How a job inherits from its templates (docs/definitions.md#templates). Layers go from the farthest
 * template to the job itself. Mappings merge key by key, a nearer layer's key replacing a farther one's:
 * `env`, `limits`, `retries` (a bare number is its `count`) and the labels of `hosts`. Everything else, lists
 * included (`command`, `successCodes`, `locks`, `handlers`), is replaced whole by the nearest layer that
 * has it. Where a job runs is decided like how it runs: by the nearest layer that has `host` or `hosts`.
 */
import type { Node } from 'yaml';
import type { JobKey } from './spec.js';
import type { AttrLayer } from './templates.js';
import type { Entry, Reader } from './yaml.js';

export interface LayerAttr {
  entry: Entry;
  reader: Reader;
}

/** Each layer's `key`, farthest first. */
export function layerAttrs(layers: readonly AttrLayer[], key: JobKey): LayerAttr[] {
  const out: LayerAttr[] = [];
  for (const layer of layers) {
    const entry = layer.attrs.get(key);
    if (entry) out.push({ entry, reader: layer.reader });
  }
  return out;
}

/** A mapping attribute read from every layer that has it (each by its own file's reader), merged key by key. */
export function mergedMap<T extends object>(layers: readonly AttrLayer[], key: JobKey,
  read: (reader: Reader, node: Node | null) => T | undefined): T | undefined {
  let merged: T | undefined;
  for (const a of layerAttrs(layers, key)) {
    const value = read(a.reader, a.entry.value);
    if (value !== undefined) merged = { ...merged, ...value } as T;
  }
  return merged;
}

/**
 * Where the job runs: `host` of the nearest layer saying where (`host` or `hosts`), or the selector whose
 * labels are those of every `hosts` up to that layer, merged.
 */
export function placement(layers: readonly AttrLayer[]): { host?: LayerAttr; hosts: AttrLayer[] } {
  let nearest = -1;
  for (let i = layers.length - 1; i >= 0 && nearest < 0; i--) if (layers[i]!.attrs.has('host') || layers[i]!.attrs.has('hosts')) nearest = i;
  if (nearest < 0) return { hosts: [] };
  const decider = layers[nearest]!;
  const hostEntry = decider.attrs.get('host');
  const hosts = decider.attrs.has('hosts') ? layers.slice(0, nearest + 1).filter((l) => l.attrs.has('hosts')) : [];
  return { ...(hostEntry && { host: { entry: hostEntry, reader: decider.reader } }), hosts };
}
