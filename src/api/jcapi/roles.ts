/**
 * The `role:` sections of the workflow language, enforced: a workflow's roles say who may start it, an
 * action's who may announce it (LANGUAGE.md). A caller matches a role name when the name is its Ordo
 * role (`operator`, ...), its user's name or its token's name; `superuser` matches every list. An empty
 * list restricts nothing beyond the method's own permission.
 */
import type { Principal } from '../../auth/principal.js';

export function mayUse(roles: readonly string[], p: Principal): boolean {
  if (roles.length === 0 || p.role === 'superuser') return true;
  return roles.some((r) => r === p.role || r === p.name || (p.token !== undefined && r === p.token));
}

export function refusal(what: string, roles: readonly string[], p: Principal): string {
  return `${p.name} may not ${what}: it is limited to the role${roles.length > 1 ? 's' : ''} ${roles.join(', ')}`;
}
