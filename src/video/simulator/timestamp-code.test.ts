import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ffmpegPath } from './encoder.ts';
import { I420Frame } from './frame.ts';
import { SimulatedCamera } from './simulated-camera.ts';
import { decodeBurntTimestamp, decodeBurntTimestampLuma, drawTimestampCode, timestampBits, timestampBlockSize } from './timestamp-code.ts';

test('the block code round-trips and documents its layout', () => {
  assert.equal(timestampBlockSize(640), 8);
  assert.equal(timestampBlockSize(1280), 16);
  assert.equal(timestampBlockSize(1920), 24);
  const bits = timestampBits(0x0123_4567_89ab);
  assert.equal(bits.length, 58);
  assert.deepEqual(bits.slice(0, 2), [1, 0]);
  assert.deepEqual(bits.slice(2, 10), [0, 0, 0, 0, 0, 0, 0, 1]);
  for (const [w, h] of [[640, 360], [1280, 720], [1920, 1080]]) {
    const frame = new I420Frame(w, h);
    for (const ms of [0, 1_790_000_123_456, 2 ** 48 - 1]) {
      drawTimestampCode(frame, ms);
      assert.equal(decodeBurntTimestampLuma(frame.y, w, h), ms);
      assert.equal(decodeBurntTimestamp(frame.toRgb24(), w, h), ms);
    }
  }
});

test('a frame without the code, or with a damaged one, reads as null', () => {
  const frame = new I420Frame(1280, 720);
  frame.y.fill(128);
  assert.equal(decodeBurntTimestampLuma(frame.y, 1280, 720), null);
  drawTimestampCode(frame, 1_790_000_123_456);
  // Flip one time bit: the CRC catches it.
  const b = timestampBlockSize(1280);
  const k = 20;
  const lit = frame.y[(b >> 1) * 1280 + k * b + (b >> 1)] > 128;
  for (let y = 0; y < b; y++) frame.y.fill(lit ? 16 : 235, y * 1280 + k * b, y * 1280 + (k + 1) * b);
  assert.equal(decodeBurntTimestampLuma(frame.y, 1280, 720), null);
});

test('the burnt-in time survives H.264 at camera bitrates and reads back within a frame', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-sim-'));
  try {
    const [width, height] = [1280, 720];
    const camera = new SimulatedCamera({ id: 'code', name: 'Code test', width, height, fps: 10, seed: 5, bitrateKbps: 1500 });
    const start = Date.UTC(2026, 10, 24, 12, 0, 0, 7);
    const clip = await camera.renderToFile(2, join(dir, 'clip.ts'), start);
    assert.equal(clip.frames, 20);
    const decoded = spawnSync(ffmpegPath(), ['-v', 'error', '-i', clip.path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 30 });
    assert.equal(decoded.status, 0, decoded.stderr.toString());
    const size = width * height * 3;
    const frames = decoded.stdout.length / size;
    assert.equal(frames, 20);
    for (let i = 0; i < frames; i++) {
      const ms = decodeBurntTimestamp(decoded.stdout.subarray(i * size, (i + 1) * size), width, height);
      assert.ok(ms !== null, `frame ${i} lost its code`);
      assert.ok(Math.abs(ms - (start + i * 100)) <= 100, `frame ${i}: read ${ms}, drawn at ${start + i * 100}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
