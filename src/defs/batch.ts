/**
 * Reads a batch file into a BatchPlan (batch-model.ts), every problem at file:line:column (docs/batches.md):
 *
 *   batch: restart-web
 *   hosts: { labels: { role: web } }     # or a list of host names; or only rollout.groups
 *   rollout: { parallel: 10 }            # or { groups: [[web1, web2], [web3, web4]] }; default: all at once
 *   maxFailures: 10%                     # or a count; default 0: the first failure stops the later groups
 *   timeout: 5m
 *   commands: { default: { shell: 'systemctl restart app' } }
 */
import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { commandFor, readCommandMap, readEnv, readTimeout } from './batch-commands.js';
import type { BatchCommand, BatchPlan, FailureThreshold } from './batch-model.js';
import type { HostDef } from './model.js';
import { NAME_PATTERN } from './spec.js';
import { Diagnostics, entries, parseYaml, Reader } from './yaml.js';

export const BATCH_KEYS = ['batch', 'description', 'hosts', 'rollout', 'maxFailures', 'timeout', 'env', 'cwd', 'commands'] as const;
export const ROLLOUT_KEYS = ['groups', 'parallel'] as const;

/** Whether a YAML root is a batch file (it names its batch with `batch:`). */
export function isBatchRoot(root: Node | null): root is YAMLMap {
  return isMap(root) && entries(root).some((e) => e.key === 'batch');
}

/** Parses and reads one batch file's text; the plan only when there is no error. */
export function readBatchText(file: string, text: string, hosts: ReadonlyMap<string, HostDef>): { plan?: BatchPlan; diagnostics: Diagnostics } {
  const diags = new Diagnostics();
  const src = parseYaml(file, text, diags);
  if (src.root === null) return { diagnostics: diags };
  const reader = new Reader(src, diags);
  const root = reader.map(src.root, 'a batch file');
  if (root && !isBatchRoot(root)) diags.error('ORDO_MISSING_KEY', 'a batch file names its batch with "batch: NAME"', reader.at(root));
  const plan = root && isBatchRoot(root) ? readBatch(reader, root, hosts) : undefined;
  diags.list.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);
  return diags.hasErrors ? { diagnostics: diags } : { plan, diagnostics: diags };
}

/** Reads a batch file's root mapping; undefined when it has errors (they are in reader.diags). */
export function readBatch(reader: Reader, root: YAMLMap, hosts: ReadonlyMap<string, HostDef>): BatchPlan | undefined {
  const diags = reader.diags;
  const before = diags.list.length;
  const fields = new Map(reader.strictEntries(root, BATCH_KEYS, 'a batch file').map((e) => [e.key, e]));
  const nameEntry = fields.get('batch')!;
  const name = reader.string(nameEntry.value, '"batch"');
  if (name !== undefined && !NAME_PATTERN.test(name)) {
    diags.error('ORDO_BAD_VALUE', `batch "${name}": a name starts with a letter and holds letters, digits, "_" or "-"`, reader.at(nameEntry.value));
  }
  const description = fields.has('description') ? reader.string(fields.get('description')!.value, '"description"') : undefined;

  const defaults: Partial<Omit<BatchCommand, 'rule'>> = { env: {} };
  if (fields.has('env')) readEnv(reader, fields.get('env')!.value, '"env"', defaults.env!);
  if (fields.has('cwd')) defaults.cwd = reader.text(fields.get('cwd')!.value, '"cwd"');
  if (fields.has('timeout')) defaults.timeoutMs = readTimeout(reader, fields.get('timeout')!.value, '"timeout"');

  const groups = readGroups(reader, root, fields, hosts);
  const threshold = readThreshold(reader, fields.get('maxFailures')?.value ?? null);
  const commands: Record<string, BatchCommand> = {};
  const mapEntry = fields.get('commands');
  if (!mapEntry) diags.error('ORDO_MISSING_KEY', 'a batch needs "commands" (at least "commands.default")', reader.at(root));
  else {
    const map = readCommandMap(reader, mapEntry.value, hosts, defaults);
    const without: string[] = [];
    for (const host of (groups ?? []).flat()) {
      const c = commandFor(map, hosts.get(host)!);
      if (c) commands[host] = c;
      else without.push(host);
    }
    if (without.length > 0 && diags.list.length === before) {
      diags.error('ORDO_NO_COMMAND', `no entry of "commands" matches host${without.length > 1 ? 's' : ''} ${without.join(', ')}: add "commands.default"`, reader.at(mapEntry.keyNode));
    }
  }
  if (diags.list.length > before || name === undefined || !groups || !threshold) return undefined;
  return { name, ...(description !== undefined && { description }), source: reader.src.file, groups, commands, threshold };
}

