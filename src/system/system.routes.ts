import { z } from 'zod';
import type { Config } from '../config/config.schema.ts';
import { configJsonSchema } from '../config/config.schema.ts';
import type { App } from '../platform/http/app.ts';
import { AUTHENTICATED, PUBLIC, requires } from '../platform/http/access.ts';
import { Permission } from '../identity/permissions.ts';

export interface SystemInfo {
  config: Config;
  dbKind: string;
  busKind: string;
  version: string;
  startedAt: Date;
  /** Pings storage; rejects when it is unreachable. */
  checkDb(): Promise<void>;
}

export function registerSystemRoutes(app: App, info: SystemInfo): void {
  app.get('/api/health', {
    config: { access: PUBLIC },
    schema: {
      tags: ['system'],
      summary: 'Liveness and readiness: 200 when storage answers, 503 when it does not.',
      response: {
        200: z.object({ status: z.literal('ok'), version: z.string(), db: z.string(), bus: z.string(), uptimeSeconds: z.number() }),
        503: z.object({ status: z.literal('degraded'), version: z.string(), db: z.string(), bus: z.string(), uptimeSeconds: z.number(), problem: z.string() }),
      },
    },
  }, async (_req, reply) => {
    const base = { version: info.version, db: info.dbKind, bus: info.busKind, uptimeSeconds: Math.round((Date.now() - info.startedAt.getTime()) / 1000) };
    try {
      await info.checkDb();
      return { status: 'ok' as const, ...base };
    } catch (err) {
      return reply.code(503).send({ status: 'degraded' as const, ...base, problem: `database: ${(err as Error).message}` });
    }
  });

  app.get('/api/config/map', {
    config: { access: AUTHENTICATED },
    schema: {
      tags: ['system'],
      response: { 200: z.object({ tileUrl: z.string().optional(), center: z.tuple([z.number(), z.number()]), zoom: z.number() }) },
    },
  }, async () => ({ tileUrl: info.config.map.tileUrl, center: info.config.map.center, zoom: info.config.map.zoom }));

  app.get('/api/config/schema', {
    config: { access: requires(Permission.ConfigRead) },
    schema: { tags: ['system'], summary: 'JSON Schema of safecity.yaml, for forms in the console.' },
  }, async () => configJsonSchema());
}
