/**
 * `ordo validate` for SSH hosts whose key is a secret (`key: ${{ secrets.NAME }}`, docs/hosts.md): the
 * definitions alone cannot tell whether the secret exists, so this looks in the store the project would use.
 * A secret that is not set is ORDO_UNKNOWN_SECRET at the `key`'s file:line:column; with the master key at
 * hand the secret is also decrypted (in memory only) and must be a private key ssh2 can use.
 */
import type { Diagnostic } from '../defs/diagnostics.js';
import type { HostDef } from '../defs/model.js';
import { privateKeyProblem } from '../defs/ssh-host.js';
import type { RevealSecrets } from '../exec/ssh/credentials.js';

/** The hosts whose key is a secret, with where ordo.yaml says so. */
export function hostsWithKeySecrets(hosts: Map<string, HostDef>): HostDef[] {
  return [...hosts.values()].filter((h) => h.ssh?.keySecret !== undefined);
}

/** `setNames`: the secrets the store holds; `reveal`: given when this process has the master key. */
export async function checkSshKeySecrets(hosts: Map<string, HostDef>, setNames: ReadonlySet<string>, reveal?: RevealSecrets): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const h of hostsWithKeySecrets(hosts)) {
    const name = h.ssh!.keySecret!;
    const at = h.ssh!.keyAt ?? { file: 'ordo.yaml', line: 1, column: 1 };
    const label = `"key" of host "${h.name}" is the secret "${name}"`;
    if (!setNames.has(name)) {
      out.push({ code: 'ORDO_UNKNOWN_SECRET', severity: 'error', at, message: `${label}, which is not set (set it with: ordo secret set ${name} --file KEYFILE)` });
      continue;
    }
    if (!reveal) continue;
    let value: string | undefined;
    try {
      value = (await reveal([name])).get(name);
    } catch (err) {
      out.push({ code: 'ORDO_BAD_VALUE', severity: 'warning', at, message: `${label}, which cannot be decrypted here to check it: ${(err as Error).message}` });
      continue;
    }
    const problem = value === undefined ? undefined : privateKeyProblem(Buffer.from(`${value}\n`), `secret "${name}"`);
    if (problem) out.push({ code: 'ORDO_BAD_VALUE', severity: 'error', at, message: `${label}: ${problem}` });
  }
  return out;
}
