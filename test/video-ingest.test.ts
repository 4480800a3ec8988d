import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditRepository } from '../src/audit/audit.repository.ts';
import { AuditService } from '../src/audit/audit.service.ts';
import { ConfigSchema } from '../src/config/config.schema.ts';
import { createNetworkServices } from '../src/network/network.module.ts';
import type { BusEvent } from '../src/platform/bus/bus.ts';
import { MemoryBus } from '../src/platform/bus/memory-bus.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { supervisedPids } from '../src/platform/media/process-supervisor.ts';
import { CameraHealthRepository } from '../src/video/ingest/camera-health.repository.ts';
import { CameraHealthService } from '../src/video/ingest/camera-health.service.ts';
import { IngestManager } from '../src/video/ingest/ingest-manager.ts';
import { seedCameras } from '../src/video/ingest/ingest.fixture.ts';
import { createIngestServices } from '../src/video/ingest/ingest.module.ts';
import { LeaseRepository } from '../src/video/ingest/lease.repository.ts';
import { RecordingRepository } from '../src/video/recording/recording.repository.ts';
import { freePort } from './support/net.ts';
import { createTempDatabase } from './support/postgres.ts';
import { dataset } from '../bench/datasets.ts';

// Must show: a camera on a real RTSP server and one on a video file, both recorded and indexed; the
// RTSP server stopped for 20 s: the camera is offline within 10 s, online within 10 s of its
// return, and the outage is a hole in the segment index; after shutdown no ffmpeg is left.
// With DATABASE_URL set, also: two workers on PostgreSQL, each with its own pool, never share a camera.

const PYTHON = '/usr/bin/python3';
const RTSP_SERVER = join(import.meta.dirname, 'support', 'rtsp-server.py');
const CLIP = dataset('video/parking-lot.mp4');

