/**
 * The command map of a batch file (docs/batches.md): which command each host runs, chosen by the host's
 * name, then by a label (`role=db`, the first that matches in the order written), then by its `os` label,
 * then the default. Each entry is `command: [argv]` or `shell: script`, with optional env, cwd and timeout.
 *
 *   commands:
 *     default: { shell: 'systemctl restart app' }
 *     os:      { freebsd: { shell: 'service app restart' } }
 *     labels:  { role=db: { command: [/usr/local/bin/restart-db] } }
 *     hosts:   { web3: { shell: 'echo skipped on web3' } }
 */
import { isScalar, type Node } from 'yaml';
import type { BatchCommand, CommandRule } from './batch-model.js';
import { parseTemplate, refsOf } from './expr.js';
import { DEFAULT_SHELL } from './job.js';
import type { CommandLine, HostDef } from './model.js';
import { parseDuration } from './spec.js';
import { entries, scalarValue, type Reader } from './yaml.js';

export const COMMAND_MAP_KEYS = ['default', 'hosts', 'labels', 'os'] as const;
export const BATCH_COMMAND_KEYS = ['command', 'shell', 'env', 'cwd', 'timeout'] as const;

type Entry = Omit<BatchCommand, 'rule'>;

export interface CommandMap {
  default?: Entry;
  hosts: Map<string, Entry>;
  /** In the order written: the first whose label the host has decides. */
  labels: Array<{ key: string; value: string; entry: Entry }>;
  os: Map<string, Entry>;
  /** Where the map was written, for "this host has no command". */
  node: Node | null;
}

/** Reads `commands:`; hosts it names must be declared in ordo.yaml. */
export function readCommandMap(reader: Reader, node: Node | null, hosts: ReadonlyMap<string, HostDef>, defaults: Partial<Entry>): CommandMap {
  const map: CommandMap = { hosts: new Map(), labels: [], os: new Map(), node };
  const root = reader.map(node, '"commands"');
  if (!root) return map;
  for (const e of reader.strictEntries(root, COMMAND_MAP_KEYS, '"commands"')) {
    if (e.key === 'default') {
      map.default = readCommand(reader, e.value, '"commands.default"', defaults);
      continue;
    }
    const section = reader.map(e.value, `"commands.${e.key}"`);
    for (const k of section ? entries(section) : []) {
      const what = `"commands.${e.key}.${k.key}"`;
      const entry = readCommand(reader, k.value, what, defaults);
      if (e.key === 'hosts') {
        if (!hosts.has(k.key)) reader.diags.error('ORDO_UNKNOWN_HOST', `${what}: host "${k.key}" is not declared in ordo.yaml`, reader.at(k.keyNode));
        else if (entry) map.hosts.set(k.key, entry);
      } else if (e.key === 'os') {
        if (entry) map.os.set(k.key, entry);
      } else {
        const eq = k.key.indexOf('=');
        if (eq <= 0) reader.diags.error('ORDO_BAD_VALUE', `${what}: a label is written key=value, such as role=db`, reader.at(k.keyNode));
        else if (entry) map.labels.push({ key: k.key.slice(0, eq), value: k.key.slice(eq + 1), entry });
      }
    }
  }
  return map;
}

/** The command a host runs, and by which rule; undefined when nothing in the map matches it. */
export function commandFor(map: CommandMap, host: HostDef): BatchCommand | undefined {
  const pick = (entry: Entry | undefined, rule: CommandRule) => (entry ? { ...entry, rule } : undefined);
  const label = map.labels.find((l) => host.labels[l.key] === l.value);
  const os = host.labels.os;
  return pick(map.hosts.get(host.name), { kind: 'host' })
    ?? pick(label?.entry, { kind: 'label', label: label ? `${label.key}=${label.value}` : '' })
    ?? (os !== undefined ? pick(map.os.get(os), { kind: 'os', os }) : undefined)
    ?? pick(map.default, { kind: 'default' });
}

function readCommand(reader: Reader, node: Node | null, what: string, defaults: Partial<Entry>): Entry | undefined {
  const map = reader.map(node, what);
  if (!map) return undefined;
  const before = reader.diags.list.length;
  let command: CommandLine | undefined;
  const env: Record<string, string> = { ...defaults.env };
  let cwd = defaults.cwd;
  let timeoutMs = defaults.timeoutMs;
  const fields = reader.strictEntries(map, BATCH_COMMAND_KEYS, what);
  for (const f of fields) {
    if (f.key === 'shell') {
      const script = checked(reader, f.value, `"shell" of ${what}`);
      if (script !== undefined) command = { kind: 'shell', script, shell: DEFAULT_SHELL };
    } else if (f.key === 'command') command = readArgv(reader, f.value, `"command" of ${what}`);
    else if (f.key === 'env') readEnv(reader, f.value, `"env" of ${what}`, env);
    else if (f.key === 'cwd') cwd = checked(reader, f.value, `"cwd" of ${what}`);
    else timeoutMs = readTimeout(reader, f.value, `"timeout" of ${what}`);
  }
  const has = (k: string) => fields.some((f) => f.key === k);
  if (has('shell') && has('command')) reader.diags.error('ORDO_BAD_VALUE', `${what} has both "command" and "shell": give one`, reader.at(map));
  else if (!has('shell') && !has('command')) reader.diags.error('ORDO_NO_COMMAND', `${what} needs "command" (an argv list) or "shell" (a script)`, reader.at(map));
  if (reader.diags.list.length > before || !command) return undefined;
  return { command, env, ...(cwd !== undefined && { cwd }), ...(timeoutMs !== undefined && { timeoutMs }) };
}

function readArgv(reader: Reader, node: Node | null, what: string): CommandLine | undefined {
  const list = reader.list(node, what);
  if (!list) return undefined;
  if (list.length === 0) {
    reader.diags.error('ORDO_BAD_VALUE', `${what} is empty: give the program and its arguments`, reader.at(node));
    return undefined;
  }
  const argv = list.map((n, i) => checked(reader, n, `argument ${i} of ${what}`));
  return argv.every((a) => a !== undefined) ? { kind: 'argv', argv: argv as string[] } : undefined;
}

export function readEnv(reader: Reader, node: Node | null, what: string, into: Record<string, string>): void {
  const map = reader.map(node, what);
  for (const v of map ? entries(map) : []) {
    const value = checked(reader, v.value, `${v.key} in ${what}`);
    if (value !== undefined) into[v.key] = value;
  }
}

export function readTimeout(reader: Reader, node: Node | null, what: string): number | undefined {
  const ms = parseDuration(scalarValue(node));
  if (ms === undefined || ms <= 0) return reader.bad(node, what, 'a positive duration such as "30s" or "5m"');
  return ms;
}

/** A batch has no parameters or upstream jobs: `${{ secrets.NAME }}` is the only reference it may hold. */
function checked(reader: Reader, node: Node | null, what: string): string | undefined {
  const value = reader.text(node, what);
  if (value === undefined || !value.includes('${{')) return value;
  const parsed = parseTemplate(value);
  for (const err of parsed.errors) reader.diags.error('ORDO_BAD_EXPRESSION', `${what}: ${err.message}`, reader.at(node));
  for (const ref of refsOf(parsed.parts)) {
    if (ref.kind === 'secret') reader.diags.secretUses.push({ name: ref.name, at: reader.at(node), label: what });
    else {
      reader.diags.error('ORDO_BAD_EXPRESSION', `${what}: a batch has no parameters, results or kv; only \${{ secrets.NAME }} may be used`, reader.at(node));
      return undefined;
    }
  }
  return isScalar(node) ? value : undefined;
}
