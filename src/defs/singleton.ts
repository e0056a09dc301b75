/**
 * A singleton flow (Switchman, seed 003; docs/hosts.md): `on:` names the hosts allowed to run its command
 * jobs (a list, or a label selector) and `singleton: true` says that each of them runs on exactly one live
 * one of those, under the flow's lease.
 *
 *   flow: rotate-logs
 *   on: { hosts: [app1, app2, app3] }      # or: on: { labels: { role: app } }
 *   singleton: true
 *   triggers: [ { cron: "0 * * * *" } ]
 *   jobs: ...
 *
 * The lease is renewed by the host's agent, so only agent hosts qualify: a host reached over SSH has
 * nothing that could renew it, or stop the job when it cannot.
 */
import type { Node } from 'yaml';
import type { JobDef, ProjectSettings, SingletonPlacement } from './model.js';
import { entries, type Entry, type Reader } from './yaml.js';

const ON_KEYS = ['hosts', 'labels'] as const;

/** The placement of the flow's command jobs, or undefined when the flow is not a singleton (or is wrong). */
export function readSingleton(reader: Reader, flow: string, fields: Map<string, Entry>, settings: ProjectSettings): SingletonPlacement | undefined {
  const what = `flow "${flow}"`;
  const on = fields.get('on');
  const single = fields.get('singleton');
  const isSingleton = single ? reader.boolean(single.value, `"singleton" of ${what}`) : undefined;
  if (!on) {
    if (isSingleton) reader.diags.error('ORDO_MISSING_KEY', `${what} is a singleton and needs "on": the hosts allowed to run it (on: { hosts: [a, b] } or on: { labels: { role: x } })`, reader.at(single!.keyNode));
    return undefined;
  }
  if (!isSingleton) {
    // Only singleton flows are placed as a whole; a job that may run on any of several hosts says `hosts:`.
    reader.diags.error('ORDO_BAD_VALUE', `"on" of ${what} is for singleton flows: add "singleton: true" (or give each job its own "host" or "hosts")`, reader.at(on.keyNode));
    return undefined;
  }
  const hosts = readOn(reader, on.value, what, settings);
  return hosts && hosts.length > 0 ? { lease: `flow:${flow}`, hosts } : undefined;
}

/** `on: { hosts: [...] }` or `on: { labels: {...} }`: the allowed hosts, each an agent host of ordo.yaml. */
function readOn(reader: Reader, node: Node | null, what: string, settings: ProjectSettings): string[] | undefined {
  const map = reader.map(node, `"on" of ${what}`);
  if (!map) return undefined;
  const fields = reader.strictEntries(map, ON_KEYS, `"on" of ${what}`);
  if (fields.length !== 1) {
    reader.diags.error(fields.length === 0 ? 'ORDO_MISSING_KEY' : 'ORDO_BAD_VALUE', `"on" of ${what} needs exactly one of "hosts" (a list) or "labels" (a selector)`, reader.at(node));
    return undefined;
  }
  const f = fields[0]!;
  const known = () => [...settings.hosts.keys()].sort().join(', ') || 'none';
  const out: string[] = [];
  if (f.key === 'hosts') {
    const items = reader.list(f.value, `"on.hosts" of ${what}`);
    for (const item of items ?? []) {
      const name = reader.string(item, `a host in "on" of ${what}`);
      if (name === undefined) continue;
      if (!settings.hosts.has(name)) reader.diags.error('ORDO_UNKNOWN_HOST', `${what} runs on host "${name}", which ordo.yaml does not declare (hosts: ${known()})`, reader.at(item));
      else if (out.includes(name)) reader.diags.error('ORDO_BAD_VALUE', `"on" of ${what} names host "${name}" twice`, reader.at(item));
      else if (agentOnly(reader, name, what, item, settings)) out.push(name);
    }
    if (items?.length === 0) {
      reader.diags.error('ORDO_BAD_VALUE', `"on.hosts" of ${what} is empty: name the hosts allowed to run it`, reader.at(f.value));
    }
    return out;
  }
  const labels: Record<string, string> = {};
  const l = reader.map(f.value, `"on.labels" of ${what}`);
  for (const e of l ? entries(l) : []) {
    const v = reader.text(e.value, `label "${e.key}" in "on" of ${what}`);
    if (v !== undefined) labels[e.key] = v;
  }
  const wanted = Object.entries(labels);
  const matching = [...settings.hosts.values()].filter((h) => wanted.every(([k, v]) => h.labels[k] === v));
  if (matching.length === 0) {
    reader.diags.error('ORDO_NO_HOST_MATCH', `${what} runs on a host with labels ${wanted.map(([k, v]) => `${k}=${v}`).join(',') || '(none)'}, and no host of ordo.yaml has them`, reader.at(f.value));
  }
  for (const h of matching) if (agentOnly(reader, h.name, what, f.value, settings)) out.push(h.name);
  return out;
}

/** A singleton lease is renewed by an agent: a host with another transport cannot hold one. */
function agentOnly(reader: Reader, host: string, what: string, node: Node | null, settings: ProjectSettings): boolean {
  const transport = settings.hosts.get(host)?.transport as string | undefined;
  if (transport === undefined || transport === 'agent') return true;
  reader.diags.error('ORDO_BAD_VALUE', `${what} is a singleton and host "${host}" is reached over ${transport}: only an agent host can hold a singleton lease (nothing on it could renew the lease, or stop the job when it cannot)`, reader.at(node));
  return false;
}

/**
 * Places the flow's command jobs under the lease. A job that names its own host or hosts is refused: in a
 * singleton flow the lease decides where each one runs.
 */
export function placeSingleton(reader: Reader, flow: string, jobs: JobDef[], placement: SingletonPlacement): JobDef[] {
  return jobs.map((job) => {
    if (job.kind !== 'command') return job;
    if (job.host !== undefined || job.hostSelector) {
      reader.diags.error('ORDO_BAD_VALUE', `job "${job.name}" of singleton flow "${flow}" names its own host: the flow's "on" and its lease place every command job`, job.at ?? reader.at(null));
      return job;
    }
    return { ...job, singleton: placement };
  });
}
