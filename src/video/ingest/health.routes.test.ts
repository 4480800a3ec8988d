import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuditRepository } from '../../audit/audit.repository.ts';
import { AuditService } from '../../audit/audit.service.ts';
import { parseConfig } from '../../config/config.ts';
import type { Actor } from '../../identity/actor.ts';
import { ROLE_PERMISSIONS } from '../../identity/permissions.ts';
import { MemoryBus } from '../../platform/bus/memory-bus.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { buildHttpApp, type App } from '../../platform/http/app.ts';
import { CameraHealthRepository } from './camera-health.repository.ts';
import { CameraHealthReader, CameraHealthService } from './camera-health.service.ts';
import { registerHealthRoutes } from './health.routes.ts';
import { seedCameras } from './ingest.fixture.ts';

const actor = (username: string, scopePath: string): Actor => ({ userId: username, username, role: 'operator', scopePath, permissions: new Set(ROLE_PERMISSIONS.operator) });
const TOKENS: Record<string, Actor> = { inside: actor('inside', 'fx-kp'), outside: actor('outside', 'kp.swat') };

let database: Database;
let app: App;
const bus = new MemoryBus();

before(async () => {
  database = await openDatabase({});
  await migrate(database.db);
  await seedCameras(database.db, [{ id: 'h1' }, { id: 'h2' }]);
  const repo = new CameraHealthRepository(database.db);
  const writer = new CameraHealthService(repo, bus, 'worker-a');
  const at = (m: number) => new Date(Date.UTC(2026, 2, 1, 10, m));
  await writer.transition('h1', { status: 'online', at: at(0), reason: 'receiving video' });
  await writer.transition('h1', { status: 'offline', at: at(45), reason: 'no video for 8 s' });
  await writer.update(new Map([['h1', { status: 'offline', statusSince: at(45), fps: 0, bitrateKbps: 0, lastFrameAt: at(44), reconnects: 3 }]]));
  const scopes = { scopePathOf: async (id: string) => (await database.db.selectFrom('cameras').innerJoin('sites', 'sites.id', 'cameras.site_id').select('sites.scope_path').where('cameras.id', '=', id).executeTakeFirst())?.scope_path };
  app = await buildHttpApp({ config: parseConfig('logLevel: silent\n', {}), audit: new AuditService(new AuditRepository(database.db)), authenticate: async (token) => TOKENS[token] ?? null });
  registerHealthRoutes(app, new CameraHealthReader(repo, scopes));
  await app.ready();
});
after(async () => {
  await app.close();
  await bus.close();
  await database.close();
});

const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

test("GET /api/cameras/:id/health gives the camera's health and uptime over the period asked", async () => {
  const res = await get('/api/cameras/h1/health?from=2026-03-01T10:00:00Z&to=2026-03-01T11:00:00Z', 'inside');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(
    [body.status, body.statusSince, body.lastFrameAt, body.reconnects, body.workerId],
    ['offline', '2026-03-01T10:45:00.000Z', '2026-03-01T10:44:00.000Z', 3, 'worker-a'],
  );
  assert.deepEqual(body.uptime, { from: '2026-03-01T10:00:00.000Z', to: '2026-03-01T11:00:00.000Z', percent: 75, onlineMs: 45 * 60_000, knownMs: 60 * 60_000 });
  // A camera no ingest has reported on yet.
  const fresh = (await get('/api/cameras/h2/health', 'inside')).json();
  assert.deepEqual([fresh.status, fresh.uptime.percent, fresh.reconnects], ['unknown', null, 0]);
});

test('the route is described in the OpenAPI document', async () => {
  const doc = (await get('/openapi.json')).json();
  const op = doc.paths['/api/cameras/{id}/health'].get;
  assert.deepEqual(op.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name).sort(), ['from', 'to']);
});

test('outside the scope, unknown ids, bad periods and anonymous callers are refused', async () => {
  assert.equal((await get('/api/cameras/h1/health', 'outside')).statusCode, 404);
  assert.equal((await get('/api/cameras/nope/health', 'inside')).statusCode, 404);
  assert.equal((await get('/api/cameras/h1/health')).statusCode, 401);
  const backwards = await get('/api/cameras/h1/health?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'inside');
  assert.equal(backwards.statusCode, 400);
  assert.match(backwards.body, /from/);
  const garbage = await get('/api/cameras/h1/health?from=yesterday', 'inside');
  assert.equal(garbage.statusCode, 400);
  assert.match(garbage.body, /from/);
});
