import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { CLOCK_STAMP_HEIGHT, CLOCK_STAMP_WIDTH, clockStampAgeMs, readClockStamp } from './clock-stamp.ts';
import { encodeTestPattern } from './test-pattern.ts';

const FFMPEG = '/usr/bin/ffmpeg';

test('the stamp burnt in by ffmpeg reads back as the wall clock, through H.264', { skip: existsSync(FFMPEG) ? false : `${FFMPEG} not found` }, () => {
  const before = Date.now();
  const mp4 = encodeTestPattern(FFMPEG, { seconds: 1, fps: 10, clockStamp: true });
  const after = Date.now();
  const raw = spawnSync(FFMPEG, [
    '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0',
    '-vf', `crop=${CLOCK_STAMP_WIDTH}:${CLOCK_STAMP_HEIGHT}:0:0`, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1',
  ], { input: mp4, maxBuffer: 64 * 1024 * 1024 }).stdout;
  const size = CLOCK_STAMP_WIDTH * CLOCK_STAMP_HEIGHT * 4;
  const stamps = Array.from({ length: raw.length / size }, (_, i) => readClockStamp(raw.subarray(i * size, (i + 1) * size), CLOCK_STAMP_WIDTH));
  assert.equal(stamps.length, 10);
  for (const [i, s] of stamps.entries()) {
    assert.ok(s !== undefined, `frame ${i} has no readable stamp`);
    assert.ok(clockStampAgeMs(s, after) >= 0 && clockStampAgeMs(s, before) <= 0, `frame ${i}: stamp ${s} outside the encode`);
    if (i) assert.ok(s >= stamps[i - 1]!, 'stamps never go back');
  }
});

test('a frame without a stamp reads as none', () => {
  const grey = new Uint8ClampedArray(CLOCK_STAMP_WIDTH * CLOCK_STAMP_HEIGHT * 4).fill(128);
  assert.equal(readClockStamp(grey, CLOCK_STAMP_WIDTH), undefined);
  assert.equal(readClockStamp(grey, CLOCK_STAMP_WIDTH - 1), undefined, 'too narrow');
});

test('ages are right across the 2^32 ms wrap', () => {
  const wrap = 2 ** 32;
  assert.equal(clockStampAgeMs(wrap - 100, 5 * wrap + 50), 150);
  assert.equal(clockStampAgeMs(1000, 3 * wrap + 1250), 250);
  assert.equal(clockStampAgeMs(1000, 3 * wrap + 900), -100, 'a stamp from the future is negative, not 49 days old');
});
