/**
 * The two ends of a `copy` job (docs/job-kinds.md): a path on the engine's machine (relative to the project),
 * or `HOST:PATH` on an SSH host of ordo.yaml, as scp writes it. A `NAME:` prefix must name a host (ordo
 * validate says so); write `./a:b` for a local file whose name holds a colon.
 */
import type { HostDef } from './model.js';

export interface CopyEndpoint {
  /** An SSH host of ordo.yaml; absent: the engine's machine. */
  host?: string;
  path: string;
}

const REMOTE = /^([A-Za-z][A-Za-z0-9_-]*):(.+)$/;

export function parseCopyEndpoint(text: string, hosts: ReadonlyMap<string, HostDef>): CopyEndpoint {
  const m = REMOTE.exec(text);
  if (m && hosts.has(m[1]!)) return { host: m[1]!, path: m[2]! };
  return { path: text };
}

/**
 * What is wrong with a copy's ends as written (before expressions are expanded), or undefined: a `HOST:`
 * prefix naming no host, a host reached by an agent (copies go over SSH), or both ends remote.
 */
export function copyEndpointsProblem(from: string, to: string, hosts: ReadonlyMap<string, HostDef>): string | undefined {
  const ends = [from, to].map((t) => ({ text: t, end: parseCopyEndpoint(t, hosts) }));
  for (const { text, end } of ends) {
    if (text.startsWith('${{')) continue;
    const m = REMOTE.exec(text);
    if (m && !end.host && !m[2]!.startsWith('//')) {
      return `"${text}" names host "${m[1]}", which ordo.yaml does not declare (write ./${text} for a local file)`;
    }
    const def = end.host ? hosts.get(end.host) : undefined;
    if (def && def.transport !== 'ssh') return `"${text}": host "${end.host}" is reached by an agent; a copy reaches hosts over SSH (transport: ssh)`;
  }
  if (ends.every(({ end }) => end.host !== undefined)) return 'both ends are on hosts: copy from or to the engine\'s machine';
  return undefined;
}
