import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { seedCameras } from '../ingest/ingest.fixture.ts';
import { RecordingRepository, type NewSegment } from './recording.repository.ts';

let database: Database;
let repo: RecordingRepository;
const T0 = Date.parse('2026-03-01T10:00:00Z');

function seg(cameraId: string, startS: number, endS: number, bytes = 1000): NewSegment {
  const startAt = new Date(T0 + startS * 1000);
  return { cameraId, startAt, endAt: new Date(T0 + endS * 1000), bytes, path: `recordings/${cameraId}/2026-03-01/${startAt.getTime()}.mp4` };
}

before(async () => {
  database = await openDatabase({});
  await migrate(database.db);
  await seedCameras(database.db, [{ id: 'a' }, { id: 'b' }]);
  repo = new RecordingRepository(database.db);
});
after(() => database.close());

test('segments are inserted, listed by camera and overlap with a range, and summed', async () => {
  for (const [s, e] of [[0, 10], [10, 20], [30, 40]]) await repo.insert(seg('a', s, e));
  await repo.insert(seg('b', 5, 15, 7));
  const inserted = await repo.insert(seg('a', 40, 50, 500));
  assert.equal(typeof inserted.id, 'number');
  assert.equal(inserted.legal_hold, false);

  const starts = (rows: { start_at: Date }[]) => rows.map((r) => (r.start_at.getTime() - T0) / 1000);
  // [12, 35) overlaps the segment that ends at 20 and the one that starts at 30, not those that touch neither.
  assert.deepEqual(starts(await repo.list('a', new Date(T0 + 12_000), new Date(T0 + 35_000))), [10, 30]);
  // Bounds are half-open: a segment ending exactly at `from` or starting at `to` is out.
  assert.deepEqual(starts(await repo.list('a', new Date(T0 + 20_000), new Date(T0 + 30_000))), []);
  assert.deepEqual(starts(await repo.list('a', new Date(T0), new Date(T0 + 3_600_000), 2)), [0, 10]);

  assert.equal(await repo.sumBytes({ cameraId: 'a' }), 3500);
  assert.equal(await repo.sumBytes({ cameraId: 'a', endedBefore: new Date(T0 + 20_000) }), 2000);
  assert.equal(await repo.sumBytes(), 3507);
});

test('a segment with bad fields is refused naming the field', async () => {
  await assert.rejects(repo.insert({ ...seg('a', 100, 110), endAt: new Date(T0 + 100_000) }), /endAt: must be after startAt/);
  await assert.rejects(repo.insert({ ...seg('a', 100, 110), path: '../../etc/passwd' }), /path: .* is not recordings/);
  await assert.rejects(repo.insert({ ...seg('a', 100, 110), path: 'recordings/a/2026-03-01/1.mkv' }), /path: .* is not recordings/);
  await assert.rejects(repo.insert({ ...seg('a', 100, 110), bytes: -1 }), /bytes:/);
  await assert.rejects(repo.insert(seg('a', 0, 4000)), /at most one hour/);
});

test('a legacy MPEG-TS segment (.ts, from earlier versions) is still accepted', async () => {
  const legacy = await repo.insert({ ...seg('a', 200, 210), path: `recordings/a/2026-03-01/${T0 + 200_000}.ts` });
  assert.match(legacy.path, /\.ts$/);
  await database.db.deleteFrom('recording_segments').where('id', '=', legacy.id).execute();
});

