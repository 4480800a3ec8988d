import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthTracker, uptimeOf, type Transition } from './camera-health.ts';

function tracker(offlineAfterMs = 8000) {
  let now = 1_000_000;
  const seen: Transition[] = [];
  const h = new HealthTracker({ offlineAfterMs, now: () => now, onTransition: (t) => seen.push(t) });
  /** Lets `ms` pass with a tick every second, as the ingest does. */
  const ticking = (ms: number) => {
    for (let left = ms; left > 0; left -= 1000) {
      now += Math.min(1000, left);
      h.tick();
    }
  };
  return { h, seen, advance: (ms: number) => (now += ms), ticking, at: () => now };
}

test('written video makes a camera online; silence for offlineAfterMs makes it offline with the last problem as reason', () => {
  const { h, seen, advance, ticking } = tracker();
  h.runStarted(1);
  advance(1000);
  h.frames(0);
  h.frames(25);
  assert.equal(seen.length, 0, 'a progress report is a frame rate, not a pulse');
  h.written(250_000);
  assert.deepEqual(seen.map((t) => [t.status, t.reason]), [['online', 'receiving video']]);
  for (let i = 0; i < 5; i++) {
    advance(1000);
    h.frames(25 * (i + 2));
    h.written(250_000);
    h.tick();
  }
  const s = h.snapshot();
  assert.equal(s.status, 'online');
  assert.equal(s.fps, 25);
  assert.equal(s.bitrateKbps, 2000);
  // ffmpeg dies; it restarts and cannot connect.
  h.problem('[tcp @ 0x1] Connection to tcp://10.0.0.5:554 failed: Connection refused');
  h.runStarted(2);
  ticking(7000);
  assert.equal(seen.length, 1, 'not offline before offlineAfterMs');
  ticking(1000);
  h.tick();
  assert.deepEqual(seen.map((t) => t.status), ['online', 'offline']);
  assert.match(seen[1].reason, /^no video for 8 s: \[tcp @ 0x1\] .*Connection refused$/);
  assert.deepEqual([h.snapshot().fps, h.snapshot().reconnects], [0, 1]);
  // The new run's frame count starts at 0 again.
  advance(500);
  h.frames(3);
  h.written(10_000);
  assert.deepEqual(seen.map((t) => t.status), ['online', 'offline', 'online']);
  assert.equal(seen[2].reason, 'video is back');
});

test('a progress report that comes after the video stopped does not hold off offline', () => {
  // ffmpeg reports every 5 s, and once more as it exits: the frames it counts may be seconds old.
  const { h, seen, ticking } = tracker(4000);
  h.runStarted(1);
  h.frames(10);
  h.written(50_000);
  ticking(3000);
  h.frames(30);
  ticking(1000);
  assert.deepEqual(seen.map((t) => t.status), ['online', 'offline'], 'offline 4 s after the last video written');
  assert.match(seen[1].reason, /^no video for 4 s/);
});

test('a camera that never sends a frame goes offline after offlineAfterMs from the start', () => {
  const { h, seen, ticking } = tracker(5000);
  ticking(4999);
  assert.equal(h.snapshot().status, 'unknown');
  ticking(1);
  assert.equal(seen[0].status, 'offline');
  assert.match(seen[0].reason, /no video in 5 s since the ingest started/);
});

test('a tick that comes late (the event loop was blocked) judges nothing: the frames that piled up come next', () => {
  const { h, seen, advance, ticking } = tracker(5000);
  h.written(10_000);
  ticking(2000);
  advance(9000);
  h.tick();
  assert.deepEqual(seen.map((t) => t.status), ['online'], 'no offline from a late tick');
  h.written(200_000);
  ticking(3000);
  assert.deepEqual(seen.map((t) => t.status), ['online']);
  ticking(3000);
  assert.deepEqual(seen.map((t) => t.status), ['online', 'offline'], 'real silence is still caught');
});

test('uptime counts online time over the known part of the period', () => {
  const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
  const log = [
    { status: 'online' as const, at: t(-30) },
    { status: 'offline' as const, at: t(15) },
    { status: 'online' as const, at: t(30) },
  ];
  assert.deepEqual(uptimeOf(log, t(0), t(60)), { percent: 75, onlineMs: 45 * 60_000, knownMs: 60 * 60_000 });
  // Before the first record nothing is known: only [30, 60) counts.
  assert.equal(uptimeOf(log.slice(2), t(0), t(60)).percent, 100);
  assert.equal(uptimeOf(log.slice(2), t(0), t(60)).knownMs, 30 * 60_000);
  assert.equal(uptimeOf([], t(0), t(60)).percent, null);
});
