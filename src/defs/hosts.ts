/**
 * `hosts:` in ordo.yaml: where command jobs may run besides the server (docs/hosts.md).
 *
 *   hosts:
 *     web1: { address: web1.example.net, labels: { role: web }, slots: 4 }
 *     db1:  { transport: agent, slots: 2 }
 *     old1: { transport: ssh, address: old1.example.net, user: batch, key: keys/old1 }
 *
 * A job names one with `host: web1`.
 */
import type { Node, YAMLMap } from 'yaml';
import type { HostDef } from './model.js';
import { NAME_PATTERN } from './spec.js';
import { readSshHost, SSH_KEYS } from './ssh-host.js';
import { entries, type Reader } from './yaml.js';

const HOST_KEYS = ['transport', 'address', 'labels', 'slots', 'description', ...SSH_KEYS] as const;
const TRANSPORTS = ['agent', 'ssh'] as const;
const DEFAULT_SLOTS = 4;

/** `projectDir`: what relative paths (an SSH key, known_hosts) are relative to. */
export function readHosts(reader: Reader, map: YAMLMap, into: Map<string, HostDef>, projectDir: string): void {
  for (const e of entries(map)) {
    const what = `host "${e.key}"`;
    if (!NAME_PATTERN.test(e.key)) {
      reader.diags.error('ORDO_BAD_VALUE', `${what}: a name starts with a letter and holds letters, digits, "_" or "-"`, reader.at(e.keyNode));
      continue;
    }
    const body = reader.map(e.value, what);
    if (!body) continue;
    const def: HostDef = { name: e.key, transport: 'agent', labels: {}, slots: DEFAULT_SLOTS };
    const fields = reader.strictEntries(body, HOST_KEYS, what);
    for (const f of fields) {
      if ((SSH_KEYS as readonly string[]).includes(f.key)) continue; // read by readSshHost
      if (f.key === 'transport') {
        const t = reader.string(f.value, `"transport" of ${what}`);
        if (t !== undefined && !(TRANSPORTS as readonly string[]).includes(t)) {
          reader.diags.error('ORDO_BAD_VALUE', `"transport" of ${what} must be ${TRANSPORTS.join(' or ')}, got "${t}"`, reader.at(f.value));
        } else if (t === 'ssh') def.transport = 'ssh';
      } else if (f.key === 'address') def.address = reader.string(f.value, `"address" of ${what}`);
      else if (f.key === 'description') def.description = reader.string(f.value, `"description" of ${what}`);
      else if (f.key === 'slots') def.slots = reader.integer(f.value, `"slots" of ${what}`, 1) ?? def.slots;
      else {
        const labels = reader.map(f.value, `"labels" of ${what}`);
        for (const l of labels ? entries(labels) : []) {
          const v = reader.text(l.value, `label "${l.key}" of ${what}`);
          if (v !== undefined) def.labels[l.key] = v;
        }
      }
    }
    const ssh = readSshHost(reader, body, fields, def, what, projectDir);
    if (ssh) def.ssh = ssh;
    into.set(e.key, def);
  }
}

const SELECTOR_KEYS = ['labels'] as const;

/** A job's `hosts: { labels: { role: db } }`: any one host whose labels contain these. */
export function readHostSelector(reader: Reader, node: Node | null, what: string): { labels: Record<string, string> } | undefined {
  const map = reader.map(node, `"hosts" of ${what}`);
  if (!map) return undefined;
  const labels: Record<string, string> = {};
  let seen = false;
  for (const f of reader.strictEntries(map, SELECTOR_KEYS, `"hosts" of ${what}`)) {
    seen = true;
    const l = reader.map(f.value, `"hosts.labels" of ${what}`);
    for (const e of l ? entries(l) : []) {
      const v = reader.text(e.value, `label "${e.key}" in "hosts" of ${what}`);
      if (v !== undefined) labels[e.key] = v;
    }
  }
  if (!seen) reader.diags.error('ORDO_MISSING_KEY', `"hosts" of ${what} needs "labels"`, reader.at(node));
  return { labels };
}
