import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ffmpegPath } from './encoder.ts';
import { SimulatedCamera } from './simulated-camera.ts';
import { decodeBurntTimestamp } from './timestamp-code.ts';
import type { TruthRecord } from './truth.ts';

const FFPROBE = ffmpegPath().replace(/ffmpeg$/, 'ffprobe');

/** Reads a live HTTP stream for `ms` and returns what arrived. */
function capture(url: string, ms: number): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const req = get(url, (res) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      setTimeout(() => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) });
      }, ms);
    });
    req.on('error', reject);
  });
}

function probe(path: string): { streams: { codec_name: string; width: number; height: number }[]; frames: { key_frame: number }[] } {
  const r = spawnSync(FFPROBE, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_frames', '-select_streams', 'v', path]);
  assert.equal(r.status, 0, r.stderr.toString());
  return JSON.parse(r.stdout.toString());
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a live camera serves valid H.264 over HTTP to two clients at once, from a keyframe, and stops cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-sim-'));
  const camera = new SimulatedCamera({ id: 'live-1', name: 'Live test', width: 640, height: 360, fps: 10, seed: 3, dir });
  try {
    await camera.start();
    const url = camera.url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/live-1\.ts$/);
    const [a, b] = await Promise.all([capture(url, 2500), capture(url, 2500)]);
    const now = Date.now();
    for (const [i, got] of [a, b].entries()) {
      assert.equal(got.status, 200);
      assert.equal(got.type, 'video/mp2t');
      assert.equal(got.body.length % 188, 0, 'whole TS packets');
      const path = join(dir, `client${i}.ts`);
      writeFileSync(path, got.body);
      const info = probe(path);
      assert.equal(info.streams[0].codec_name, 'h264');
      assert.equal(info.streams[0].width, 640);
      assert.equal(info.streams[0].height, 360);
      assert.ok(info.frames.length >= 10, `client ${i} decoded ${info.frames.length} frames`);
      assert.equal(info.frames[0].key_frame, 1, 'a client starts at a keyframe');
    }
    // The newest picture a client got shows a time close to now: the stream is live.
    const rgb = spawnSync(ffmpegPath(), ['-v', 'error', '-i', join(dir, 'client0.ts'), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 28 }).stdout;
    const size = 640 * 360 * 3;
    const last = decodeBurntTimestamp(rgb.subarray(rgb.length - size), 640, 360);
    assert.ok(last !== null && now - last < 2000 && now - last > 0, `last frame shows ${last}, now ${now}`);

    const pid = camera.encoderPid!;
    assert.ok(alive(pid));
    await camera.stop();
    assert.equal(alive(pid), false, 'ffmpeg is gone after stop()');
    await assert.rejects(capture(url, 100), /ECONNREFUSED/);
    const lines = readFileSync(join(dir, 'live-1.truth.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthRecord);
    assert.equal(lines[0].type, 'camera');
    assert.ok(lines.every((r) => r.simulated === true));
    assert.ok(lines.some((r) => r.type === 'count'));
    assert.deepEqual(lines, camera.truth());
  } finally {
    await camera.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('renderToFile writes a 1080p H.264 clip at about the asked bitrate, with truth beside it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-sim-'));
  try {
    const camera = new SimulatedCamera({ id: 'clip-1080', name: 'Clip test', width: 1920, height: 1080, fps: 10, seed: 9, dir });
    const clip = await camera.renderToFile(2, join(dir, 'clip.mp4'), Date.UTC(2026, 0, 1));
    const info = probe(clip.path);
    assert.equal(info.streams[0].codec_name, 'h264');
    assert.equal(info.streams[0].width, 1920);
    assert.equal(info.frames.length, 20);
    assert.equal(info.frames.filter((f) => f.key_frame).length, 2, 'a keyframe each second');
    const kbps = (readFileSync(clip.path).length * 8) / 2 / 1000;
    assert.ok(kbps > 1500 && kbps < 5500, `${kbps.toFixed(0)} kbps`);
    const vehicles = clip.truth.filter((r) => r.type === 'vehicle');
    assert.ok(vehicles.length > 0);
    assert.equal(readFileSync(join(dir, 'clip-1080.truth.jsonl'), 'utf8').trim().split('\n').length, clip.truth.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a camera whose encoder dies comes back like a rebooted IP camera', async () => {
  const camera = new SimulatedCamera({ id: 'reboot', name: 'Reboot test', width: 640, height: 360, fps: 10, seed: 4 });
  try {
    await camera.start();
    const first = camera.encoderPid!;
    process.kill(first, 'SIGKILL');
    const deadline = Date.now() + 8000;
    while ((camera.encoderPid === first || camera.encoderPid === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const second = camera.encoderPid;
    assert.ok(second && second !== first, 'a new ffmpeg took over');
    assert.equal(camera.stats().encoderRestarts, 1);
    const got = await capture(camera.url, 1500);
    assert.equal(got.status, 200);
    assert.ok(got.body.length > 188 * 100, `${got.body.length} bytes after the restart`);
    await camera.stop();
    assert.equal(alive(second), false);
  } finally {
    await camera.stop();
  }
});
