/**
 * Users and API tokens over the SQL port (tables of migration 0003). Each change is one transaction with
 * its event row (`user_added`, `user_changed`, `token_created`, `token_revoked`), like every other change
 * of state. Secrets arrive here already hashed (auth/secrets.ts).
 */
import type { Role } from '../auth/roles.js';
import { OrdoError } from '../errors.js';
import type { Queryable, SqlPort, SqlRow } from './port.js';

export interface UserRecord {
  name: string;
  role: Role;
  hasPassword: boolean;
  createdAt: number;
}

export interface TokenRecord {
  name: string;
  role: Role;
  user: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

async function event(tx: Queryable, at: number, kind: string, data: Record<string, unknown>): Promise<void> {
  await tx.run('INSERT INTO events (at, run_id, task_id, job, kind, data) VALUES (?, NULL, NULL, NULL, ?, ?)', [at, kind, JSON.stringify(data)]);
}

const toUser = (r: SqlRow): UserRecord => ({
  name: String(r.name), role: r.role as Role, hasPassword: r.password_hash !== null && r.password_hash !== undefined, createdAt: Number(r.created_at),
});

const toToken = (r: SqlRow): TokenRecord => ({
  name: String(r.name), role: r.role as Role, user: r.user_name === null || r.user_name === undefined ? null : String(r.user_name),
  createdAt: Number(r.created_at), lastUsedAt: r.last_used_at === null || r.last_used_at === undefined ? null : Number(r.last_used_at),
});

/** Adds a user, or with `replace` changes an existing one's role (and password when given). */
export async function saveUser(db: SqlPort, user: { name: string; role: Role; passwordHash?: string | null }, by: string, at: number,
  replace = false): Promise<void> {
  await db.transaction(async (tx) => {
    const [existing] = await tx.query('SELECT name FROM users WHERE name = ?', [user.name]);
    if (existing && !replace) throw new OrdoError('ORDO_BAD_STATE', `user "${user.name}" already exists`);
    if (existing) {
      await tx.run('UPDATE users SET role = ?, updated_at = ? WHERE name = ?', [user.role, at, user.name]);
      if (user.passwordHash !== undefined) await tx.run('UPDATE users SET password_hash = ? WHERE name = ?', [user.passwordHash, user.name]);
    } else {
      await tx.run('INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
        [user.name, user.role, user.passwordHash ?? null, at, at]);
    }
    await event(tx, at, existing ? 'user_changed' : 'user_added', { name: user.name, role: user.role, by });
  });
}

export async function getUser(db: SqlPort, name: string): Promise<(UserRecord & { passwordHash: string | null }) | undefined> {
  const [row] = await db.query('SELECT * FROM users WHERE name = ?', [name]);
  return row ? { ...toUser(row), passwordHash: row.password_hash === null ? null : String(row.password_hash) } : undefined;
}

export async function listUsers(db: SqlPort): Promise<UserRecord[]> {
  return (await db.query('SELECT * FROM users ORDER BY name')).map(toUser);
}

export async function createToken(db: SqlPort, token: { name: string; role: Role; user: string | null; hash: string }, by: string,
  at: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [existing] = await tx.query('SELECT name FROM api_tokens WHERE name = ?', [token.name]);
    if (existing) throw new OrdoError('ORDO_BAD_STATE', `a token named "${token.name}" already exists (revoke it first)`);
    await tx.run('INSERT INTO api_tokens (name, token_hash, role, user_name, created_at) VALUES (?, ?, ?, ?, ?)',
      [token.name, token.hash, token.role, token.user, at]);
    await event(tx, at, 'token_created', { name: token.name, role: token.role, user: token.user, by });
  });
}

/** Deletes the token; false when there was none of that name. */
export async function revokeToken(db: SqlPort, name: string, by: string, at: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const changed = await tx.run('DELETE FROM api_tokens WHERE name = ?', [name]);
    if (changed > 0) await event(tx, at, 'token_revoked', { name, by });
    return changed > 0;
  });
}

export async function tokenByHash(db: SqlPort, hash: string): Promise<TokenRecord | undefined> {
  const [row] = await db.query('SELECT * FROM api_tokens WHERE token_hash = ?', [hash]);
  return row ? toToken(row) : undefined;
}

export async function listTokens(db: SqlPort): Promise<TokenRecord[]> {
  return (await db.query('SELECT * FROM api_tokens ORDER BY name')).map(toToken);
}

/** Records when a token was last used (callers throttle this: it is a write). */
export async function touchToken(db: SqlPort, name: string, at: number): Promise<void> {
  await db.run('UPDATE api_tokens SET last_used_at = ? WHERE name = ?', [at, name]);
}
