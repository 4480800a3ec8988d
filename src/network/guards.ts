import type { AuditService } from '../audit/audit.service.ts';
import { pathInScope, type Actor } from '../identity/actor.ts';
import { NotFoundError } from '../platform/http/errors.ts';

// One rule for "may this actor see this row": a row outside the actor's scope answers exactly like a
// row that does not exist (404), so nobody learns what lies outside their area. The audit log, which
// only auditors read, says which of the two it was.

export async function requireInScope<T>(
  audit: AuditService,
  actor: Actor,
  what: { action: string; targetType: 'site' | 'camera'; id: string },
  row: T | undefined,
  scopeOf: (row: T) => string,
): Promise<T> {
  if (row && pathInScope(actor.scopePath, scopeOf(row))) return row;
  await audit.record(actor, {
    action: what.action,
    outcome: row ? 'denied' : 'failed',
    targetType: what.targetType,
    targetId: what.id,
    details: { reason: row ? 'out_of_scope' : 'not_found' },
  });
  throw new NotFoundError(what.targetType, what.id);
}

/** A unit is shown to an actor inside it (a station user sees their city) or anywhere below it. */
export function unitVisible(actorScope: string, unitPath: string): boolean {
  return pathInScope(actorScope, unitPath) || pathInScope(unitPath, actorScope);
}
