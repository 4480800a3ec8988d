import { AuditRepository } from '../audit/audit.repository.ts';
import { AuditService } from '../audit/audit.service.ts';
import { ConfigSchema } from '../config/config.schema.ts';
import type { Actor } from '../identity/actor.ts';
import { ROLE_PERMISSIONS, type Role } from '../identity/permissions.ts';
import type { BusEvent } from '../platform/bus/bus.ts';
import { MemoryBus } from '../platform/bus/memory-bus.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { buildHttpApp, type App } from '../platform/http/app.ts';
import { createNetworkServices, type NetworkServices } from './network.module.ts';
import { registerNetworkRoutes } from './network.routes.ts';

// Test wiring for the network domain: a migrated database (in-memory PGlite unless a URL is given),
// the real audit service and an in-process bus whose events the test can read.

export interface NetworkHarness extends NetworkServices {
  database: Database;
  audit: AuditService;
  bus: MemoryBus;
  /** Every event published since the harness opened. */
  events: BusEvent[];
  close(): Promise<void>;
}

export async function openNetworkHarness(url?: string): Promise<NetworkHarness> {
  const database = await openDatabase(url ? { url } : {});
  await migrate(database.db);
  const audit = new AuditService(new AuditRepository(database.db));
  const bus = new MemoryBus();
  const events: BusEvent[] = [];
  await bus.subscribe('network.>', {}, (e) => void events.push(e));
  const services = createNetworkServices({ db: database.db, audit, bus });
  return {
    ...services,
    database,
    audit,
    bus,
    events,
    close: async () => {
      await bus.close();
      await database.close();
    },
  };
}

export function testActor(role: Role, scopePath: string, username = `${role}@${scopePath || 'all'}`): Actor {
  return { userId: `u-${username}`, username, role, scopePath, permissions: new Set(ROLE_PERMISSIONS[role]) };
}

/** The HTTP app with network routes; `Authorization: Bearer <token>` picks an actor from `actors`. */
export async function buildNetworkApp(harness: NetworkHarness, actors: Record<string, Actor>): Promise<App> {
  const app = await buildHttpApp({
    config: ConfigSchema.parse({ logLevel: 'silent' }),
    audit: harness.audit,
    authenticate: async (token) => actors[token] ?? null,
    webDir: '/nonexistent',
  });
  registerNetworkRoutes(app, harness);
  await app.ready();
  return app;
}
