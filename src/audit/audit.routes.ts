import { z } from 'zod';
import type { App } from '../platform/http/app.ts';
import { requires } from '../platform/http/access.ts';
import { Permission } from '../identity/permissions.ts';
import { pathInScope } from '../identity/actor.ts';
import type { AuditService } from './audit.service.ts';

export function registerAuditRoutes(app: App, audit: AuditService): void {
  app.get('/api/audit', {
    config: { access: requires(Permission.AuditRead) },
    schema: {
      tags: ['audit'],
      summary: 'Newest audit entries first, filtered.',
      querystring: z.strictObject({
        actorId: z.string().max(100).optional(),
        action: z.string().max(100).optional(),
        targetType: z.string().max(100).optional(),
        targetId: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
  }, async (req) => {
    const rows = await audit.list(req.query);
    // An auditor reviews their own area: rows about things outside their scope are left out.
    const items = rows
      .filter((r) => !r.scope_path || pathInScope(req.actor.scopePath, r.scope_path) || r.actor_id === req.actor.userId)
      .map((r) => ({
        seq: r.seq, at: r.at.toISOString(), actorId: r.actor_id, actorName: r.actor_name, actorRole: r.actor_role,
        action: r.action, outcome: r.outcome, targetType: r.target_type, targetId: r.target_id,
        scopePath: r.scope_path, ip: r.ip, reason: r.reason, details: r.details, hash: r.hash,
      }));
    await audit.record(req.actor, { action: 'audit.read', details: { filter: req.query, rows: items.length } });
    return { items, total: items.length };
  });

  app.post('/api/audit/verify', {
    config: { access: requires(Permission.AuditRead) },
    schema: { tags: ['audit'], summary: 'Walk the hash chain; reports the first edited, missing or reordered row.' },
  }, async (req) => {
    const result = await audit.verify();
    await audit.record(req.actor, { action: 'audit.verify', outcome: result.ok ? 'ok' : 'failed', details: { ...result } });
    return result;
  });
}
