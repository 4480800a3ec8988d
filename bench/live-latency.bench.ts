// Glass-to-glass latency of live video in Chromium (MSE), from the wall clock burnt into each frame
// when ffmpeg generates it to the moment Chromium presents that frame.
//
//   npm run bench -- live-latency [--seconds 20] [--size 1280x720] [--fps 25] [--target-ms 300]
//
// Path measured: test pattern + clock stamp → libx264 (zerolatency, 1 s GOP) → MPEG-TS served over
// HTTP by that ffmpeg (the "camera") → the real CameraIngest: its ffmpeg `-c copy` writes the
// recording's fragmented-MP4 segments, a SegmentTail follows the one being written → LiveHub →
// WebSocket (the real route, auth and audit) → MsePlayer → <video>. The page reads the stamp of each
// presented frame (requestVideoFrameCallback + canvas) and compares it with the frame's expected
// display time. A real camera adds its own encode and RTSP delay on top.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { AuditRepository } from '../src/audit/audit.repository.ts';
import { AuditService } from '../src/audit/audit.service.ts';
import { parseConfig } from '../src/config/config.ts';
import { ROLE_PERMISSIONS } from '../src/identity/permissions.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { buildHttpApp } from '../src/platform/http/app.ts';
import { CameraIngest } from '../src/video/ingest/camera-ingest.ts';
import { LiveHubRegistry } from '../src/video/live/live-hub.ts';
import { registerLiveRoutes } from '../src/video/live/live.routes.ts';
import { LiveService } from '../src/video/live/live.service.ts';
import { testPatternArgs } from '../src/video/live/test-pattern.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/browser.ts';
import { freePort } from '../test/support/net.ts';

const FFMPEG = '/usr/bin/ffmpeg';
/** Samples from the first seconds are left out: the player starts on a cached GOP and catches up. */
const WARMUP_MS = 3000;

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    size: { type: 'string', default: '1280x720' },
    fps: { type: 'string', default: '25' },
    'target-ms': { type: 'string' },
  },
});
const seconds = Number(opts.seconds);
const [width, height] = opts.size!.split('x').map(Number);
const fps = Number(opts.fps);
if (!(seconds > 0) || !(width >= 512) || !(height >= 32) || !(fps > 0)) {
  console.error('bad arguments: --seconds > 0, --size WxH with W >= 512, --fps > 0');
  process.exit(2);
}
for (const need of [CHROMIUM, FFMPEG]) {
  if (!existsSync(need)) {
    console.error(`${need} not found: this benchmark needs Chromium and ffmpeg`);
    process.exit(2);
  }
}

