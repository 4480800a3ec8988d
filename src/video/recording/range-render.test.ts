import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { probe, type MediaTools } from './ffmpeg.ts';
import { LocalBlobStore } from '../../platform/blob/local-blob-store.ts';
import { planRange, renderRange, type StoredSegment } from './range-render.ts';
import { encodeSegments, fileSegments } from './recording.fixture.ts';
import { segmentFile } from './segment-files.ts';

/** Each segment's file on local disk under `dir`, by key, as segmentFiles gives them. */
const filesIn = (dir: string, segs: readonly StoredSegment[]) => new Map(segs.map((s) => [s.path, join(dir, s.path)]));

const tools: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
const T0 = Date.parse('2025-03-01T10:00:00Z');
let dataDir: string;
let segments: StoredSegment[];

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'safecity-render-'));
  const encoded = encodeSegments({ seconds: 40 });
  segments = fileSegments(dataDir, 'cam-1', encoded.files, T0).map((s, i) => ({ ...s, id: i + 1 }));
  rmSync(encoded.dir, { recursive: true, force: true });
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** MD5 of the `index`-th frame a player shows (in presentation order, after any edit list). */
function frameMd5(file: string, index: number): string {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-vf', `select=eq(n\\,${index})`, '-vsync', 'passthrough', '-frames:v', '1', '-f', 'framemd5', '-'], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l && !l.startsWith('#'));
  assert.ok(line, `no frame ${index} in ${file}: ${r.stderr}`);
  return line.split(',').at(-1)!.trim();
}

const firstFrameMd5 = (file: string) => frameMd5(file, 0);

/** Decoded frames and the presentation duration a player sees. */
async function measure(file: string): Promise<{ duration: number; frames: number }> {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return { duration: (await probe(tools, file)).durationSeconds, frames: Number(r.stdout.trim()) };
}

test('a range starting between keyframes plays from that frame, not the next keyframe', async () => {
  const from = new Date(T0 + 4_500);
  const to = new Date(T0 + 24_500);
  const plan = planRange(filesIn(dataDir, segments), segments, from, to)!;
  assert.equal(plan.offsetSeconds, -0.5);
  const out = join(dataDir, 'a.mp4');
  const seen: number[] = [];
  await renderRange(tools, plan, out, { onProgress: (f) => seen.push(f) });
  const { duration, frames } = await measure(out);
  assert.ok(Math.abs(duration - 20) < 0.1, `duration ${duration}`);
  // 20 s at 25 fps: the 12 frames between the keyframe and the start are hidden by the edit list, not lost.
  assert.ok(Math.abs(frames - 500) <= 1, `frames ${frames}`);
  assert.ok(seen.length > 0 && seen.every((f) => f >= 0 && f <= 1));
});

test('a gap stays a gap in time, so position t is always from + t', async () => {
  const holed = segments.filter((_, i) => i < 5 || i > 7); // 10 s .. 16 s missing
  const from = new Date(T0 + 2_000);
  const to = new Date(T0 + 30_000);
  const plan = planRange(filesIn(dataDir, holed), holed, from, to)!;
  assert.match(plan.script, /duration 8\.000/);
  const out = join(dataDir, 'b.mp4');
  await renderRange(tools, plan, out);
  const { duration, frames } = await measure(out);
  assert.ok(Math.abs(duration - 28) < 0.1, `duration ${duration}`);
  assert.ok(Math.abs(frames - 22 * 25) <= 1, `frames ${frames}`);
});

test('recorded segments are self-contained fragmented MP4 files whose timestamps start at 0', async () => {
  assert.ok(segments.every((s) => s.path.endsWith('.mp4')));
  for (const s of [segments[0], segments[7]]) {
    const p = await probe(tools, join(dataDir, s.path));
    assert.ok(p.startSeconds < 0.1, `start ${p.startSeconds}`);
    assert.ok(Math.abs(p.durationSeconds - 2) < 0.05, `duration ${p.durationSeconds}`);
  }
});

