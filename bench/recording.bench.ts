// CPU cost of recording: N simulated 1080p H.264 ~4 Mbit/s cameras through our ingest, against the
// same N streams through bare ffmpeg segment recording, in the same run.
//
//   npm run bench -- recording [--cameras 40] [--seconds 20] [--warmup 8] [--segment 10]
//
// Each camera reads one pre-encoded 1080p clip (libx264, 4 Mbit/s, 2 s GOP; encoded once and cached,
// not counted) with `-re -stream_loop -1`, i.e. in real time, as a file camera.
//   ours: the whole ingest as a node runs it: IngestManager (leases, health rows) → one supervised
//         ffmpeg per camera (fragmented-MP4 segments, the recording and the live source, with
//         progress on stderr and the segment list on fd 3) → segment index in the database
//         (in-process PGlite) → live hubs with their segment tails attached (nobody watching, so
//         nothing is read: what an unwatched camera costs).
//   bare: `ffmpeg -re -stream_loop -1 -i clip -c copy -f segment -segment_time S …` per camera, the
//         plain MPEG-TS segment recording everyone starts with.
// CPU = utime+stime of every ffmpeg (/proc/<pid>/stat) plus, for ours, this node process
// (process.cpuUsage; it hosts the database too), over the measured window after a warm-up. Ours and
// bare run at the same time and are measured over the same window (fair under a changing load).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AuditRepository } from '../src/audit/audit.repository.ts';
import { AuditService } from '../src/audit/audit.service.ts';
import { ConfigSchema } from '../src/config/config.schema.ts';
import { createNetworkServices } from '../src/network/network.module.ts';
import { MemoryBus } from '../src/platform/bus/memory-bus.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { locateFfmpeg } from '../src/platform/media/ffmpeg.ts';
import { supervisedPids } from '../src/platform/media/process-supervisor.ts';
import { processCpuSeconds } from '../src/platform/media/proc-stat.ts';
import { seedCameras } from '../src/video/ingest/ingest.fixture.ts';
import { createIngestServices } from '../src/video/ingest/ingest.module.ts';
import { LiveHubRegistry } from '../src/video/live/live-hub.ts';
import { dataset } from './datasets.ts';

const { values: opts } = parseArgs({
  options: {
    cameras: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '8' },
    segment: { type: 'string', default: '10' },
  },
});
const cameras = Number(opts.cameras);
const seconds = Number(opts.seconds);
const warmup = Number(opts.warmup);
const segmentSeconds = Number(opts.segment);
if (!Number.isInteger(cameras) || cameras < 1 || !(seconds >= 5) || !(warmup >= 0) || !Number.isInteger(segmentSeconds) || segmentSeconds < 2) {
  console.error('bad arguments: --cameras N (≥ 1), --seconds S (≥ 5), --warmup S (≥ 0), --segment S (whole, ≥ 2)');
  process.exit(2);
}

const ffmpeg = await locateFfmpeg();
const FFPROBE = ffmpeg.ffprobe ?? 'ffprobe';

/** The 1080p ~4 Mbit/s clip every camera plays, made once per machine. */
function clip(): string {
  const path = join(tmpdir(), 'safecity-bench-1080p25-4M-gop50.mp4');
  if (existsSync(path)) return path;
  const scene = dataset('video/bridge-traffic.mp4');
  const input = existsSync(scene)
    ? ['-stream_loop', '-1', '-i', scene, '-vf', 'scale=1920:1080,fps=25']
    : ['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25'];
  console.error(`encoding the 1080p test clip once (${existsSync(scene) ? scene : 'testsrc2'}) …`);
  const made = spawnSync(ffmpeg.ffmpeg, [
    '-hide_banner', '-loglevel', 'error', ...input, '-t', '20', '-an',
    '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '8M',
    '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-y', `${path}.part.mp4`,
  ], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`could not encode the clip: ${made.stderr}`);
  renameSync(`${path}.part.mp4`, path);
  return path;
}

function cpuOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (processCpuSeconds(pid) ?? 0), 0);
}

const nodeCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Phase {
  ffmpegCpu: number;
  nodeCpu: number;
  wall: number;
  segments: number;
  restarts: number;
}

/** A running setup: its ffmpeg pids now, and how to end it (returning segments made and restarts). */
interface Setup {
  pids(): number[];
  finish(): Promise<{ segments: number; restarts: number }>;
}

async function startOurs(clipPath: string, dataDir: string): Promise<Setup> {
  const database = await openDatabase({});
  await migrate(database.db);
  const bus = new MemoryBus();
  const ids = Array.from({ length: cameras }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  await seedCameras(database.db, ids.map((id) => ({ id, streams: [{ role: 'record' as const, url: `file://${clipPath}` }] })));
  const network = createNetworkServices({ db: database.db, audit: new AuditService(new AuditRepository(database.db)), bus }).network;
  const config = ConfigSchema.parse({ dataDir, video: { segmentSeconds, maxCamerasPerWorker: cameras } });
  const hubs = new LiveHubRegistry();
  const logs: string[] = [];
  const { manager, recordings } = await createIngestServices({
    config, db: database.db, bus, cameras: network, liveHubs: hubs, ffmpeg, log: (m) => logs.push(m),
  });
  await manager.start();
  if (manager.cameraIds().length !== cameras) throw new Error(`only ${manager.cameraIds().length} of ${cameras} cameras ran: ${logs.slice(-5).join(' | ')}`);
  return {
    pids: () => supervisedPids().sort((a, b) => a - b),
    async finish() {
      const restarts = [...manager.snapshots().values()].reduce((n, snap) => n + snap.reconnects, 0);
      if (restarts || logs.some((l) => / stopped /.test(l))) console.error(`ingests restarted; log:\n  ${logs.slice(-8).join('\n  ')}`);
      await manager.stop();
      const segments = (await Promise.all(ids.map((id) => recordings.list(id, new Date(0), new Date(Date.now() + 3_600_000))))).flat().length;
      hubs.closeAll();
      await bus.close();
      await database.close();
      return { segments, restarts };
    },
  };
}

function startBare(clipPath: string, dataDir: string): Setup {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < cameras; i++) {
    const dir = join(dataDir, `bare-${i}`);
    dirs.push(dir);
    mkdirSync(dir, { recursive: true });
    children.push(spawn(ffmpeg.ffmpeg, [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clipPath,
      '-c', 'copy', '-f', 'segment', '-segment_time', String(segmentSeconds), '-segment_format', 'mpegts', join(dir, '%06d.ts'),
    ], { stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  return {
    pids: () => children.map((c) => c.pid!).sort((a, b) => a - b),
    async finish() {
      const restarts = children.filter((c) => c.exitCode !== null).length;
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once('exit', r), c.kill('SIGTERM'))))));
      return { segments: dirs.reduce((n, d) => n + readdirSync(d).length, 0), restarts };
    },
  };
}

/**
 * Ours and bare run side by side and are measured over the same window, so that the load other
 * work puts on the machine weighs on both alike. Whichever group starts second was measured to pay
 * up to 10 % more CPU for the same work, so the bench runs twice, once in each order.
 */
