import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transition } from './camera-health.ts';
import { CameraIngest, type CameraIngestOptions } from './camera-ingest.ts';
import type { ClosedSegment } from './segment-recorder.ts';

// Real ffmpeg, small pictures: a file camera recorded by stream copy, and an MJPEG-over-HTTP camera
// that hangs once (the watchdog restarts it) and is found to need transcoding.

const FFMPEG = '/usr/bin/ffmpeg';
const FFPROBE = '/usr/bin/ffprobe';

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function harness(t: TestContext, overrides: Partial<CameraIngestOptions> & Pick<CameraIngestOptions, 'url'>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'safecity-ingest-'));
  const segments: ClosedSegment[] = [];
  const transitions: Transition[] = [];
  const logs: string[] = [];
  const liveChunks: Buffer[] = [];
  let feeds = 0;
  const ingest = new CameraIngest({
    cameraId: 'cam1',
    record: true,
    dataDir,
    segmentSeconds: 2,
    stallTimeoutSeconds: 3,
    ffmpegPath: FFMPEG,
    index: { insert: async (s) => void segments.push(s) },
    live: {
      feed: (stream) => {
        feeds++;
        stream.on('data', (c: Buffer) => liveChunks.push(c));
      },
    },
    onTransition: (_, tr) => transitions.push(tr),
    log: (m) => logs.push(m),
    ...overrides,
  });
  t.after(async () => {
    await ingest.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { ingest, dataDir, segments, transitions, logs, liveChunks, feeds: () => feeds };
}

/** A 3 s H.264 clip with a keyframe every second, for file cameras. */
function makeClip(t: TestContext): string {
  const clipDir = mkdtempSync(join(tmpdir(), 'safecity-clip-'));
  t.after(() => rmSync(clipDir, { recursive: true, force: true }));
  const clip = join(clipDir, 'clip.mp4');
  const made = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '3',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p', clip]);
  assert.equal(made.status, 0, String(made.stderr));
  return clip;
}

test('a file camera is recorded by stream copy into contiguous indexed segments, fed live as fMP4, and stops cleanly', async (t) => {
  const h = harness(t, { url: `file://${makeClip(t)}` });
  await h.ingest.start();
  await until(() => h.segments.length >= 2, 20_000, 'two segments');
  const pid = h.ingest.snapshot().pid!;
  assert.ok(alive(pid));
  const snap = h.ingest.snapshot();
  assert.equal(snap.status, 'online');
  assert.equal(snap.transcoding, false);
  assert.ok(snap.fps !== null && snap.fps > 5 && snap.fps < 15, `fps ${snap.fps}`);
  assert.ok(snap.bitrateKbps !== null && snap.bitrateKbps > 0);
  assert.deepEqual(h.transitions.map((x) => x.status), ['online']);

  const before = h.segments.length;
  await h.ingest.stop();
  assert.equal(alive(pid), false);
  assert.ok(h.segments.length > before, 'the segment open at stop is closed and indexed');
  for (let i = 1; i < h.segments.length; i++) assert.equal(h.segments[i].startAt.getTime(), h.segments[i - 1].endAt.getTime(), 'no holes within a run');
  for (const s of h.segments) {
    assert.match(s.path, /^recordings\/cam1\/\d{4}-\d{2}-\d{2}\/\d+\.ts$/);
    assert.equal(s.path.split('/').pop(), `${s.startAt.getTime()}.ts`);
    assert.ok(existsSync(join(h.dataDir, s.path)));
    // Each segment is a valid MPEG-TS of H.264 about segmentSeconds long (cut at 1 s keyframes).
    const probe = spawnSync(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_name:format=format_name,duration', '-of', 'json', join(h.dataDir, s.path)], { encoding: 'utf8' });
    const info = JSON.parse(probe.stdout) as { streams: { codec_name: string }[]; format: { format_name: string; duration: string } };
    assert.deepEqual([info.format.format_name, info.streams[0].codec_name], ['mpegts', 'h264']);
    assert.ok(Math.abs(Number(info.format.duration) * 1000 - (s.endAt.getTime() - s.startAt.getTime())) < 1100);
  }
  const live = Buffer.concat(h.liveChunks);
  assert.equal(live.subarray(4, 8).toString('latin1'), 'ftyp', 'live output is MP4');
  assert.ok(live.includes(Buffer.from('moof')), 'and fragmented');
  assert.equal(h.feeds(), 1);
  assert.ok(!existsSync(join(h.dataDir, 'recordings', 'cam1', '.incoming')) || !spawnSync('find', [join(h.dataDir, 'recordings', 'cam1', '.incoming'), '-name', '*.ts'], { encoding: 'utf8' }).stdout.trim());
});

/** An MJPEG camera over HTTP: connection number `hangOn` sends 2 s of video and then hangs; the others stream. */
async function mjpegCamera(t: TestContext, hangOn: number): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const encoders = new Set<ChildProcess>();
  const server: Server = createServer((req, res) => {
    connections++;
    const hangAfterSeconds = connections === hangOn ? ['-t', '2'] : [];
    const enc = spawn(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', ...hangAfterSeconds,
      '-c:v', 'mjpeg', '-q:v', '8', '-f', 'mpjpeg', 'pipe:1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    encoders.add(enc);
    res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace;boundary=ffmpeg' });
    enc.stdout!.on('data', (c) => res.write(c));
    // That connection stays open with nothing more on it: a camera that froze.
    enc.on('exit', () => encoders.delete(enc));
    req.on('close', () => enc.kill('SIGKILL'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const e of encoders) e.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

test('an MJPEG camera that freezes is marked offline, restarted by the watchdog, transcoded to H.264, and its password never logged', async (t) => {
  // The first connection is stream-copied until the codec shows, then dropped for a transcoding
  // one: that second connection is the one that freezes.
  const cam = await mjpegCamera(t, 2);
  const h = harness(t, { url: `http://admin:hunter22@127.0.0.1:${cam.port}/stream`, stallTimeoutSeconds: 4 });
  await h.ingest.start();
  // On a busy machine the first online may come after a first offline; what matters is the freeze.
  const statuses = () => h.transitions.map((x) => x.status).join(',');
  await until(() => /online,offline,online/.test(statuses()), 40_000, 'online, offline (frozen), online again');
  const frozen = h.transitions[statuses().split(',').indexOf('offline', statuses().split(',').indexOf('online'))];
  assert.match(frozen.reason, /^no video for \d s/);
  assert.ok(cam.connections() >= 3);
  await until(() => h.segments.length >= 1, 15_000, 'a segment');
  const snap = h.ingest.snapshot();
  assert.equal(snap.transcoding, true, 'found out from the stream that it is MJPEG');
  assert.ok(snap.reconnects >= 1);
  // Every segment is H.264: what the first, stream-copying run wrote before the codec showed was discarded.
  for (const s of h.segments) {
    const probe = spawnSync(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', join(h.dataDir, s.path)], { encoding: 'utf8' });
    // ffprobe lists an MPEG-TS stream under its program and again on its own.
    assert.deepEqual([...new Set(probe.stdout.split('\n').filter(Boolean))], ['h264']);
  }
  assert.ok(h.logs.some((l) => /sends mjpeg.*transcoding to H\.264/.test(l)));
  assert.ok(Buffer.concat(h.liveChunks).includes(Buffer.from('avc1')), 'live viewers get H.264 too');
  assert.ok(h.feeds() >= 3, 'the live sink is fed again at every ffmpeg start');
  assert.ok(h.logs.some((l) => /stalled/.test(l)), h.logs.join('\n'));
  assert.ok(h.logs.some((l) => l.includes(`http://***@127.0.0.1:${cam.port}/stream`)));
  assert.equal(h.logs.filter((l) => l.includes('hunter22')).length, 0);
  assert.equal(h.transitions.filter((x) => x.reason.includes('hunter22')).length, 0);
});

test('live on demand: nothing flows while nobody watches, a viewer gets a fresh fMP4 stream, and it stops after the linger', async (t) => {
  const viewers = { viewers: 0 };
  const chunks: Buffer[] = [];
  let streams = 0;
  const h = harness(t, {
    url: `file://${makeClip(t)}`,
    live: {
      stats: viewers,
      feed: (stream) => {
        streams++;
        stream.on('data', (c: Buffer) => chunks.push(c));
      },
    },
    liveOnDemand: { lingerSeconds: 1 },
  });
  await h.ingest.start();
  await until(() => h.segments.length >= 1, 20_000, 'a segment');
  assert.equal(chunks.length, 0, 'no live bytes without viewers');
  assert.equal(h.ingest.snapshot().status, 'online');
  assert.ok((h.ingest.snapshot().bitrateKbps ?? 0) > 0, 'bitrate from the recorded segments');

  viewers.viewers = 1;
  const asked = Date.now();
  await until(() => chunks.length > 0 && Buffer.concat(chunks).includes(Buffer.from('moof')), 10_000, 'live fragments');
  t.diagnostic(`first live fragment ${Date.now() - asked} ms after the first viewer`);
  assert.equal(Buffer.concat(chunks).subarray(4, 8).toString('latin1'), 'ftyp');
  assert.equal(streams, 1);

  viewers.viewers = 0;
  await sleep(3000);
  const settled = chunks.length;
  await sleep(1500);
  assert.equal(chunks.length, settled, 'live stopped after the linger');
  const before = h.segments.length;
  await until(() => h.segments.length > before, 10_000, 'recording going on');
});
