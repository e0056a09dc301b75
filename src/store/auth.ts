/**
 * Users and API tokens over the SQL port (tables of migration 0003). Each change is one transaction with
 * its event row (`user_added`, `user_changed`, `token_created`, `token_revoked`), like every other change
 * of state. Secrets arrive here already hashed (auth/secrets.ts). A user's tokens never grant more than the
 * user's current role: a demotion narrows them in the same transaction (and the authenticator narrows
 * again at each use, so a token read before the demotion committed is not trusted beyond it).
 */
import { narrower, within, type Role } from '../auth/roles.js';
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
  /** When the token stops working (ms since the epoch), null: never. */
  expiresAt: number | null;
}

/** A token as the authenticator sees it: with its user's current role (null without a user, or when gone). */
export interface TokenGrant extends TokenRecord {
  userRole: Role | null;
  userExists: boolean;
}

async function event(tx: Queryable, at: number, kind: string, data: Record<string, unknown>): Promise<void> {
  await tx.run('INSERT INTO events (at, run_id, task_id, job, kind, data) VALUES (?, NULL, NULL, NULL, ?, ?)', [at, kind, JSON.stringify(data)]);
}

const toUser = (r: SqlRow): UserRecord => ({
  name: String(r.name), role: r.role as Role, hasPassword: r.password_hash !== null && r.password_hash !== undefined, createdAt: Number(r.created_at),
});

const toToken = (r: SqlRow): TokenRecord => ({
  name: String(r.name), role: r.role as Role, user: r.user_name === null || r.user_name === undefined ? null : String(r.user_name),
  createdAt: Number(r.created_at), lastUsedAt: nullableNumber(r.last_used_at), expiresAt: nullableNumber(r.expires_at),
});

function nullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/**
 * Adds a user, or with `replace` changes an existing one's role (and password when given). `mayChange`,
 * when given, is asked about the existing user's current role inside the transaction (and throws to refuse).
 */
export async function saveUser(db: SqlPort, user: { name: string; role: Role; passwordHash?: string | null }, by: string, at: number,
  replace = false, mayChange?: (current: Role) => void): Promise<void> {
  await db.transaction(async (tx) => {
    const [existing] = await tx.query('SELECT name, role FROM users WHERE name = ?', [user.name]);
    if (existing && !replace) throw new OrdoError('ORDO_BAD_STATE', `user "${user.name}" already exists`);
    if (existing) mayChange?.(existing.role as Role);
    if (existing) {
      await tx.run('UPDATE users SET role = ?, updated_at = ? WHERE name = ?', [user.role, at, user.name]);
      if (user.passwordHash !== undefined) await tx.run('UPDATE users SET password_hash = ? WHERE name = ?', [user.passwordHash, user.name]);
      await narrowTokens(tx, user.name, user.role, by, at);
    } else {
      await tx.run('INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
        [user.name, user.role, user.passwordHash ?? null, at, at]);
    }
    await event(tx, at, existing ? 'user_changed' : 'user_added', { name: user.name, role: user.role, by });
  });
}

/** A demoted user's tokens are narrowed to the new role at once (an event per token changed). */
async function narrowTokens(tx: Queryable, userName: string, role: Role, by: string, at: number): Promise<void> {
  for (const row of await tx.query('SELECT name, role FROM api_tokens WHERE user_name = ?', [userName])) {
    const was = row.role as Role;
    if (within(was, role)) continue;
    const now = narrower(was, role);
    await tx.run('UPDATE api_tokens SET role = ? WHERE name = ?', [now, String(row.name)]);
    await event(tx, at, 'token_narrowed', { name: String(row.name), user: userName, from: was, role: now, by });
  }
}

export async function getUser(db: SqlPort, name: string): Promise<(UserRecord & { passwordHash: string | null }) | undefined> {
  const [row] = await db.query('SELECT * FROM users WHERE name = ?', [name]);
  return row ? { ...toUser(row), passwordHash: row.password_hash === null ? null : String(row.password_hash) } : undefined;
}

export async function listUsers(db: SqlPort): Promise<UserRecord[]> {
  return (await db.query('SELECT * FROM users ORDER BY name')).map(toUser);
}

export async function createToken(db: SqlPort, token: { name: string; role: Role; user: string | null; hash: string; expiresAt?: number | null },
  by: string, at: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [existing] = await tx.query('SELECT name FROM api_tokens WHERE name = ?', [token.name]);
    if (existing) throw new OrdoError('ORDO_BAD_STATE', `a token named "${token.name}" already exists (revoke it first)`);
    await tx.run('INSERT INTO api_tokens (name, token_hash, role, user_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      [token.name, token.hash, token.role, token.user, at, token.expiresAt ?? null]);
    await event(tx, at, 'token_created', { name: token.name, role: token.role, user: token.user, expiresAt: token.expiresAt ?? null, by });
  });
}

/**
 * Deletes the token; false when there was none of that name. `mayRevoke`, when given, is asked inside the
 * transaction about the token's role and its user's current role (null without a user), and throws to refuse.
 */
export async function revokeToken(db: SqlPort, name: string, by: string, at: number,
  mayRevoke?: (token: { role: Role; userRole: Role | null }) => void): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (mayRevoke) {
      const [row] = await tx.query('SELECT t.role, u.role AS user_role FROM api_tokens t LEFT JOIN users u ON u.name = t.user_name WHERE t.name = ?', [name]);
      if (row) mayRevoke({ role: row.role as Role, userRole: row.user_role === null || row.user_role === undefined ? null : (row.user_role as Role) });
    }
    const changed = await tx.run('DELETE FROM api_tokens WHERE name = ?', [name]);
    if (changed > 0) await event(tx, at, 'token_revoked', { name, by });
    return changed > 0;
  });
}

/** The token with this hash, with its user's current role (one query: a token and its user are read together). */
export async function tokenByHash(db: SqlPort, hash: string): Promise<TokenGrant | undefined> {
  const [row] = await db.query(
    'SELECT t.*, u.role AS user_role, u.name AS user_found FROM api_tokens t LEFT JOIN users u ON u.name = t.user_name WHERE t.token_hash = ?', [hash]);
  if (!row) return undefined;
  const userExists = row.user_found !== null && row.user_found !== undefined;
  return { ...toToken(row), userRole: userExists ? (row.user_role as Role) : null, userExists };
}

export async function getToken(db: SqlPort, name: string): Promise<TokenRecord | undefined> {
  const [row] = await db.query('SELECT * FROM api_tokens WHERE name = ?', [name]);
  return row ? toToken(row) : undefined;
}

export async function listTokens(db: SqlPort): Promise<TokenRecord[]> {
  return (await db.query('SELECT * FROM api_tokens ORDER BY name')).map(toToken);
}

/** Records when a token was last used (callers throttle this: it is a write). */
export async function touchToken(db: SqlPort, name: string, at: number): Promise<void> {
  await db.run('UPDATE api_tokens SET last_used_at = ? WHERE name = ?', [at, name]);
}
