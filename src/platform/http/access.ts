import type { Permission } from '../../identity/permissions.ts';

/**
 * What a route requires. Every /api route declares one in `config.access`; the app refuses to start
 * with a route that doesn't, so nothing is reachable by accident.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'permission'; permission: Permission };

export const PUBLIC: Access = { kind: 'public' };
export const AUTHENTICATED: Access = { kind: 'authenticated' };
export function requires(permission: Permission): Access {
  return { kind: 'permission', permission };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** WebSocket routes: browsers can't send headers, so the token may come as `?token=`. */
    tokenInQuery?: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    actor: import('../../identity/actor.ts').Actor;
    /** The bearer token the actor came with (a relay to another node passes it on); never logged. */
    credential: string;
  }
}
