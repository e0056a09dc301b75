/**
 * Managing users and API tokens, for `ordo user|token` and the API's `users.*` / `tokens.*`: names are
 * checked, passwords hashed (scrypt) and tokens stored hashed (the secret is returned once). `grantor`, when
 * given, is the caller's role: nothing it creates may have a role beyond it.
 */
import { OrdoError } from '../errors.js';
import { createToken, getUser, saveUser } from '../store/auth.js';
import type { SqlPort } from '../store/port.js';
import { ROLES, isRole, within, type Role } from './roles.js';
import { hashPassword, hashToken, newToken } from './secrets.js';

const NAME = /^[A-Za-z0-9][\w.@-]{0,99}$/;

export function checkName(text: string, what: string): string {
  if (!NAME.test(text)) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} must be letters, digits, _ . @ - (up to 100), got "${text}"`);
  return text;
}

export function checkRole(text: string | undefined, what = '--role'): Role {
  if (!isRole(text)) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} must be one of ${ROLES.join(', ')}, got "${text ?? ''}"`);
  return text;
}

function mayGrant(role: Role, grantor: Role | null | undefined): void {
  if (grantor === undefined) return;
  if (grantor === null || !within(role, grantor)) {
    throw new OrdoError('ORDO_FORBIDDEN', `a caller with role ${grantor ?? 'none'} may not grant the role ${role}`);
  }
}

export interface NewUser {
  name: string;
  role: string;
  password?: string;
  replace?: boolean;
}

export async function addUser(db: SqlPort, u: NewUser, by: string, at: number, grantor?: Role | null): Promise<Role> {
  const role = checkRole(u.role);
  mayGrant(role, grantor);
  if (u.password !== undefined && u.password.length < 8) throw new OrdoError('ORDO_BAD_ARGUMENT', 'the password must have at least 8 characters');
  const passwordHash = u.password === undefined ? undefined : await hashPassword(u.password);
  await saveUser(db, { name: checkName(u.name, 'a user name'), role, passwordHash }, by, at, u.replace === true);
  return role;
}

export interface NewToken {
  name: string;
  /** Default: the user's role. */
  role?: string;
  /** The user the token belongs to: its role may not exceed the user's. */
  user?: string;
}

/** Creates a token; returns its role and its secret (shown only this once). */
export async function issueToken(db: SqlPort, t: NewToken, by: string, at: number, grantor?: Role | null): Promise<{ role: Role; secret: string }> {
  const owner = t.user === undefined ? undefined : await getUser(db, t.user);
  if (t.user !== undefined && !owner) throw new OrdoError('ORDO_NOT_FOUND', `user "${t.user}" does not exist (ordo user add)`);
  const role = t.role === undefined && owner ? owner.role : checkRole(t.role);
  if (owner && !within(role, owner.role)) throw new OrdoError('ORDO_BAD_ARGUMENT', `role ${role} exceeds the role of user ${owner.name} (${owner.role})`);
  mayGrant(role, grantor);
  const secret = newToken();
  await createToken(db, { name: checkName(t.name, 'the token name'), role, user: owner?.name ?? null, hash: hashToken(secret) }, by, at);
  return { role, secret };
}
