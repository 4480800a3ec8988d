import { z } from 'zod';
import { Permission } from '../../identity/permissions.ts';
import { requires } from '../../platform/http/access.ts';
import type { App } from '../../platform/http/app.ts';
import type { CameraHealthReader } from './camera-health.service.ts';

const Params = z.strictObject({ id: z.string().min(1).max(100) });
const DAY_MS = 24 * 60 * 60 * 1000;
const Query = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).optional().describe('Start of the uptime period (ISO 8601); default 24 h before `to`.'),
    to: z.iso.datetime({ offset: true }).optional().describe('End of the uptime period (ISO 8601); default now.'),
  })
  .transform((q, ctx) => {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
    if (from >= to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    if (to.getTime() - from.getTime() > 366 * DAY_MS) ctx.addIssue({ code: 'custom', path: ['from'], message: 'the period may be at most 366 days' });
    return { from, to };
  });

const Report = z.object({
  cameraId: z.string(),
  status: z.enum(['online', 'offline', 'unknown']),
  statusSince: z.string().nullable(),
  fps: z.number().nullable(),
  bitrateKbps: z.number().nullable(),
  lastFrameAt: z.string().nullable(),
  reconnects: z.number(),
  workerId: z.string().nullable(),
  updatedAt: z.string().nullable(),
  uptime: z.object({ from: z.string(), to: z.string(), percent: z.number().nullable(), onlineMs: z.number(), knownMs: z.number() }),
});

export function registerHealthRoutes(app: App, health: CameraHealthReader): void {
  app.get('/api/cameras/:id/health', {
    config: { access: requires(Permission.NetworkRead) },
    schema: {
      tags: ['video'],
      summary: "A camera's ingest health (online/offline, fps, bitrate, last frame, reconnects) and its uptime over a period.",
      params: Params,
      querystring: Query,
      response: { 200: Report },
    },
  }, async (req) => health.report(req.actor, req.params.id, req.query.from, req.query.to));
}
