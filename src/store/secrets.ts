/**
 * Secrets over the SQL port (migration 0013): sealed values only, never clear text. Each change is one
 * transaction with its event (`secret_set`, `secret_deleted`, `secrets_rekeyed`), which names the secret and
 * who changed it, never the value.
 */
import type { Sealed } from '../secrets/cipher.js';
import type { Queryable, SqlPort, SqlRow } from './port.js';

export interface SecretRecord {
  name: string;
  keyId: string;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
}

async function event(tx: Queryable, at: number, kind: string, data: Record<string, unknown>): Promise<void> {
  await tx.run('INSERT INTO events (at, run_id, task_id, job, kind, data) VALUES (?, NULL, NULL, NULL, ?, ?)', [at, kind, JSON.stringify(data)]);
}

const toRecord = (r: SqlRow): SecretRecord => ({
  name: String(r.name), keyId: String(r.key_id), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), updatedBy: String(r.updated_by),
});

const toSealed = (r: SqlRow): Sealed => ({ keyId: String(r.key_id), nonce: Buffer.from(String(r.nonce), 'base64'), data: Buffer.from(String(r.data), 'base64') });

/** Adds or replaces a secret; true when it replaced one. */
export async function putSecret(db: SqlPort, name: string, sealed: Sealed, by: string, at: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.query('SELECT name FROM secrets WHERE name = ?', [name]);
    const nonce = sealed.nonce.toString('base64');
    const data = sealed.data.toString('base64');
    if (existing) {
      await tx.run('UPDATE secrets SET key_id = ?, nonce = ?, data = ?, updated_at = ?, updated_by = ? WHERE name = ?', [sealed.keyId, nonce, data, at, by, name]);
    } else {
      await tx.run('INSERT INTO secrets (name, key_id, nonce, data, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [name, sealed.keyId, nonce, data, at, at, by]);
    }
    await event(tx, at, 'secret_set', { name, by, replaced: Boolean(existing) });
    return Boolean(existing);
  });
}

export async function getSealed(db: Queryable, names: readonly string[]): Promise<Map<string, Sealed>> {
  const out = new Map<string, Sealed>();
  if (names.length === 0) return out;
  const rows = await db.query(`SELECT name, key_id, nonce, data FROM secrets WHERE name IN (${names.map(() => '?').join(', ')})`, [...names]);
  for (const r of rows) out.set(String(r.name), toSealed(r));
  return out;
}

export async function listSecrets(db: SqlPort): Promise<SecretRecord[]> {
  return (await db.query('SELECT name, key_id, created_at, updated_at, updated_by FROM secrets ORDER BY name')).map(toRecord);
}

export async function deleteSecret(db: SqlPort, name: string, by: string, at: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.query('SELECT name FROM secrets WHERE name = ?', [name]);
    if (!existing) return false;
    await tx.run('DELETE FROM secrets WHERE name = ?', [name]);
    await event(tx, at, 'secret_deleted', { name, by });
    return true;
  });
}

/**
 * Re-seals every secret in one transaction (a rotation either completes or leaves all under the old key):
 * `reseal` gets each sealed value and returns it sealed under the new key.
 */
export async function resealAll(db: SqlPort, reseal: (name: string, sealed: Sealed) => Sealed, by: string, at: number): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.query('SELECT name, key_id, nonce, data FROM secrets ORDER BY name');
    let keyId = '';
    for (const r of rows) {
      const next = reseal(String(r.name), toSealed(r));
      keyId = next.keyId;
      await tx.run('UPDATE secrets SET key_id = ?, nonce = ?, data = ?, updated_at = ?, updated_by = ? WHERE name = ?',
        [next.keyId, next.nonce.toString('base64'), next.data.toString('base64'), at, by, String(r.name)]);
    }
    await event(tx, at, 'secrets_rekeyed', { count: rows.length, keyId, by });
    return rows.length;
  });
}