test('with B-frames (segments start at the first frame\'s composition offset) the range still starts at its frame', async () => {
  const encoded = encodeSegments({ seconds: 10, bFrames: true });
  const dir = mkdtempSync(join(tmpdir(), 'safecity-render-b-'));
  try {
    const segs = fileSegments(dir, 'cam-b', encoded.files, T0).map((s, i) => ({ ...s, id: i + 1 }));
    assert.ok((await probe(tools, join(dir, segs[1].path))).startSeconds > 0, 'B-frames shift the first presentation time');
    const out = join(dir, 'b.mp4');
    await renderRange(tools, planRange(filesIn(dir, segs), segs, new Date(T0 + 1_500), new Date(T0 + 8_500))!, out);
    const { duration, frames } = await measure(out);
    // `-t` cuts stream-copied packets by decode time, so up to the reorder depth (2 frames) may follow the end.
    assert.ok(duration >= 7 - 0.01 && duration < 7.2, `duration ${duration}`);
    assert.ok(frames >= 175 && frames <= 177, `frames ${frames}`);
    assert.equal(firstFrameMd5(out), frameMd5(join(dir, segs[0].path), 38), 'the first frame shown is the first at or after 1.5 s');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(encoded.dir, { recursive: true, force: true });
  }
});

test('a range across legacy MPEG-TS and MP4 segments (different time bases) renders continuous and whole', async () => {
  const legacy = encodeSegments({ seconds: 4, container: 'mpegts' });
  const current = encodeSegments({ seconds: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'safecity-render-m-'));
  try {
    const segs = [...fileSegments(dir, 'cam-m', legacy.files, T0), ...fileSegments(dir, 'cam-m', current.files, T0 + 4_000)].map((s, i) => ({ ...s, id: i + 1 }));
    assert.deepEqual(segs.map((s) => s.path.slice(-3)), ['.ts', '.ts', 'mp4', 'mp4']);
    const out = join(dir, 'm.mp4');
    await renderRange(tools, planRange(filesIn(dir, segs), segs, new Date(T0 + 1_000), new Date(T0 + 7_000))!, out);
    const { duration, frames } = await measure(out);
    assert.ok(Math.abs(duration - 6) < 0.1, `duration ${duration}`);
    assert.ok(Math.abs(frames - 150) <= 1, `frames ${frames}`);
    // The MP4 part starts where the legacy part ends: 3 s in is the first frame of the first MP4 segment.
    assert.equal(frameMd5(out, 75), frameMd5(join(dir, segs[2].path), 0));
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('m.mp4.')), [], 'the remuxed copies are gone');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(legacy.dir, { recursive: true, force: true });
    rmSync(current.dir, { recursive: true, force: true });
  }
});

test('audio a browser cannot play (here MP2 in a legacy MPEG-TS segment) is transcoded to AAC; video is copied', async () => {
  const encoded = encodeSegments({ seconds: 4, container: 'mpegts', mp2Audio: true });
  const dir = mkdtempSync(join(tmpdir(), 'safecity-render-a-'));
  try {
    const segs = fileSegments(dir, 'cam-a', encoded.files, T0).map((s, i) => ({ ...s, id: i + 1 }));
    const out = join(dir, 'c.mp4');
    await renderRange(tools, planRange(filesIn(dir, segs), segs, new Date(T0 + 1_000), new Date(T0 + 3_000))!, out);
    const p = await probe(tools, out);
    assert.deepEqual(p.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.ok(Math.abs(p.durationSeconds - 2) < 0.1, `duration ${p.durationSeconds}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(encoded.dir, { recursive: true, force: true });
  }
});

test('no segment in the range gives no plan; a stored path cannot leave the data folder', async () => {
  assert.equal(planRange(filesIn(dataDir, segments), segments, new Date(T0 - 60_000), new Date(T0 - 1_000)), null);
  await assert.rejects(segmentFile(new LocalBlobStore(dataDir), { path: '../../etc/passwd' }), /is not a relative path of plain names/);
});
