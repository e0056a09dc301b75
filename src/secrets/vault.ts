/**
 * Secrets as the product uses them (docs/secrets.md): set by an admin (CLI or API), sealed under the master
 * key, decrypted only by the engine for the attempt that names them. Nothing here ever returns a value to a
 * caller other than the engine.
 */
import { OrdoError } from '../errors.js';
import type { SqlPort } from '../store/port.js';
import { deleteSecret, getSealed, listSecrets, putSecret, resealAll, type SecretRecord } from '../store/secrets.js';
import { open, seal } from './cipher.js';
import type { MasterKey } from './master-key.js';
import { MIN_MASKED } from './mask.js';

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;
const MAX_VALUE_BYTES = 64 * 1024;

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `secret name "${name}": a name starts with a letter or "_" and holds letters, digits, "_" or "-" (at most 100)`);
  }
}

export async function setSecret(db: SqlPort, key: MasterKey, name: string, value: string, by: string, at: number): Promise<{ replaced: boolean }> {
  checkName(name);
  if (value.length < MIN_MASKED) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `secret "${name}": a value needs at least ${MIN_MASKED} characters, so that it can be masked in logs without hiding ordinary output`);
  }
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw new OrdoError('ORDO_BAD_ARGUMENT', `secret "${name}": a value may hold at most ${MAX_VALUE_BYTES} bytes`);
  return { replaced: await putSecret(db, name, seal(key, name, value), by, at) };
}

/** The values of `names`, for the engine; every name must be set. */
export async function revealSecrets(db: SqlPort, key: MasterKey, names: readonly string[]): Promise<Map<string, string>> {
  const sealed = await getSealed(db, names);
  const missing = names.filter((n) => !sealed.has(n));
  if (missing.length > 0) {
    throw new OrdoError('ORDO_NOT_FOUND', `secret${missing.length > 1 ? 's' : ''} ${missing.map((n) => `"${n}"`).join(', ')} not set (an admin sets one with: ordo secret set NAME)`);
  }
  return new Map(names.map((n) => [n, open(key, n, sealed.get(n)!)]));
}

export { listSecrets, type SecretRecord };

export async function removeSecret(db: SqlPort, name: string, by: string, at: number): Promise<void> {
  if (!(await deleteSecret(db, name, by, at))) throw new OrdoError('ORDO_NOT_FOUND', `there is no secret named "${name}"`);
}

/** Re-encrypts every secret from `from` to `to` in one transaction; the count re-encrypted. */
export async function rotateMasterKey(db: SqlPort, from: MasterKey, to: MasterKey, by: string, at: number): Promise<number> {
  if (from.id === to.id) throw new OrdoError('ORDO_BAD_ARGUMENT', `the new master key is the current one (${from.id})`);
  return resealAll(db, (name, sealed) => (sealed.keyId === to.id ? sealed : seal(to, name, open(from, name, sealed))), by, at);
}
