import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from '../src/platform/http/errors.ts';
import { ExportRepository } from '../src/video/recording/export.repository.ts';
import { ExportService } from '../src/video/recording/export.service.ts';
import { actorFor, insertSegments, recordingHarness, seedCameras } from '../src/video/recording/recording.fixture.ts';
import { createTempDatabase } from './support/postgres.ts';

// On PostgreSQL (real concurrent transactions): an export asked for while a retention batch is
// deleting the period's segments waits for that batch, and then does not use what it deleted.

test('an export requested while retention deletes its segments waits for the deletion and does not use them', {
  skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set: point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test',
}, async (t) => {
  const temp = await createTempDatabase();
  const h = await recordingHarness(temp.url);
  const dataDir = mkdtempSync(join(tmpdir(), 'safecity-export-race-'));
  // However the test ends, the retention batch below commits first, so that the database can close.
  let release = () => {};
  let exports: ExportService | undefined;
  t.after(async () => {
    release();
    await exports?.close();
    await h.close();
    await temp.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const T0 = Date.parse('2025-03-01T10:00:00Z');
  await seedCameras(h.database.db, ['cam-1']);
  const rows = [0, 10, 20].map((s) => ({
    camera_id: 'cam-1', start_at: new Date(T0 + s * 1000), end_at: new Date(T0 + (s + 10) * 1000), bytes: 1, path: `recordings/cam-1/2025-03-01/${T0 + s * 1000}.mp4`,
  }));
  for (const r of rows) {
    mkdirSync(dirname(join(dataDir, r.path)), { recursive: true });
    writeFileSync(join(dataDir, r.path), 'x');
  }
  await insertSegments(h.database.db, rows);
  exports = new ExportService(new ExportRepository(h.database.db), h.network.network, h.audit, { dataDir, tools: { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' } });

  // A retention batch: its rows locked, files going, then the rows deleted and committed.
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const released = new Promise<void>((r) => (release = r));
  const retention = h.database.db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('recording_segments').select('id').where('camera_id', '=', 'cam-1').forUpdate().execute();
    locked();
    await released;
    for (const r of rows) rmSync(join(dataDir, r.path));
    await trx.deleteFrom('recording_segments').where('id', 'in', taken.map((x) => x.id)).execute();
  });
  await isLocked;

  let settled = false;
  const request = exports.request(actorFor('investigator', 'kp'), 'cam-1', { from: new Date(T0), to: new Date(T0 + 30_000), reason: 'race' })
    .finally(() => (settled = true));
  request.catch(() => {});
  await sleep(500);
  assert.equal(settled, false, 'the request waits for the retention batch holding its segments');
  release();
  await retention;
  await assert.rejects(request, (err: unknown) => err instanceof NotFoundError && /recording of camera cam-1/.test(err.message));
  const jobs = await h.database.db.selectFrom('video_exports').select('id').execute();
  assert.deepEqual(jobs, [], 'no job is left for a period with nothing recorded');
});
