import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
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
  /** SQL statements the network services have sent so far: batching shows here, whatever the machine's load. */
  queries(): number;
  close(): Promise<void>;
}

class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

export async function openNetworkHarness(url?: string): Promise<NetworkHarness> {
  const database = await openDatabase(url ? { url } : {});
  await migrate(database.db);
  const audit = new AuditService(new AuditRepository(database.db));
  const bus = new MemoryBus();
  const events: BusEvent[] = [];
  await bus.subscribe('network.>', {}, (e) => void events.push(e));
  const counter = new QueryCounter();
  const services = createNetworkServices({ db: database.db.withPlugin(counter), audit, bus });
  return {
    ...services,
    database,
    audit,
    bus,
    events,
    queries: () => counter.count,
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

/** A test area: city `testcity` with one police station and `sites` sites, TS-0001 … */
export async function seedTestSites(harness: NetworkHarness, sites: number): Promise<string[]> {
  const admin = testActor('admin', '');
  await harness.store.sites.insertOrgUnits([
    { id: 'kp', parent_id: null, kind: 'province', name: 'Khyber Pakhtunkhwa', path: 'kp' },
    { id: 'testcity', parent_id: 'kp', kind: 'city', name: 'Test City', path: 'kp.testcity', lat: 34, lon: 71.5 },
    { id: 'testcity-ps-1', parent_id: 'testcity', kind: 'police_station', name: 'Station 1', path: 'kp.testcity.testcity-ps-1' },
  ]);
  const codes = Array.from({ length: sites }, (_, i) => `TS-${String(i + 1).padStart(4, '0')}`);
  const csv = ['code,name,city,police_station,lat,lon', ...codes.map((c, i) => `${c},Site ${i + 1},testcity,testcity-ps-1,${(34 + i / 1000).toFixed(4)},71.5`)].join('\n');
  await harness.imports.importSites(admin, csv);
  return codes;
}

export const CAMERA_CSV_HEADER = 'code,name,site_code,kind,resolution,owner,phase,lat,lon,heading,record_url,detect_url,live_url';

/** Data lines of a camera CSV, one camera per line, spread over the given site codes. */
export function cameraCsvLines(count: number, siteCodes: string[]): string[] {
  const kinds = ['fixed', 'ptz', 'dome', 'anpr'];
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    return [
      `CAM-${String(n).padStart(5, '0')}`, `"Camera ${n}, gate"`, siteCodes[i % siteCodes.length], kinds[i % 4], i % 3 ? '1080p' : '4MP',
      i % 7 ? 'government' : 'commercial', '1', (34 + (i % 100) / 10_000).toFixed(5), (71.5 + (i % 50) / 10_000).toFixed(5), String(i % 360),
      `rtsp://admin:pw${n}@${ip}:554/Streaming/101`, `rtsp://admin:pw${n}@${ip}:554/Streaming/102`, '',
    ].join(',');
  });
}
