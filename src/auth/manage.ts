/**
 * Managing users and API tokens, for `ordo user|token` and the API's `users.*` / `tokens.*`: names are
 * checked, passwords hashed (scrypt) and tokens stored hashed (the secret is returned once). `grantor`, when
 * given, is the caller's role (the API's callers; the CLI writes the store and has none): nothing it creates
 * may have a role beyond it, and nothing it changes or revokes may have one now. So an admin can neither
 * create a superuser nor demote, re-password or take the tokens of one, nor make tokens in one's name.
 */
import { OrdoError } from '../errors.js';
import { createToken, getUser, revokeToken, saveUser } from '../store/auth.js';
import type { SqlPort } from '../store/port.js';
import { parseExpiry } from './expiry.js';
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

/** Whether a caller of role `grantor` may act on something whose role is `target` now. */
function mayTouch(what: string, target: Role, grantor: Role | null | undefined): void {
  if (grantor === undefined) return;
  if (grantor === null || !within(target, grantor)) {
    throw new OrdoError('ORDO_FORBIDDEN', `a caller with role ${grantor ?? 'none'} may not change ${what}, whose role is ${target}`,
      { role: target });
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
  await saveUser(db, { name: checkName(u.name, 'a user name'), role, passwordHash }, by, at, u.replace === true,
    (current) => mayTouch(`user ${u.name}`, current, grantor));
  return role;
}

export interface NewToken {
  name: string;
  /** Default: the user's role. */
  role?: string;
  /** The user the token belongs to: its role may not exceed the user's. */
  user?: string;
  /** When it stops working: a duration (90m, 12h, 30d) or an ISO date (auth/expiry.ts); default never. */
  expires?: string;
}

/** Creates a token; returns its role, its expiry and its secret (shown only this once). */
export async function issueToken(db: SqlPort, t: NewToken, by: string, at: number, grantor?: Role | null):
  Promise<{ role: Role; secret: string; expiresAt: number | null }> {
  const expiresAt = t.expires === undefined ? null : parseExpiry(t.expires, at, grantor === undefined ? '--expires' : 'expires');
  const owner = t.user === undefined ? undefined : await getUser(db, t.user);
  if (t.user !== undefined && !owner) throw new OrdoError('ORDO_NOT_FOUND', `user "${t.user}" does not exist (ordo user add)`);
  // A token acts in its user's name: only a caller who could change that user may make one.
  if (owner) mayTouch(`user ${owner.name}`, owner.role, grantor);
  const role = t.role === undefined && owner ? owner.role : checkRole(t.role);
  if (owner && !within(role, owner.role)) throw new OrdoError('ORDO_BAD_ARGUMENT', `role ${role} exceeds the role of user ${owner.name} (${owner.role})`);
  mayGrant(role, grantor);
  const secret = newToken();
  await createToken(db, { name: checkName(t.name, 'the token name'), role, user: owner?.name ?? null, hash: hashToken(secret), expiresAt }, by, at);
  return { role, secret, expiresAt };
}

/** Revokes a token; false when there is none of that name. A caller may revoke only tokens it could have made. */
export async function withdrawToken(db: SqlPort, name: string, by: string, at: number, grantor?: Role | null): Promise<boolean> {
  return revokeToken(db, name, by, at, grantor === undefined ? undefined : (token) => {
    mayTouch(`token ${name}`, token.role, grantor);
    if (token.userRole !== null) mayTouch(`token ${name} of a user`, token.userRole, grantor);
  });
}
