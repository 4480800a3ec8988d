import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { probe, type MediaTools } from './ffmpeg.ts';
import { planRange, renderRange, segmentFile, type StoredSegment } from './range-render.ts';
import { encodeSegments, fileSegments } from './recording.fixture.ts';

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

/** Decoded frames and the presentation duration a player sees. */
async function measure(file: string): Promise<{ duration: number; frames: number }> {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return { duration: (await probe(tools, file)).durationSeconds, frames: Number(r.stdout.trim()) };
}

test('a range starting between keyframes plays from that frame, not the next keyframe', async () => {
  const from = new Date(T0 + 4_500);
  const to = new Date(T0 + 24_500);
  const plan = planRange(dataDir, segments, from, to)!;
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
  const plan = planRange(dataDir, holed, from, to)!;
  assert.match(plan.script, /duration 8\.000/);
  const out = join(dataDir, 'b.mp4');
  await renderRange(tools, plan, out);
  const { duration, frames } = await measure(out);
  assert.ok(Math.abs(duration - 28) < 0.1, `duration ${duration}`);
  assert.ok(Math.abs(frames - 22 * 25) <= 1, `frames ${frames}`);
});

test('audio a browser cannot play is transcoded to AAC; video is copied', async () => {
  const encoded = encodeSegments({ seconds: 4, mp2Audio: true });
  const dir = mkdtempSync(join(tmpdir(), 'safecity-render-a-'));
  try {
    const segs = fileSegments(dir, 'cam-a', encoded.files, T0).map((s, i) => ({ ...s, id: i + 1 }));
    const out = join(dir, 'c.mp4');
    await renderRange(tools, planRange(dir, segs, new Date(T0 + 1_000), new Date(T0 + 3_000))!, out);
    const p = await probe(tools, out);
    assert.deepEqual(p.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.ok(Math.abs(p.durationSeconds - 2) < 0.1, `duration ${p.durationSeconds}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(encoded.dir, { recursive: true, force: true });
  }
});

test('no segment in the range gives no plan; a stored path cannot leave the data folder', () => {
  assert.equal(planRange(dataDir, segments, new Date(T0 - 60_000), new Date(T0 - 1_000)), null);
  assert.throws(() => segmentFile(dataDir, '../../etc/passwd'), /outside the data folder/);
});
