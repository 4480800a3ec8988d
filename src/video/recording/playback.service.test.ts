import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BlobStore } from '../../platform/blob/blob-store.ts';
import { NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import { probe, type MediaTools } from './ffmpeg.ts';
import { PlaybackService } from './playback.service.ts';
import { RecordingRepository } from './recording.repository.ts';
import { actorFor, encodeSegments, fileSegments, insertSegments, recordingHarness, seedCameras, type RecordingHarness } from './recording.fixture.ts';
import { readFmp4Layout } from './segment-format.ts';

const tools: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
const T0 = Date.parse('2025-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const operator = actorFor('operator', 'kp');
let h: RecordingHarness;
let dataDir: string;
let service: PlaybackService;

/** Types of the top-level MP4 boxes, in file order. */
function topLevelBoxes(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const types: string[] = [];
    const header = Buffer.alloc(16);
    const size = fstatSync(fd).size;
    for (let pos = 0; pos + 8 <= size;) {
      readSync(fd, header, 0, 16, pos);
      let length = header.readUInt32BE(0);
      if (length === 1) length = Number(header.readBigUInt64BE(8));
      types.push(header.toString('latin1', 4, 8));
      if (length < 8) break;
      pos += length;
    }
    return types;
  } finally {
    closeSync(fd);
  }
}

before(async () => {
  h = await recordingHarness();
  dataDir = mkdtempSync(join(tmpdir(), 'safecity-playback-'));
  await seedCameras(h.database.db, ['cam-1', 'cam-2']);
  // cam-1: 130 s of real video, 2 s segments, keyframe every second.
  const encoded = encodeSegments({ seconds: 130 });
  await insertSegments(h.database.db, fileSegments(dataDir, 'cam-1', encoded.files, T0));
  rmSync(encoded.dir, { recursive: true, force: true });
  // cam-2 (rows only): 0–10 s, 10.8–20 s (touches: 0.8 s apart), 30–40 s (a 10 s gap), 39–50 s (overlaps).
  const row = (from: number, to: number) => ({ camera_id: 'cam-2', start_at: at(from), end_at: at(to), bytes: 1, path: `recordings/cam-2/2025-03-01/${from}.mp4` });
  await insertSegments(h.database.db, [row(0, 10), row(10.8, 20), row(30, 40), row(39, 50)]);
  service = new PlaybackService(new RecordingRepository(h.database.db), h.network.network, h.audit, { dataDir, tools });
});
after(async () => {
  await h.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('timeline merges touching segments, reports gaps inside the period, and is audited', async () => {
  const t = await service.timeline(operator, 'cam-2', at(-5), at(60));
  assert.deepEqual(t.ranges, [{ from: at(0), to: at(20) }, { from: at(30), to: at(50) }]);
  assert.deepEqual(t.gaps, [{ from: at(-5), to: at(0) }, { from: at(20), to: at(30) }, { from: at(50), to: at(60) }]);
  assert.equal(t.segments, 4);
  // A period that starts and ends inside recordings is clipped to it.
  const inner = await service.timeline(operator, 'cam-2', at(5), at(35));
  assert.deepEqual(inner.ranges, [{ from: at(5), to: at(20) }, { from: at(30), to: at(35) }]);
  assert.deepEqual(inner.gaps, [{ from: at(20), to: at(30) }]);
  const [entry] = await h.audit.list({ action: 'video.timeline', limit: 1 });
  assert.equal(entry.actor_id, operator.userId);
  assert.equal(entry.target_id, 'cam-2');
  assert.equal(entry.scope_path, 'kp.test');
});

test('the future is not a gap', async () => {
  const now = Date.now();
  const t = await service.timeline(operator, 'cam-2', new Date(now - 60_000), new Date(now + 3_600_000));
  assert.equal(t.ranges.length, 0);
  assert.equal(t.gaps.length, 1);
  assert.ok(t.gaps[0].to.getTime() <= Date.now());
});

test('a 2-minute range plays: an MP4 within a frame of the request, cached for the next request', async () => {
  const from = at(5.5);
  const to = at(125.5);
  const started = Date.now();
  const first = await service.playback(operator, 'cam-1', from, to, 'bytes=0-');
  const renderMs = Date.now() - started;
  const p = await probe(tools, first.file);
  assert.ok(Math.abs(p.durationSeconds - 120) < 0.1, `ffprobe duration ${p.durationSeconds}`);
  const frames = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', first.file], { encoding: 'utf8' });
  assert.ok(Math.abs(Number(frames.stdout) - 3000) <= 1, `decoded frames ${frames.stdout}`);
  assert.equal(first.bytes, statSync(first.file).size);
  assert.deepEqual(first.recorded, [{ from, to }]);
  // The moov box is first (faststart), so a browser can start playing and seek before the download ends.
  assert.deepEqual(topLevelBoxes(first.file).filter((b) => b === 'moov' || b === 'mdat'), ['moov', 'mdat']);

  const mtime = statSync(first.file).mtimeMs;
  const again = await service.playback(operator, 'cam-1', from, to, 'bytes=1000-');
  assert.equal(again.file, first.file);
  assert.ok(statSync(first.file).mtimeMs >= mtime);
  const audits = await h.audit.list({ action: 'video.playback', limit: 10 });
  assert.deepEqual(audits.map((a) => (a.details as { range: string }).range), ['bytes=1000-', 'bytes=0-']);
  console.log(`# playback render of 120 s: ${renderMs} ms, ${first.bytes} bytes`);
});

test('requests for the same range while it renders share one render', async () => {
  const [a, b] = await Promise.all([
    service.playback(operator, 'cam-1', at(1), at(11)),
    service.playback(operator, 'cam-1', at(1), at(11)),
  ]);
  assert.equal(a.file, b.file);
  assert.ok(Math.abs((await probe(tools, a.file)).durationSeconds - 10) < 0.1);
});

test('bad periods name the field; no recording is a 404; a camera out of scope answers like a missing one', async () => {
  await assert.rejects(service.playback(operator, 'cam-1', at(10), at(5)), (e: ValidationError) => e instanceof ValidationError && e.field === 'to');
  await assert.rejects(service.playback(operator, 'cam-1', at(0), at(7 * 3600)), (e: ValidationError) => e.field === 'to' && /at most/.test(e.message));
  await assert.rejects(service.timeline(operator, 'cam-1', at(0), at(40 * 86400)), (e: ValidationError) => e.field === 'to');
  await assert.rejects(service.playback(operator, 'cam-1', at(-100), at(-50)), NotFoundError);
  const elsewhere = actorFor('operator', 'kp.peshawar', 'op-peshawar');
  await assert.rejects(service.playback(elsewhere, 'cam-1', at(0), at(10)), NotFoundError);
  await assert.rejects(service.timeline(elsewhere, 'cam-1', at(0), at(10)), NotFoundError);
  await assert.rejects(service.timeline(operator, 'no-such-camera', at(0), at(10)), NotFoundError);
});

test('an HLS playlist comes from the index alone where rows carry the init segment: no file is read (S3 downloads none)', async () => {
  const from = at(3);
  const to = at(41);
  const uri = (id: number, container: string) => `seg/${id}.${container}`;
  const fromFiles = await service.hlsPlaylist(operator, 'cam-1', from, to, uri);
  // What the recorder stores when it files a segment.
  const rows = await h.database.db.selectFrom('recording_segments').select(['id', 'path']).where('camera_id', '=', 'cam-1').execute();
  for (const r of rows) {
    const layout = (await readFmp4Layout(join(dataDir, r.path)))!;
    await h.database.db.updateTable('recording_segments').set({ init_bytes: layout.initBytes, init_digest: layout.initDigest }).where('id', '=', r.id).execute();
  }
  const unreadable = () => Promise.reject(new Error('read a blob'));
  const nothingToRead: BlobStore = { kind: 's3', location: 'nowhere', put: unreadable, localFile: unreadable, exists: unreadable, delete: unreadable };
  const indexOnly = new PlaybackService(new RecordingRepository(h.database.db), h.network.network, h.audit, { dataDir, tools, blobs: nothingToRead });
  assert.equal(await indexOnly.hlsPlaylist(operator, 'cam-1', from, to, uri), fromFiles);
  assert.match(fromFiles, /#EXT-X-MAP:URI="seg\/\d+\.mp4",BYTERANGE="\d+@0"/);
});
