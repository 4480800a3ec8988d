import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { seedCameras, type FixtureSegment } from './recording.fixture.ts';
import { RecordingRepository } from './recording.repository.ts';
import { RetentionRepository } from './retention.repository.ts';
import { RetentionService } from './retention.service.ts';

const DAY = 86_400_000;
const NOW = new Date('2025-03-10T12:00:00Z');
let database: Database;
let dataDir: string;
let repo: RetentionRepository;
let index: RecordingRepository;

before(async () => {
  database = await openDatabase({});
  await migrate(database.db);
  repo = new RetentionRepository(database.db);
  index = new RecordingRepository(database.db);
});
after(() => database.close());
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'safecity-retention-'));
});
afterEach(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await database.db.deleteFrom('recording_segments').execute();
  await database.db.deleteFrom('video_exports').execute();
  await database.db.deleteFrom('cameras').execute();
});

/** A segment file of `bytes` bytes ending `ageMs` before NOW, and its row. */
async function segment(cameraId: string, ageMs: number, bytes: number, hold = false): Promise<{ id: number; file: string }> {
  const start = NOW.getTime() - ageMs - 10_000;
  const day = new Date(start).toISOString().slice(0, 10);
  const path = `recordings/${cameraId}/${day}/${start}.mp4`;
  const file = join(dataDir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, Buffer.alloc(bytes, 7));
  const row: FixtureSegment & { legal_hold: boolean } = {
    camera_id: cameraId, start_at: new Date(start), end_at: new Date(start + 10_000), bytes, path, legal_hold: hold,
  };
  const { id } = await database.db.insertInto('recording_segments').values(row).returning('id').executeTakeFirstOrThrow();
  return { id, file };
}

async function remainingIds(): Promise<number[]> {
  return (await database.db.selectFrom('recording_segments').select('id').orderBy('id').execute()).map((r) => r.id);
}

test('segments past their camera\'s retention (or the default) go, file and row; held ones stay', async () => {
  await seedCameras(database.db, ['cam-a', 'cam-b'], [1, null]);
  const aOld = await segment('cam-a', 2 * DAY, 100);
  const aNew = await segment('cam-a', DAY / 2, 100);
  const aHeld = await segment('cam-a', 5 * DAY, 100, true);
  const bOld = await segment('cam-b', 8 * DAY, 100);
  const bNew = await segment('cam-b', 6 * DAY, 100);
  const service = new RetentionService(repo, index, { dataDir, retentionDays: 7 });

  const report = await service.runOnce(NOW);

  assert.equal(report.expired, 2);
  assert.equal(report.bytesFreed, 200);
  assert.deepEqual(await remainingIds(), [aNew.id, aHeld.id, bNew.id].sort((a, b) => a - b));
  assert.ok(!existsSync(aOld.file) && !existsSync(bOld.file));
  assert.ok(existsSync(aNew.file) && existsSync(aHeld.file) && existsSync(bNew.file));
  // The emptied day folder of an old day is removed too.
  assert.ok(!existsSync(dirname(bOld.file)));
});

test('over quota the oldest go first, usage never exceeds quota + one segment, held segments stay', async () => {
  await seedCameras(database.db, ['cam-a', 'cam-b']);
  const quota = 200_000;
  const service = new RetentionService(repo, index, { dataDir, retentionDays: 30, quotaBytes: quota, batchSize: 3 });
  const held: number[] = [];
  const order: number[] = [];
  let largest = 0;
  // Two cameras record alternately, 60 segments of 8–30 kB, oldest first; the sweep runs after each.
  for (let i = 0; i < 60; i++) {
    const bytes = 8_000 + ((i * 7919) % 22_000);
    largest = Math.max(largest, bytes);
    const s = await segment(i % 2 ? 'cam-b' : 'cam-a', (60 - i) * 10_000, bytes, i === 1 || i === 4);
    if (i === 1 || i === 4) held.push(s.id);
    order.push(s.id);
    const before = await index.sumBytes();
    assert.ok(before <= quota + largest, `usage ${before} before sweep ${i} exceeds quota + one segment`);
    const report = await service.runOnce(NOW);
    assert.ok(report.usageBytes <= quota, `usage ${report.usageBytes} after sweep ${i}`);
    assert.equal(report.usageBytes, await index.sumBytes());
  }
  const left = await remainingIds();
  for (const id of held) assert.ok(left.includes(id), `held segment ${id} was evicted`);
  // Apart from the held ones, what is left is the newest unbroken run: nothing newer went before anything older.
  const unheld = left.filter((id) => !held.includes(id));
  assert.deepEqual(unheld, order.slice(order.length - unheld.length));
  assert.ok(unheld.length > 5 && unheld.length < 58);
  const rows = await database.db.selectFrom('recording_segments').select('path').execute();
  for (const r of rows) assert.ok(existsSync(join(dataDir, r.path)));
});

test('held segments alone over the quota: nothing else is lost and the run says so', async () => {
  await seedCameras(database.db, ['cam-a']);
  const h1 = await segment('cam-a', 30_000, 2_000_000, true);
  const h2 = await segment('cam-a', 20_000, 2_000_000, true);
  const report = await new RetentionService(repo, index, { dataDir, retentionDays: 30, quotaBytes: 1024 * 1024 }).runOnce(NOW);
  assert.equal(report.evicted, 0);
  assert.equal(report.overQuota, true);
  assert.deepEqual(await remainingIds(), [h1.id, h2.id]);
});