/** The camera: the stamped test pattern, encoded and served as MPEG-TS over HTTP; returns its URL. */
async function startCamera(children: ChildProcess[]): Promise<string> {
  const url = `http://127.0.0.1:${await freePort()}/camera.ts`;
  const encoder = spawn(FFMPEG, testPatternArgs({
    width, height, fps, clockStamp: true, output: ['-f', 'mpegts', '-flush_packets', '1', '-listen', '1'], to: url,
  }), { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(encoder);
  return url;
}

const PAGE_SCRIPT = `
import { MsePlayer } from './mse-player.ts';
import { CLOCK_STAMP_WIDTH as W, CLOCK_STAMP_HEIGHT as H, readClockStamp, clockStampAgeMs } from '../../../src/video/live/clock-stamp.ts';
const video = document.querySelector('video');
const canvas = new OffscreenCanvas(W, H);
const ctx = canvas.getContext('2d', { willReadFrequently: true });
window.samples = [];
window.unread = 0;
const target = new URLSearchParams(location.search).get('target');
window.player = new MsePlayer({ url: 'ws://' + location.host + '/api/cameras/bench/live?token=bench', video, ...(target ? { targetLatencySec: Number(target) / 1000 } : {}) });
window.player.start();
const onFrame = (_now, meta) => {
  ctx.drawImage(video, 0, 0, W, H, 0, 0, W, H);
  const stamp = readClockStamp(ctx.getImageData(0, 0, W, H).data, W);
  const shownAt = performance.timeOrigin + meta.expectedDisplayTime;
  if (stamp === undefined) window.unread++;
  else window.samples.push([shownAt, clockStampAgeMs(stamp, shownAt), window.player.stats.bufferSec]);
  video.requestVideoFrameCallback(onFrame);
};
video.requestVideoFrameCallback(onFrame);
`;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function main(): Promise<void> {
  const { chromium } = await import('playwright-core');
  const database = await openDatabase({});
  await migrate(database.db);
  const audit = new AuditService(new AuditRepository(database.db));
  const app = await buildHttpApp({
    config: parseConfig('logLevel: warn\n', {}),
    audit,
    authenticate: async (token) => (token === 'bench'
      ? { userId: 'bench', username: 'bench', role: 'operator', scopePath: '', permissions: new Set(ROLE_PERMISSIONS.operator) }
      : null),
  });
  const registry = new LiveHubRegistry();
  registerLiveRoutes(app, new LiveService({ registry, audit, ffmpegPath: FFMPEG, cameras: { scopePathOf: async () => 'kp' } }));
  const bundle = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: 'web/src/video', loader: 'ts' },
    bundle: true, write: false, format: 'esm', target: 'chrome120', logLevel: 'silent',
  });
  const html = `<!doctype html><meta charset="utf-8"><video width="${width}" height="${height}"></video><script type="module">${bundle.outputFiles[0].text}</script>`;
  app.get('/bench', async (_req, reply) => reply.type('text/html').send(html));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  const children: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'safecity-bench-live-'));
  const ingest = new CameraIngest({
    cameraId: 'bench', url: await startCamera(children), record: true, dataDir, segmentSeconds: 10, stallTimeoutSeconds: 8,
    ffmpegPath: FFMPEG, index: { insert: async () => undefined }, live: registry.obtain('bench'),
    log: (m) => (/error|exited|stalled/.test(m) ? console.error(m) : undefined),
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    await ingest.start();
    // An operator opens a camera that is already streaming: let the camera and its ingest settle.
    await new Promise((r) => setTimeout(r, 4000));
    const page = await browser.newPage({ viewport: { width, height } });
    const started = Date.now();
    await page.goto(`${base}/bench${opts['target-ms'] ? `?target=${Number(opts['target-ms'])}` : ''}`);
    await new Promise((r) => setTimeout(r, WARMUP_MS + seconds * 1000));
    const { samples, unread, stats } = await page.evaluate(() => {
      const w = window as unknown as { samples: Array<[number, number, number]>; unread: number; player: { stats: unknown } };
      return { samples: w.samples, unread: w.unread, stats: w.player.stats as Record<string, number> };
    });
    const kept = samples.filter(([at]) => at >= started + WARMUP_MS);
    const ages = kept.map(([, age]) => age).sort((a, b) => a - b);
    const buffers = kept.map(([, , buf]) => buf * 1000).sort((a, b) => a - b);
    const hub = registry.get('bench')!.stats;
    const figures = {
      p50Ms: Math.round(percentile(ages, 50)),
      p95Ms: Math.round(percentile(ages, 95)),
      p99Ms: Math.round(percentile(ages, 99)),
      samples: ages.length,
    };
    const rows: Array<[string, string]> = [
      ['path', 'camera (MPEG-TS over HTTP) → ingest ffmpeg -c copy → fMP4 segment → tail → hub → WebSocket → MSE'],
      ['video', `${width}x${height} @ ${fps} fps, H.264, 1 s GOP; fragments at keyframes and every 200 ms`],
      ['frames measured', `${ages.length} over ${seconds} s (${unread} unreadable, first ${WARMUP_MS / 1000} s left out)`],
      ['latency p50 / p95 / p99', `${figures.p50Ms} / ${figures.p95Ms} / ${figures.p99Ms} ms`],
      ['latency min / max', `${Math.round(ages[0])} / ${Math.round(ages.at(-1)!)} ms`],
      ['of which MSE buffer p50', `${Math.round(percentile(buffers, 50))} ms`],
      ['player jumps / reconnects', `${stats.jumps} / ${stats.reconnects}`],
      ['hub fragments / skipped', `${hub.fragments} / ${hub.skipped}`],
      ['machine', `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0].toFixed(1)}`],
    ];
    const pad = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(pad)}  ${v}`);
    console.log(JSON.stringify(figures));
  } finally {
    await browser.close();
    await ingest.stop();
    for (const child of children) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    registry.closeAll();
    await app.close();
    await database.close();
  }
}

await main();
