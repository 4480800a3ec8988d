// Glass-to-glass latency of live video in Chromium (MSE), from the wall clock burnt into each frame
// when ffmpeg generates it to the moment Chromium presents that frame.
//
//   npm run bench -- live-latency [--seconds 20] [--size 1280x720] [--fps 25] [--frag-ms 200] [--direct]
//
// Path measured: test pattern + clock stamp → libx264 (zerolatency, 1 s GOP) → MPEG-TS pipe →
// ffmpeg `-c copy` to fragmented MP4 (the ingest's live branch; `--direct` muxes in the encoder
// instead) → LiveHub → WebSocket (the real route, auth and audit) → MsePlayer → <video>. The page
// reads the stamp of each presented frame (requestVideoFrameCallback + canvas) and compares it with
// the frame's expected display time. A real camera adds its own encode and RTSP delay on top.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { AuditRepository } from '../src/audit/audit.repository.ts';
import { AuditService } from '../src/audit/audit.service.ts';
import { parseConfig } from '../src/config/config.ts';
import { ROLE_PERMISSIONS } from '../src/identity/permissions.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { buildHttpApp } from '../src/platform/http/app.ts';
import { LIVE_FMP4_OUTPUT_ARGS } from '../src/video/live/fmp4.ts';
import { LiveHubRegistry } from '../src/video/live/live-hub.ts';
import { registerLiveRoutes } from '../src/video/live/live.routes.ts';
import { LiveService } from '../src/video/live/live.service.ts';
import { testPatternArgs } from '../src/video/live/test-pattern.ts';

const CHROMIUM = '/usr/bin/chromium';
const FFMPEG = '/usr/bin/ffmpeg';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Samples from the first seconds are left out: the player starts on a cached GOP and catches up. */
const WARMUP_MS = 3000;

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    size: { type: 'string', default: '1280x720' },
    fps: { type: 'string', default: '25' },
    'frag-ms': { type: 'string', default: '200' },
    direct: { type: 'boolean', default: false },
    'target-ms': { type: 'string' },
  },
});
const seconds = Number(opts.seconds);
const [width, height] = opts.size!.split('x').map(Number);
const fps = Number(opts.fps);
const fragMs = Number(opts['frag-ms']);
if (!(seconds > 0) || !(width >= 512) || !(height >= 32) || !(fps > 0) || !(fragMs >= 0)) {
  console.error('bad arguments: --seconds > 0, --size WxH with W >= 512, --fps > 0, --frag-ms >= 0 (0: a fragment per GOP)');
  process.exit(2);
}
for (const need of [CHROMIUM, FFMPEG]) {
  if (!existsSync(need)) {
    console.error(`${need} not found: this benchmark needs Chromium and ffmpeg`);
    process.exit(2);
  }
}

const liveArgs = fragMs
  ? LIVE_FMP4_OUTPUT_ARGS.map((a, i, all) => (all[i - 1] === '-frag_duration' ? String(fragMs * 1000) : a))
  : LIVE_FMP4_OUTPUT_ARGS.filter((a, i, all) => a !== '-frag_duration' && all[i - 1] !== '-frag_duration');

/** The camera and ingest: returns the process whose stdout is the live fMP4. */
function startSource(children: ChildProcess[]): ChildProcess {
  const encoderOutput = opts.direct ? liveArgs : ['-f', 'mpegts', '-flush_packets', '1'];
  const encoder = spawn(FFMPEG, testPatternArgs({ width, height, fps, clockStamp: true, output: encoderOutput }), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(encoder);
  if (opts.direct) return encoder;
  const remux = spawn(FFMPEG, [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-fflags', 'nobuffer', '-f', 'mpegts', '-i', 'pipe:0',
    '-map', '0:v:0', '-c:v', 'copy', ...liveArgs, 'pipe:1',
  ], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(remux);
  encoder.stdout!.pipe(remux.stdin!);
  return remux;
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
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    registry.obtain('bench').feed(startSource(children).stdout!);
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
      ['path', opts.direct ? 'encoder → fMP4 (direct)' : 'encoder → MPEG-TS → ffmpeg -c copy → fMP4'],
      ['video', `${width}x${height} @ ${fps} fps, H.264, 1 s GOP`],
      ['fragments', fragMs ? `at keyframes and every ${fragMs} ms` : 'one per GOP (frag_keyframe only)'],
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
    for (const child of children) child.kill('SIGKILL');
    registry.closeAll();
    await app.close();
    await database.close();
  }
}

await main();
