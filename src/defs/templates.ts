/**
 * Job templates (seed 004's derived job types): a named set of job attributes that a job, or another
 * template, `extends`. A job is compiled from its layers: the farthest template first, the job itself last;
 * a later layer replaces an attribute, except `env`, whose entries are merged.
 */
import { suggest } from '../suggest.js';
import type { Node, YAMLMap } from 'yaml';
import type { SourceLocation } from './model.js';
import { JOB_KEYS, JOB_ONLY_KEYS, NAME_PATTERN, type JobKey } from './spec.js';
import { entries, type Diagnostics, type Entry, type Reader } from './yaml.js';

/** The attributes written for one job or template, each with the reader of the file it came from. */
export interface AttrLayer {
  name: string;
  reader: Reader;
  at: SourceLocation;
  attrs: Map<JobKey, Entry>;
  /** Where `extends` was written, and the name it gives. */
  extendsName?: { name: string; node: Node | null };
}

/** Reads a job or template mapping into a layer, reporting unknown keys. */
export function readLayer(reader: Reader, name: string, map: YAMLMap, keyNode: Node, isTemplate: boolean): AttrLayer {
  const allowed = isTemplate ? JOB_KEYS.filter((k) => !JOB_ONLY_KEYS.includes(k)) : JOB_KEYS;
  const what = isTemplate ? `template "${name}"` : `job "${name}"`;
  const attrs = new Map<JobKey, Entry>();
  for (const e of reader.strictEntries(map, allowed, what)) attrs.set(e.key as JobKey, e);
  const layer: AttrLayer = { name, reader, at: reader.at(keyNode), attrs };
  const ext = attrs.get('extends');
  if (ext) {
    const target = reader.string(ext.value, `"extends" of ${what}`);
    if (target !== undefined) layer.extendsName = { name: target, node: ext.value };
    attrs.delete('extends');
  }
  return layer;
}

export class TemplateRegistry {
  private readonly templates = new Map<string, AttrLayer>();

  constructor(private readonly diags: Diagnostics) {}

  add(reader: Reader, map: YAMLMap): void {
    for (const e of entries(map)) {
      if (!NAME_PATTERN.test(e.key)) {
        this.diags.error('ORDO_BAD_VALUE', `template name "${e.key}" must start with a letter and hold only letters, digits, "_" or "-"`, reader.at(e.keyNode));
        continue;
      }
      const body = reader.map(e.value, `template "${e.key}"`);
      if (!body) continue;
      const previous = this.templates.get(e.key);
      if (previous) {
        const where = `${previous.at.file}:${previous.at.line}:${previous.at.column}`;
        this.diags.error('ORDO_DUPLICATE_TEMPLATE', `template "${e.key}" is already defined at ${where}`, reader.at(e.keyNode));
        continue;
      }
      this.templates.set(e.key, readLayer(reader, e.key, body, e.keyNode, true));
    }
  }

  /**
   * The layers of a job, farthest template first, and the template names nearest first. A job naming an
   * unknown template is reported here; problems inside the templates are reported once, by checkAll().
   */
  layersOf(job: AttrLayer): { layers: AttrLayer[]; chain: string[]; broken: boolean } {
    const layers: AttrLayer[] = [job];
    const chain: string[] = [];
    let broken = false;
    let current = job;
    while (current.extendsName) {
      const { name, node } = current.extendsName;
      const next = this.templates.get(name);
      if (!next) {
        if (current === job) {
          const known = [...this.templates.keys()].sort().join(', ') || 'none';
          job.reader.diags.error('ORDO_UNKNOWN_TEMPLATE', `job "${job.name}" extends unknown template "${name}"${suggest(name, this.templates.keys())} (templates: ${known})`, job.reader.at(node));
        }
        broken = true;
        break;
      }
      if (chain.includes(name)) {
        broken = true;
        break;
      }
      chain.push(name);
      layers.unshift(next);
      current = next;
    }
    return { layers, chain, broken };
  }

  /** Templates are checked on their own too, so a cycle among unused templates is still reported. */
  checkAll(): void {
    for (const t of this.templates.values()) {
      const seen: string[] = [t.name];
      let current: AttrLayer | undefined = t;
      while (current?.extendsName) {
        const { name, node } = current.extendsName;
        if (name === t.name || seen.includes(name)) {
          if (name === t.name) {
            const cycle = [...seen, name].join(' -> ');
            current.reader.diags.error('ORDO_TEMPLATE_CYCLE', `templates extend each other in a cycle: ${cycle}`, current.reader.at(node));
          }
          break;
        }
        seen.push(name);
        current = this.templates.get(name);
        if (!current) {
          const prev = this.templates.get(seen[seen.length - 2]!)!;
          const known = [...this.templates.keys()].sort().join(', ');
          prev.reader.diags.error('ORDO_UNKNOWN_TEMPLATE', `template "${prev.name}" extends unknown template "${name}"${suggest(name, this.templates.keys())} (templates: ${known})`, prev.reader.at(node));
        }
      }
    }
  }
}