async function phase(clipPath: string, dataDir: string, bareFirst: boolean): Promise<{ ours: Phase; bare: Phase }> {
  const bare0 = bareFirst ? startBare(clipPath, join(dataDir, 'bare')) : undefined;
  const ours = await startOurs(clipPath, join(dataDir, 'ours'));
  const bare = bare0 ?? startBare(clipPath, join(dataDir, 'bare'));
  await sleep(warmup * 1000);
  const [oursPids, barePids] = [ours.pids(), bare.pids()];
  const t0 = performance.now();
  const [o0, b0, n0] = [cpuOf(oursPids), cpuOf(barePids), nodeCpu()];
  await sleep(seconds * 1000);
  const [o1, b1, n1] = [cpuOf(oursPids), cpuOf(barePids), nodeCpu()];
  const wall = (performance.now() - t0) / 1000;
  if (ours.pids().join() !== oursPids.join()) console.error('warning: an ingest ffmpeg restarted during the window: its CPU is not all counted');
  const [oursDone, bareDone] = await Promise.all([ours.finish(), bare.finish()]);
  rmSync(dataDir, { recursive: true, force: true });
  return {
    ours: { ffmpegCpu: o1 - o0, nodeCpu: n1 - n0, wall, ...oursDone },
    bare: { ffmpegCpu: b1 - b0, nodeCpu: 0, wall, ...bareDone },
  };
}

const clipPath = clip();
const probe = spawnSync(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate,bit_rate', '-of', 'csv=p=0', clipPath], { encoding: 'utf8' }).stdout.trim();
const dataDir = mkdtempSync(join(tmpdir(), 'safecity-bench-rec-'));
const rounds: Array<{ ours: Phase; bare: Phase }> = [];
try {
  for (const bareFirst of [true, false]) {
    console.error(`${cameras} cameras and as many bare ffmpeg beside them (${bareFirst ? 'bare' : 'ours'} started first), ${warmup} s warm-up + ${seconds} s measured …`);
    rounds.push(await phase(clipPath, join(dataDir, bareFirst ? 'a' : 'b'), bareFirst));
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
const sum = (a: Phase, b: Phase): Phase => ({
  ffmpegCpu: a.ffmpegCpu + b.ffmpegCpu, nodeCpu: a.nodeCpu + b.nodeCpu, wall: a.wall + b.wall, segments: a.segments + b.segments, restarts: a.restarts + b.restarts,
});

const pct = (cpu: number, wall: number) => (cpu / wall) * 100;
const row = (name: string, p: Phase) => {
  const total = pct(p.ffmpegCpu + p.nodeCpu, p.wall);
  return { name, ffmpeg: pct(p.ffmpegCpu, p.wall), node: pct(p.nodeCpu, p.wall), total, perCamera: total / cameras, perCore: 100 / (total / cameras), segments: p.segments, restarts: p.restarts };
};
const ours = row('ours, both rounds (ingest, recording, live ready)', sum(rounds[0].ours, rounds[1].ours));
const bare = row('bare ffmpeg -c copy, both rounds', sum(rounds[0].bare, rounds[1].bare));
const detail = [
  row('  ours, round 1 (bare started first)', rounds[0].ours), row('  bare, round 1', rounds[0].bare),
  row('  ours, round 2 (ours started first)', rounds[1].ours), row('  bare, round 2', rounds[1].bare),
];
const f = (n: number, d = 2) => n.toFixed(d);
console.log(`\nRecording ${cameras} cameras (clip: ${probe}; ${cpus()[0]?.model ?? '?'} × ${cpus().length}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
console.log('| setup | ffmpeg CPU % | node CPU % | total CPU % | per camera % | cameras per core | segments | restarts |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of [ours, bare, ...detail]) console.log(`| ${r.name} | ${f(r.ffmpeg, 1)} | ${f(r.node, 1)} | ${f(r.total, 1)} | ${f(r.perCamera, 3)} | ${f(r.perCore, 0)} | ${r.segments} | ${r.restarts} |`);
console.log(JSON.stringify({
  cameras,
  cpuPerCameraPct: Number(f(ours.perCamera, 3)),
  camerasPerCore: Math.round(ours.perCore),
  ratioToFfmpeg: Number(f(ours.total / bare.total, 2)),
  ffmpegRatioToFfmpeg: Number(f(ours.ffmpeg / bare.total, 2)),
  nodeCpuPerCameraPct: Number(f(ours.node / cameras, 3)),
  bareCpuPerCameraPct: Number(f(bare.perCamera, 3)),
}));
