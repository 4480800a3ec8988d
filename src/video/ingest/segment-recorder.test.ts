import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BlobStore } from '../../platform/blob/blob-store.ts';
import { LocalBlobStore } from '../../platform/blob/local-blob-store.ts';
import { SegmentRecorder, type ClosedSegment } from './segment-recorder.ts';

function setup(t: TestContext) {
  const dataDir = mkdtempSync(join(tmpdir(), 'safecity-rec-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let now = Date.parse('2026-03-01T23:59:50Z');
  const indexed: ClosedSegment[] = [];
  let failures = 0;
  const logs: string[] = [];
  const recorder = new SegmentRecorder({
    cameraId: 'cam1',
    dataDir,
    index: { insert: async (s) => { if (failures > 0) { failures--; throw new Error('database away'); } indexed.push(s); } },
    log: (m) => logs.push(m),
    now: () => now,
  });
  return { dataDir, recorder, indexed, logs, fail: (n: number) => (failures = n), setNow: (ms: number) => (now = ms), now: () => now };
}

test('a closed segment is moved under its UTC day as <startMs>.ts and indexed; neighbours in a run join without holes', async (t) => {
  const { dataDir, recorder, indexed, setNow, now } = setup(t);
  const dir = recorder.beginRun();
  const t0 = now();
  writeFileSync(join(dir, '000000.ts'), Buffer.alloc(1000));
  writeFileSync(join(dir, '000001.ts'), Buffer.alloc(2000));
  // Closed 10.04 s after start (a little network delay); the next one 10.3 s later with 0.3 s jitter.
  setNow(t0 + 10_040);
  recorder.onListLine('000000.ts,0.000000,10.000000');
  setNow(t0 + 20_340);
  recorder.onListLine('000001.ts,10.000000,20.000000');
  await recorder.idle();
  assert.equal(indexed.length, 2);
  assert.deepEqual(indexed.map((s) => [s.startAt.getTime() - t0, s.endAt.getTime() - t0, s.bytes]), [[40, 10_040, 1000], [10_040, 20_040, 2000]]);
  // The first starts on 1 March, the second on 2 March (UTC): each is filed under its own day.
  assert.equal(indexed[0].path, `recordings/cam1/2026-03-01/${t0 + 40}.ts`);
  assert.equal(indexed[1].path, `recordings/cam1/2026-03-02/${t0 + 10_040}.ts`);
  for (const s of indexed) assert.ok(existsSync(join(dataDir, s.path)));
  assert.deepEqual(readdirSync(dir), []);
  assert.deepEqual(recorder.stats, { segments: 2, bytes: 3000, lastSegmentEnd: indexed[1].endAt, pending: 0, unstored: 0 });
});

test('within a run segments stay joined, and an index drifting from the clock is pulled back to within a second', async (t) => {
  const { recorder, indexed, setNow, now } = setup(t);
  const dir = recorder.beginRun();
  const t0 = now();
  const names = ['000000.ts', '000001.ts', '000002.ts', '000003.ts'];
  for (const n of names) writeFileSync(join(dir, n), 'x');
  // A camera whose clock runs 10 % fast: 10 s of stream time every 9 s of ours.
  names.forEach((n, i) => {
    setNow(t0 + 9000 * (i + 1));
    recorder.onListLine(`${n},${i * 10}.0,${(i + 1) * 10}.0`);
  });
  await recorder.idle();
  const bounds = indexed.map((s) => [s.startAt.getTime() - t0, s.endAt.getTime() - t0]);
  assert.deepEqual(bounds, [[-1000, 9000], [9000, 19_000], [19_000, 28_000], [28_000, 37_000]]);
});

test('segments a killed ffmpeg left unlisted are filed from the previous end to their mtime; empty ones are dropped', async (t) => {
  const { recorder, indexed, setNow, now } = setup(t);
  const dir = recorder.beginRun();
  const t0 = now();
  writeFileSync(join(dir, '000000.ts'), 'a');
  setNow(t0 + 4000);
  recorder.onListLine('000000.ts,0.0,4.0');
  writeFileSync(join(dir, '000001.ts'), 'bb');
  utimesSync(join(dir, '000001.ts'), new Date(t0 + 6500), new Date(t0 + 6500));
  writeFileSync(join(dir, '000002.ts'), '');
  await recorder.endRun();
  assert.deepEqual(indexed.map((s) => [s.startAt.getTime() - t0, s.endAt.getTime() - t0, s.bytes]), [[0, 4000, 1], [4000, 6500, 2]]);
  assert.equal(existsSync(dir), false);
});

test('staging folders of an earlier process are recovered at start', async (t) => {
  const { dataDir, recorder, indexed } = setup(t);
  const runStart = Date.parse('2026-03-01T08:00:00Z');
  const old = join(dataDir, 'recordings', 'cam1', '.incoming', String(runStart));
  mkdirSync(old, { recursive: true });
  for (const [name, endS] of [['000000.ts', 10], ['000001.ts', 20]] as const) {
    writeFileSync(join(old, name), 'data');
    utimesSync(join(old, name), new Date(runStart + endS * 1000), new Date(runStart + endS * 1000));
  }
  await recorder.recoverLeftovers();
  assert.deepEqual(indexed.map((s) => [s.startAt.getTime() - runStart, s.endAt.getTime() - runStart]), [[0, 10_000], [10_000, 20_000]]);
  assert.equal(existsSync(old), false);
});

test('an index that is briefly away gets the segment on the next close, in order; a zero-length segment is dropped', async (t) => {
  const { recorder, indexed, logs, fail, setNow, now } = setup(t);
  const dir = recorder.beginRun();
  const t0 = now();
  for (const n of ['000000.ts', '000001.ts', '000002.ts']) writeFileSync(join(dir, n), 'x');
  fail(1);
  setNow(t0 + 2000);
  recorder.onListLine('000000.ts,0.0,2.0');
  await recorder.idle();
  assert.equal(indexed.length, 0);
  assert.match(logs[0], /camera cam1: recording: database away/);
  setNow(t0 + 4000);
  recorder.onListLine('000001.ts,2.0,4.0');
  recorder.onListLine('000002.ts,4.0,4.0');
  await recorder.idle();
  assert.deepEqual(indexed.map((s) => s.startAt.getTime() - t0), [0, 2000]);
  assert.equal(existsSync(join(dir, '000002.ts')), false);
});

/** A top-level MP4 box: 32-bit size, type, `payload` zero bytes. */
function mp4Box(type: string, payload: number): Buffer {
  const b = Buffer.alloc(8 + payload);
  b.writeUInt32BE(8 + payload, 0);
  b.write(type, 4, 'latin1');
  return b;
}

test('an MP4 segment a killed ffmpeg left with no video after its init segment is dropped; one with a fragment is kept as .mp4', async (t) => {
  const { recorder, indexed, now } = setup(t);
  const dir = recorder.beginRun();
  const t0 = now();
  writeFileSync(join(dir, '000000.mp4'), Buffer.concat([mp4Box('ftyp', 20), mp4Box('moov', 800), mp4Box('moof', 100), mp4Box('mdat', 5000)]));
  utimesSync(join(dir, '000000.mp4'), new Date(t0 + 3000), new Date(t0 + 3000));
  writeFileSync(join(dir, '000001.mp4'), Buffer.concat([mp4Box('ftyp', 20), mp4Box('moov', 800)]));
  utimesSync(join(dir, '000001.mp4'), new Date(t0 + 3500), new Date(t0 + 3500));
  await recorder.endRun();
  assert.deepEqual(indexed.map((s) => [s.startAt.getTime() - t0, s.endAt.getTime() - t0]), [[0, 3000]]);
  assert.match(indexed[0].path, /^recordings\/cam1\/\d{4}-\d{2}-\d{2}\/\d+\.mp4$/);
  assert.equal(existsSync(dir), false);
});

test('a segment the blob store refuses is kept, not lost: stored and indexed with its own bounds once the store is back', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'safecity-rec-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let now = Date.parse('2026-03-01T10:00:00Z');
  const indexed: ClosedSegment[] = [];
  const logs: string[] = [];
  const disk = new LocalBlobStore(dataDir);
  let away = true;
  let puts = 0;
  // A store that is away (S3 down) until told otherwise.
  const flaky: BlobStore = {
    kind: 's3', location: 'flaky',
    exists: (key) => disk.exists(key),
    put: async (key, file) => {
      puts++;
      if (away) throw new Error('S3 PUT: cannot reach the store: ECONNREFUSED');
      await disk.put(key, file);
    },
    localFile: (key) => disk.localFile(key),
    delete: (key) => disk.delete(key),
  };
  const options = {
    cameraId: 'cam1', dataDir, blobs: flaky, storeRetryDelaysMs: [1, 1],
    index: { insert: async (s: ClosedSegment) => void indexed.push(s) }, log: (m: string) => logs.push(m), now: () => now,
  };
  const recorder = new SegmentRecorder(options);
  const dir = recorder.beginRun();
  const t0 = now;
  writeFileSync(join(dir, '000000.ts'), Buffer.alloc(100));
  now = t0 + 2000;
  recorder.onListLine('000000.ts,0.0,2.0');
  await recorder.idle();
  assert.equal(puts, 3, 'tried three times');
  assert.equal(indexed.length, 0, 'no row without its blob');
  assert.deepEqual(readdirSync(join(dataDir, 'recordings', 'cam1', '.unstored')), [`${t0}-${t0 + 2000}.ts`]);
  assert.equal(recorder.stats.unstored, 1);
  assert.match(logs.join('\n'), /could not be stored \(S3 PUT: cannot reach the store: ECONNREFUSED\); kept in .*\.unstored/);
  // The run ends while the store is still away: the kept segment stays kept.
  await recorder.endRun();
  assert.equal(readdirSync(join(dataDir, 'recordings', 'cam1', '.unstored')).length, 1);

  // The store is back: the next segment that stores brings the kept one in, with its own bounds.
  away = false;
  const dir2 = recorder.beginRun();
  writeFileSync(join(dir2, '000000.ts'), Buffer.alloc(300));
  now = t0 + 10_000;
  recorder.onListLine('000000.ts,0.0,2.0');
  await recorder.idle();
  assert.deepEqual(indexed.map((s) => [s.startAt.getTime() - t0, s.endAt.getTime() - t0, s.bytes]), [[8000, 10_000, 300], [0, 2000, 100]]);
  assert.deepEqual(readdirSync(join(dataDir, 'recordings', 'cam1', '.unstored')), []);
  assert.equal(recorder.stats.unstored, 0);

  // Kept segments are also stored at the next start (a new process).
  away = true;
  writeFileSync(join(dir2, '000001.ts'), Buffer.alloc(400));
  now = t0 + 12_000;
  recorder.onListLine('000001.ts,2.0,4.0');
  await recorder.idle();
  assert.equal(indexed.length, 2);
  away = false;
  await new SegmentRecorder(options).recoverLeftovers();
  assert.deepEqual(indexed.map((s) => s.bytes), [300, 100, 400]);
});