function rtspMissing(): string | false {
  const probe = spawnSync(PYTHON, ['-c', 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer'], { encoding: 'utf8' });
  return probe.status === 0 ? false : `GStreamer RTSP server bindings missing (apt install python3-gi gir1.2-gst-rtsp-server-1.0): ${probe.stderr.trim().split('\n').pop()}`;
}

async function startRtsp(port: number): Promise<ChildProcess> {
  const child = spawn(PYTHON, [RTSP_SERVER, '--port', String(port), '--fps', '15'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', (d) => (String(d).startsWith('ready') ? resolve() : reject(new Error(`rtsp server: ${d}`))));
    child.once('exit', (code) => reject(new Error(`rtsp server exited ${code}`)));
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

/** Pids of ffmpeg processes working in `dir` (every recording ingest's cwd) or whose arguments mention `needle`. */
function ffmpegsOf(dir: string, needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmd.some((a) => a.endsWith('ffmpeg'))) continue;
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir) || cmd.some((a) => a.includes(needle))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

const skip = rtspMissing();

test('RTSP and file cameras are recorded; an RTSP outage shows as offline, online again, and a hole in the index; nothing is left running', { skip, timeout: 120_000 }, async (t) => {
  const withFile = existsSync(CLIP);
  if (!withFile) t.diagnostic(`${CLIP} is absent: the file camera is left out`);
  const dataDir = mkdtempSync(join(tmpdir(), 'safecity-video-ingest-'));
  const port = await freePort();
  let rtsp = await startRtsp(port);
  const database = await openDatabase({});
  const bus = new MemoryBus();
  t.after(async () => {
    await stopProcess(rtsp);
    await bus.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await migrate(database.db);
  const rtspUrl = `rtsp://viewer:cam-secret-9@127.0.0.1:${port}/cam`;
  await seedCameras(database.db, [
    { id: 'rtsp1', streams: [{ role: 'record', url: rtspUrl }] },
    ...(withFile ? [{ id: 'file1', streams: [{ role: 'record' as const, url: `file://${CLIP}` }] }] : []),
  ]);
  const cameraIds = withFile ? ['file1', 'rtsp1'] : ['rtsp1'];
  const statusEvents: Array<BusEvent<'video.camera.status'> & { seenAt: number }> = [];
  await bus.subscribe('video.camera.status', {}, (e) => void statusEvents.push({ ...e, seenAt: Date.now() }));
  const logs: string[] = [];
  const network = createNetworkServices({ db: database.db, audit: new AuditService(new AuditRepository(database.db)), bus }).network;
  const config = ConfigSchema.parse({ dataDir, video: { segmentSeconds: 2, stallTimeoutSeconds: 5, leaseSeconds: 6 } });
  const { manager, recordings } = await createIngestServices({ config, db: database.db, bus, cameras: network, log: (m) => logs.push(m) });
  t.after(() => manager.stop());
  const startedAt = Date.now();
  await manager.start();
  assert.deepEqual(manager.cameraIds(), cameraIds);

  const online = (id: string, after = 0) => statusEvents.find((e) => e.payload.cameraId === id && e.payload.status === 'online' && e.seenAt >= after);
  const segmentsOf = (id: string) => recordings.list(id, new Date(0), new Date(Date.now() + 60_000));
  for (const id of cameraIds) {
    await until(() => online(id), 30_000, `${id} online`);
    await until(async () => (await segmentsOf(id)).length >= 1, 30_000, `a segment of ${id}`);
  }

  t.diagnostic(`cameras online and recording ${Date.now() - startedAt} ms after start`);

  // The RTSP server goes away for 20 s.
  await stopProcess(rtsp);
  const downAt = Date.now();
  const offline = await until(() => statusEvents.find((e) => e.payload.cameraId === 'rtsp1' && e.payload.status === 'offline'), 12_000, 'rtsp1 offline');
  assert.ok(offline.seenAt - downAt <= 10_000, `offline after ${offline.seenAt - downAt} ms`);
  await sleep(downAt + 20_000 - Date.now());
  rtsp = await startRtsp(port);
  const upAt = Date.now();
  const back = await until(() => online('rtsp1', upAt), 12_000, 'rtsp1 online again');
  assert.ok(back.seenAt - upAt <= 10_000, `online again ${back.seenAt - upAt} ms after the server's return`);
  await until(async () => (await segmentsOf('rtsp1')).some((s) => s.start_at.getTime() >= upAt - 1000), 15_000, 'a segment after the outage');

  // The outage is a hole in rtsp1's index: one segment ends by the time the server went, the next starts after it came back.
  const rtspSegments = await segmentsOf('rtsp1');
  const holes = rtspSegments.slice(1).map((s, i) => ({ from: rtspSegments[i].end_at.getTime(), to: s.start_at.getTime() })).filter((h) => h.to - h.from > 1000);
  assert.equal(holes.length, 1, JSON.stringify(holes));
  assert.ok(holes[0].from <= downAt + 1500 && holes[0].to >= upAt - 1000, `hole ${holes[0].from - downAt} … ${holes[0].to - upAt} ms around the outage`);
  if (withFile) {
    const fileSegments = await segmentsOf('file1');
    assert.ok(fileSegments.length >= 5);
    for (let i = 1; i < fileSegments.length; i++) assert.equal(fileSegments[i].start_at.getTime(), fileSegments[i - 1].end_at.getTime(), 'the file camera recorded without a break');
  }
  for (const s of [...rtspSegments]) assert.ok(existsSync(join(dataDir, s.path)), s.path);

  t.diagnostic(`offline ${offline.seenAt - downAt} ms after the server stopped, online ${back.seenAt - upAt} ms after it returned; index hole from ${holes[0].from - downAt} ms after the stop to ${holes[0].to - upAt} ms after the return`);

  const cameras = await database.db.selectFrom('cameras').select(['id', 'status']).orderBy('id').execute();
  assert.deepEqual(cameras.map((c) => c.status), cameraIds.map(() => 'online'));
  const log = await database.db.selectFrom('camera_status_log').select(['status', 'reason']).where('camera_id', '=', 'rtsp1').orderBy('id').execute();
  assert.deepEqual(log.map((r) => r.status), ['online', 'offline', 'online']);
  assert.ok(!JSON.stringify(log).includes('cam-secret-9') && !logs.join('\n').includes('cam-secret-9'), 'the camera password is in no log');

  // Shutdown leaves no ffmpeg behind.
  await manager.stop();
  assert.deepEqual(supervisedPids(), []);
  assert.deepEqual(ffmpegsOf(dataDir, `127.0.0.1:${port}`), []);
  assert.equal((await database.db.selectFrom('camera_leases').selectAll().execute()).length, 0, 'leases released');
});

test('on PostgreSQL, two workers with pools of their own race for the same cameras and never share one', { skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set: point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test' }, async (t) => {
  const temp = await createTempDatabase();
  const [one, two] = [await openDatabase({ url: temp.url, poolSize: 4 }), await openDatabase({ url: temp.url, poolSize: 4 })];
  const bus = new MemoryBus();
  t.after(async () => {
    await bus.close();
    await one.close();
    await two.close();
    await temp.drop();
  });
  await migrate(one.db);
  const ids = Array.from({ length: 30 }, (_, i) => `pg${String(i).padStart(2, '0')}`);
  await seedCameras(one.db, ids.map((id) => ({ id, streams: [{ role: 'record' as const, url: `rtsp://${id}/main` }] })));
  const running = new Map<string, string>();
  const clashes: string[] = [];
  const worker = (workerId: string, db: typeof one.db) =>
    new IngestManager({
      workerId,
      cameras: { listIngestCameras: async () => (await db.selectFrom('cameras').select(['id', 'status', 'streams']).execute()) },
      leases: new LeaseRepository(db),
      bus,
      leaseSeconds: 5,
      maxCameras: 20,
      createIngest: (plan) => ({
        start: async () => {
          if (running.has(plan.cameraId)) clashes.push(`${plan.cameraId}: ${workerId} and ${running.get(plan.cameraId)}`);
          running.set(plan.cameraId, workerId);
        },
        stop: async () => void running.delete(plan.cameraId),
        snapshot: () => ({ status: 'unknown', statusSince: new Date(0), fps: null, bitrateKbps: null, lastFrameAt: null, reconnects: 0 }),
      }),
    });
  const a = worker('pg-a', one.db);
  const b = worker('pg-b', two.db);
  await Promise.all([a.start(), b.start()]);
  for (let round = 0; round < 3; round++) await Promise.all([a.poke(), b.poke()]);
  assert.deepEqual(clashes, []);
  assert.equal(running.size, 30);
  assert.equal(a.cameraIds().length + b.cameraIds().length, 30);
  assert.ok(a.cameraIds().length <= 20 && b.cameraIds().length <= 20);
  await a.stop();
  await b.poke();
  assert.equal(b.cameraIds().length, 20, 'B takes over up to its share');
  assert.deepEqual(clashes, []);
  await b.stop();
  assert.equal((await one.db.selectFrom('camera_leases').selectAll().execute()).length, 0);

  // The health and segment-index SQL runs on PostgreSQL as on PGlite.
  const healthRepo = new CameraHealthRepository(two.db);
  const health = new CameraHealthService(healthRepo, bus, 'pg-b');
  const at = new Date(Date.now() - 60_000);
  await health.transition('pg00', { status: 'online', at, reason: 'receiving video' });
  await health.update(new Map([['pg00', { status: 'online', statusSince: at, fps: 25, bitrateKbps: 4000, lastFrameAt: new Date(), reconnects: 2 }]]));
  assert.deepEqual([(await healthRepo.get('pg00'))?.reconnects, (await health.uptime('pg00', at, new Date())).percent], [2, 100]);
  const recordings = new RecordingRepository(two.db);
  await recordings.insert({ cameraId: 'pg00', startAt: at, endAt: new Date(at.getTime() + 10_000), bytes: 5_000_000, path: 'recordings/pg00/2026-01-01/1.ts' });
  assert.equal((await recordings.list('pg00', new Date(at.getTime() - 1), new Date())).length, 1);
  assert.equal(await recordings.sumBytes({ cameraId: 'pg00' }), 5_000_000);
});