/** `rollout.groups` as written, or the hosts (a list or a selector) cut into groups of `parallel`. */
function readGroups(reader: Reader, root: YAMLMap, fields: Map<string, { keyNode: Node; value: Node | null }>,
  hosts: ReadonlyMap<string, HostDef>): string[][] | undefined {
  const diags = reader.diags;
  let explicit: { node: Node | null } | undefined;
  let parallel: number | undefined;
  const rollout = fields.get('rollout');
  const rolloutMap = rollout ? reader.map(rollout.value, '"rollout"') : undefined;
  if (rolloutMap) {
    const r = reader.strictEntries(rolloutMap, ROLLOUT_KEYS, '"rollout"');
    for (const e of r) {
      if (e.key === 'groups') explicit = { node: e.value };
      else parallel = reader.integer(e.value, '"rollout.parallel"', 1);
    }
    if (r.length === 2) diags.error('ORDO_BAD_VALUE', '"rollout" has both "groups" and "parallel": give one', reader.at(rolloutMap));
    if (r.length === 0) diags.error('ORDO_MISSING_KEY', '"rollout" needs "groups" or "parallel"', reader.at(rolloutMap));
  }
  const hostsEntry = fields.get('hosts');
  if (explicit) {
    if (hostsEntry) {
      diags.error('ORDO_BAD_VALUE', '"hosts" and "rollout.groups" together: the groups name the hosts, give only them', reader.at(hostsEntry.keyNode));
    }
    return readExplicitGroups(reader, explicit.node, hosts);
  }
  if (!hostsEntry) {
    diags.error('ORDO_MISSING_KEY', 'a batch needs "hosts" (a list or { labels: ... }) or "rollout.groups"', reader.at(root));
    return undefined;
  }
  const list = readHostList(reader, hostsEntry.value, hosts);
  if (!list) return undefined;
  const size = parallel ?? list.length;
  const out: string[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function readExplicitGroups(reader: Reader, node: Node | null, hosts: ReadonlyMap<string, HostDef>): string[][] | undefined {
  const items = reader.list(node, '"rollout.groups"');
  if (!items) return undefined;
  if (items.length === 0) reader.diags.error('ORDO_BAD_VALUE', '"rollout.groups" is empty: give at least one group of hosts', reader.at(node));
  const seen = new Map<string, number>();
  const groups: string[][] = [];
  items.forEach((item, g) => {
    const what = `group ${g + 1} of "rollout.groups"`;
    const members = reader.list(item, what);
    if (!members) return;
    if (members.length === 0) reader.diags.error('ORDO_BAD_VALUE', `${what} is empty: give its hosts, or remove it`, reader.at(item));
    const group: string[] = [];
    for (const m of members) {
      const host = knownHost(reader, m, what, hosts);
      if (host === undefined) continue;
      const other = seen.get(host);
      if (other !== undefined) {
        reader.diags.error('ORDO_BAD_VALUE', `host "${host}" is in ${other === g ? `${what} twice` : `group ${other + 1} and ${what}`}: a host runs once per batch`, reader.at(m));
        continue;
      }
      seen.set(host, g);
      group.push(host);
    }
    groups.push(group);
  });
  return groups;
}

/** `hosts: [web1, web2]`, or `hosts: { labels: { role: web } }` (every matching host, in ordo.yaml's order). */
function readHostList(reader: Reader, node: Node | null, hosts: ReadonlyMap<string, HostDef>): string[] | undefined {
  if (isMap(node)) {
    const fields = reader.strictEntries(node, ['labels'], '"hosts"');
    const labelsNode = fields[0]?.value ?? null;
    if (!fields[0]) {
      reader.diags.error('ORDO_MISSING_KEY', '"hosts" needs "labels" (or write a list of host names)', reader.at(node));
      return undefined;
    }
    const map = reader.map(labelsNode, '"hosts.labels"');
    if (!map) return undefined;
    const want: Record<string, string> = {};
    for (const e of entries(map)) {
      const v = reader.text(e.value, `label "${e.key}" in "hosts"`);
      if (v !== undefined) want[e.key] = v;
    }
    const matched = [...hosts.values()].filter((h) => Object.entries(want).every(([k, v]) => h.labels[k] === v)).map((h) => h.name);
    if (matched.length === 0) {
      const text = Object.entries(want).map(([k, v]) => `${k}=${v}`).join(', ');
      reader.diags.error('ORDO_NO_HOST_MATCH', `"hosts" selects the hosts labelled ${text || '(nothing)'}, and no host of ordo.yaml is`, reader.at(labelsNode));
      return undefined;
    }
    return matched;
  }
  const items = reader.list(node, '"hosts"');
  if (!items) return reader.bad(node, '"hosts"', 'a list of host names or { labels: ... }');
  if (items.length === 0) reader.diags.error('ORDO_BAD_VALUE', '"hosts" is empty: give at least one host', reader.at(node));
  const out: string[] = [];
  for (const item of items) {
    const host = knownHost(reader, item, '"hosts"', hosts);
    if (host === undefined) continue;
    if (out.includes(host)) reader.diags.error('ORDO_BAD_VALUE', `host "${host}" is in "hosts" twice: a host runs once per batch`, reader.at(item));
    else out.push(host);
  }
  return out;
}

function knownHost(reader: Reader, node: Node, what: string, hosts: ReadonlyMap<string, HostDef>): string | undefined {
  const name = reader.string(node, `a host of ${what}`);
  if (name === undefined) return undefined;
  if (!hosts.has(name)) {
    reader.diags.error('ORDO_UNKNOWN_HOST', `host "${name}" in ${what} is not declared in ordo.yaml (hosts: ${[...hosts.keys()].join(', ') || 'none'})`, reader.at(node));
    return undefined;
  }
  return name;
}

/** `maxFailures: 2` or `"10%"`; absent: 0 (CafeBatch: a group starts only when the ones before succeeded). */
function readThreshold(reader: Reader, node: Node | null): FailureThreshold | undefined {
  if (node === null) return { kind: 'count', max: 0 };
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return { kind: 'count', max: value };
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
  if (m && Number(m[1]) <= 100) return { kind: 'percent', percent: Number(m[1]) };
  reader.diags.error('ORDO_BAD_VALUE', `"maxFailures" must be a count (0, 1, 2, ...) or a percentage of the hosts ("10%", at most 100%), got ${JSON.stringify(value ?? null)}`, reader.at(node));
  return undefined;
}