test('a segment an unfinished export is reading is neither expired nor evicted until the export ends', async () => {
  await seedCameras(database.db, ['cam-a', 'cam-b']);
  const exported = await segment('cam-a', 40 * DAY, 100);
  const before = await segment('cam-a', 40 * DAY + 20_000, 100);
  const otherCamera = await segment('cam-b', 40 * DAY, 100);
  const row = exported.id;
  const seg = await database.db.selectFrom('recording_segments').selectAll().where('id', '=', row).executeTakeFirstOrThrow();
  // The export's period covers the middle of that segment only.
  const job = {
    id: 'exp-1', camera_id: 'cam-a', from_at: new Date(seg.start_at.getTime() + 2000), to_at: new Date(seg.start_at.getTime() + 4000),
    status: 'running' as const, requested_by: 'u1',
  };
  await database.db.insertInto('video_exports').values(job).execute();
  const service = new RetentionService(repo, index, { dataDir, retentionDays: 30 });
  let report = await service.runOnce(NOW);
  assert.equal(report.expired, 2, 'the segment before the export and the other camera\'s go');
  assert.deepEqual(await remainingIds(), [exported.id]);
  assert.ok(existsSync(exported.file) && !existsSync(before.file) && !existsSync(otherCamera.file));
  // The quota path spares it too.
  report = await new RetentionService(repo, index, { dataDir, retentionDays: 365, quotaBytes: 10 }).runOnce(NOW);
  assert.equal(report.evicted, 0);
  assert.equal(report.overQuota, true);
  // An export whose node died (untouched for an hour) holds nothing; nor does one that is done.
  await database.db.updateTable('video_exports').set({ updated_at: new Date(Date.now() - 3600_000) }).where('id', '=', 'exp-1').execute();
  report = await service.runOnce(NOW);
  assert.equal(report.expired, 1, 'a stale export pins nothing');
  assert.deepEqual(await remainingIds(), []);
  await database.db.updateTable('video_exports').set({ status: 'done', updated_at: new Date() }).where('id', '=', 'exp-1').execute();
  const again = await segment('cam-a', 40 * DAY, 100);
  assert.ok(again.id > 0);
  report = await service.runOnce(NOW);
  assert.equal(report.expired, 1, 'a done export pins nothing');
  assert.deepEqual(await remainingIds(), []);
});

test('a file that cannot be deleted keeps its row; the rest are deleted and the run does not spin', async () => {
  await seedCameras(database.db, ['cam-a']);
  const stuck = await segment('cam-a', 40 * DAY, 100);
  const gone = await segment('cam-a', 39 * DAY, 100);
  // unlink() of a folder fails (EISDIR/EPERM): stands for a file the process may not delete.
  rmSync(stuck.file);
  mkdirSync(stuck.file);
  writeFileSync(join(stuck.file, 'x'), 'x');
  const report = await new RetentionService(repo, index, { dataDir, retentionDays: 30, batchSize: 1 }).runOnce(NOW);
  assert.equal(report.expired, 1);
  assert.equal(report.errors.length, 1);
  assert.match(report.errors[0], new RegExp(`segment ${stuck.id}`));
  assert.deepEqual(await remainingIds(), [stuck.id]);
  assert.ok(!existsSync(gone.file));
});

test('files go before rows: a crash between leaves rows of missing files, which the next run removes', async () => {
  await seedCameras(database.db, ['cam-a']);
  const a = await segment('cam-a', 40 * DAY, 100);
  const b = await segment('cam-a', 39 * DAY, 100);
  // The process dies after deleting the first file and before the transaction commits.
  await assert.rejects(
    repo.deleteExpired(NOW, 30, 10, [], async () => {
      rmSync(a.file);
      throw new Error('crash');
    }),
    /crash/,
  );
  assert.deepEqual(await remainingIds(), [a.id, b.id]);
  assert.ok(!existsSync(a.file));
  const report = await new RetentionService(repo, index, { dataDir, retentionDays: 30 }).runOnce(NOW);
  assert.equal(report.expired, 2);
  assert.deepEqual(report.errors, []);
  assert.deepEqual(await remainingIds(), []);
});

test('playback cache files unused for longer than the cache age are removed', async () => {
  const cache = join(dataDir, 'cache', 'playback');
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, 'old.mp4'), 'x');
  writeFileSync(join(cache, 'fresh.mp4'), 'x');
  const old = new Date(NOW.getTime() - 2 * 3600_000);
  utimesSync(join(cache, 'old.mp4'), old, old);
  utimesSync(join(cache, 'fresh.mp4'), NOW, NOW);
  const report = await new RetentionService(repo, index, { dataDir, retentionDays: 30, cacheMaxAgeSeconds: 3600 }).runOnce(NOW);
  assert.equal(report.cacheFilesRemoved, 1);
  assert.ok(!existsSync(join(cache, 'old.mp4')) && existsSync(join(cache, 'fresh.mp4')));
});

test('start runs a sweep at once and then periodically; stop waits for the sweep in progress', async () => {
  await seedCameras(database.db, ['cam-a']);
  const old = await segment('cam-a', 40 * DAY, 100);
  const service = new RetentionService(repo, index, { dataDir, retentionDays: 30, intervalSeconds: 0.05 });
  service.start();
  const deadline = Date.now() + 5000;
  while ((await remainingIds()).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await remainingIds(), []);
  const later = await segment('cam-a', 40 * DAY + 60_000, 100);
  while ((await remainingIds()).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await service.stop();
  assert.deepEqual(await remainingIds(), []);
  assert.ok(!existsSync(old.file) && !existsSync(later.file));
});
