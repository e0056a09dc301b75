/**
 * Roles (seed 004) and the permissions they grant. Every API method needs one permission:
 *
 * - `public`: anyone, even without a token (health, who am I);
 * - `read`: definitions and runtime state, read-only;
 * - `operate`: runtime changes (start, abort, skip, restart, gates, connectors, job flags, settings, kv);
 * - `define`: definition changes (reloading the definitions);
 * - `manage`: users and API tokens (a caller never grants a role beyond its own).
 *
 * `user` reads; `operator` reads and operates (definitions read-only); `admin` reads, defines and manages
 * (runtime read-only); `superuser` does all.
 */
export const ROLES = ['user', 'operator', 'admin', 'superuser'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = ['public', 'read', 'operate', 'define', 'manage'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  user: ['public', 'read'],
  operator: ['public', 'read', 'operate'],
  admin: ['public', 'read', 'define', 'manage'],
  superuser: ['public', 'read', 'operate', 'define', 'manage'],
};

export function isRole(text: unknown): text is Role {
  return typeof text === 'string' && (ROLES as readonly string[]).includes(text);
}

export function permissionsOf(role: Role | null): readonly Permission[] {
  return role ? GRANTS[role] : ['public'];
}

export function allows(role: Role | null, permission: Permission): boolean {
  return permissionsOf(role).includes(permission);
}

/** Whether `inner` grants nothing that `outer` does not (a user's token may not exceed the user's role). */
export function within(inner: Role, outer: Role): boolean {
  return GRANTS[inner].every((p) => GRANTS[outer].includes(p));
}

/**
 * The widest role that grants nothing beyond either: a token's rights under its user's current role. Roles
 * are not a chain (operator and admin each grant what the other does not), so the meet of those two is user.
 */
export function narrower(a: Role, b: Role): Role {
  if (within(a, b)) return a;
  if (within(b, a)) return b;
  return [...ROLES].reverse().find((r) => within(r, a) && within(r, b)) ?? 'user';
}
