/**
 * The private key an SSH host logs in with (docs/hosts.md): its key file, or the secret named by
 * `key: ${{ secrets.NAME }}` (docs/secrets.md), decrypted by this engine each time it connects. The clear key
 * lives in memory for the handshake only: it is never written to disk, and every problem with it is reported
 * by the secret's name, never by its content.
 */
import { readFileSync } from 'node:fs';
import type { SshHostDef } from '../../defs/model.js';
import { OrdoError } from '../../errors.js';
import { privateKeyProblem } from '../../defs/ssh-host.js';

/** The engine's way to the secrets (src/secrets/vault.ts revealSecrets); absent without a master key. */
export type RevealSecrets = (names: readonly string[]) => Promise<Map<string, string>>;

/** Why an SSH connection could not be made; the message is the reason `ordo show` and `ordo why` give. */
export class SshConnectError extends Error {
  readonly code: 'ORDO_SSH_CONNECT' | 'ORDO_SSH_KEY' = 'ORDO_SSH_CONNECT';
}

/** The host's key cannot be had: the file is unreadable, the secret is not set or not a key, no master key. */
export class SshKeyError extends SshConnectError {
  override readonly code = 'ORDO_SSH_KEY';
}

/** The key to log in with (undefined: none is configured, the server's ssh-agent is asked). */
export async function privateKeyOf(host: { name: string; ssh: SshHostDef }, reveal: RevealSecrets | undefined): Promise<Buffer | undefined> {
  const { key, keySecret } = host.ssh;
  if (keySecret !== undefined) return secretKey(host.name, keySecret, reveal);
  if (key === undefined) return undefined;
  try {
    return readFileSync(key);
  } catch (err) {
    throw new SshKeyError(`cannot read the key file ${key}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

async function secretKey(hostName: string, name: string, reveal: RevealSecrets | undefined): Promise<Buffer> {
  const what = `the key of host ${hostName} (secret "${name}")`;
  if (!reveal) throw new SshKeyError(`${what} cannot be decrypted: this engine has no master key (set ORDO_MASTER_KEY_FILE, docs/secrets.md)`);
  let value: string | undefined;
  try {
    value = (await reveal([name])).get(name);
  } catch (err) {
    if (!(err instanceof OrdoError && err.code === 'ORDO_NOT_FOUND')) throw new SshKeyError(`${what} cannot be read: ${(err as Error).message}`);
  }
  if (value === undefined) throw new SshKeyError(`${what} is not set (set it with: ordo secret set ${name} --file KEYFILE)`);
  // `ordo secret set --file` drops the file's last newline; PEM and OpenSSH keys end with one.
  const text = Buffer.from(value.endsWith('\n') ? value : `${value}\n`);
  const problem = privateKeyProblem(text, `secret "${name}"`);
  if (problem) {
    text.fill(0);
    throw new SshKeyError(`${what}: ${problem}`);
  }
  return text;
}
