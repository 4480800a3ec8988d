import type { Permission, Role } from './permissions.ts';

/** Who is making a request: the authenticated user (or API key) plus where the request came from. */
export interface Actor {
  userId: string;
  username: string;
  role: Role;
  /** Dot-separated org path (e.g. `kp.bannu`); the actor may see rows whose scope path is inside it. */
  scopePath: string;
  permissions: ReadonlySet<Permission>;
  /** Client address, for the audit log. */
  ip?: string;
  /** The token or API key id used. */
  tokenId?: string;
}

/** The platform itself (start-up, demo seeding, background jobs) when no person is acting. */
export const SYSTEM_ACTOR: Actor = {
  userId: 'system',
  username: 'system',
  role: 'admin',
  scopePath: '',
  permissions: new Set(),
};

/** True when `path` lies inside `scope` (same unit or below it). The empty scope is everything. */
export function pathInScope(scope: string, path: string): boolean {
  return scope === '' || path === scope || path.startsWith(scope + '.');
}

export function actorCan(actor: Actor, permission: Permission): boolean {
  return actor.permissions.has(permission);
}
