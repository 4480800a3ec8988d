import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BusEvent } from '../../platform/bus/bus.ts';
import { MemoryBus } from '../../platform/bus/memory-bus.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { migrate } from '../../platform/db/migrate.ts';
import type { HealthSnapshot } from './camera-health.ts';
import { CameraHealthRepository } from './camera-health.repository.ts';
import { CameraHealthService } from './camera-health.service.ts';
import { seedCameras } from './ingest.fixture.ts';

let database: Database;
let bus: MemoryBus;
const events: BusEvent<'video.camera.status'>[] = [];

before(async () => {
  database = await openDatabase({});
  await migrate(database.db);
  await seedCameras(database.db, [{ id: 'h1' }, { id: 'h2', status: 'maintenance' }]);
  bus = new MemoryBus();
  await bus.subscribe('video.camera.status', {}, (e) => void events.push(e));
});
after(async () => {
  await bus.close();
  await database.close();
});

const at = (m: number) => new Date(Date.UTC(2026, 2, 1, 10, m));
const cameraStatus = async (id: string) => (await database.db.selectFrom('cameras').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

test('a transition is logged, sets the camera status for the map and is published; a repeat (another worker taking over) is not', async () => {
  const repo = new CameraHealthRepository(database.db);
  const a = new CameraHealthService(repo, bus, 'worker-a');
  await a.transition('h1', { status: 'online', at: at(0), reason: 'receiving video' });
  await a.transition('h1', { status: 'offline', at: at(10), reason: 'no video for 8 s: Connection refused' });
  assert.equal(await cameraStatus('h1'), 'offline');
  const b = new CameraHealthService(repo, bus, 'worker-b');
  await b.transition('h1', { status: 'offline', at: at(11), reason: 'no video in 8 s since the ingest started' });
  await b.transition('h1', { status: 'online', at: at(40), reason: 'video is back' });
  await new Promise((r) => setImmediate(r));

  const log = await repo.statusLog('h1', at(0), at(60));
  assert.deepEqual(log.map((r) => [r.status, r.at.getTime()]), [['online', at(0).getTime()], ['offline', at(10).getTime()], ['online', at(40).getTime()]]);
  assert.deepEqual(events.map((e) => [e.payload.cameraId, e.payload.status, e.payload.reason]), [
    ['h1', 'online', 'receiving video'],
    ['h1', 'offline', 'no video for 8 s: Connection refused'],
    ['h1', 'online', 'video is back'],
  ]);
  const health = await repo.get('h1');
  assert.deepEqual([health?.status, health?.status_since.getTime(), health?.worker_id], ['online', at(40).getTime(), 'worker-b']);
  assert.equal(await cameraStatus('h1'), 'online');
  // Offline from minute 10 to 40.
  assert.equal((await b.uptime('h1', at(0), at(60))).percent, 50);
  assert.equal((await b.uptime('h1', at(0), at(40))).percent, 25);
});

test('health never overwrites a status people set (maintenance) and figures are written with reconnects added up', async () => {
  const repo = new CameraHealthRepository(database.db);
  const svc = new CameraHealthService(repo, bus, 'worker-a');
  await svc.transition('h2', { status: 'online', at: at(0), reason: 'receiving video' });
  assert.equal(await cameraStatus('h2'), 'maintenance');
  const snap = (reconnects: number): HealthSnapshot => ({ status: 'online', statusSince: at(0), fps: 24.5, bitrateKbps: 3900, lastFrameAt: at(1), reconnects });
  await svc.update(new Map([['h2', snap(2)], ['h1', snap(0)]]));
  await svc.update(new Map([['h2', snap(3)]]));
  const h2 = await repo.get('h2');
  assert.deepEqual([h2?.fps, h2?.bitrate_kbps, h2?.last_frame_at?.getTime(), h2?.reconnects], [24.5, 3900, at(1).getTime(), 3]);
  // Another worker's ingest counts its own restarts from 0; they add to the total.
  const other = new CameraHealthService(repo, bus, 'worker-b');
  await other.update(new Map([['h2', snap(1)]]));
  assert.equal((await repo.get('h2'))?.reconnects, 4);
});
