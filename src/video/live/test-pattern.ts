// A synthetic camera: ffmpeg's test pattern encoded as H.264 and written as live fMP4, the same
// container the ingest's live branch writes. For the demo city, the live tests and the latency
// benchmark, where no camera is at hand.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { clockStampFilter } from './clock-stamp.ts';
import { LIVE_FMP4_OUTPUT_ARGS } from './fmp4.ts';

export interface TestPatternOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Frames from one keyframe to the next. Default: one second. */
  gop?: number;
  /** Stop after this many seconds. Default: run until killed. */
  seconds?: number;
  /** Emit frames at their real rate, as a camera does (default true); false encodes as fast as it can. */
  realtime?: boolean;
  /** Burn the wall clock into every frame (see clock-stamp.ts). */
  clockStamp?: boolean;
  /** Muxer options for stdout. Default: the live branch's fragmented MP4. */
  output?: readonly string[];
  /** Where the output goes. Default `pipe:1`. */
  to?: string;
}

export function testPatternArgs(options: TestPatternOptions = {}): string[] {
  const { width = 640, height = 360, fps = 25, seconds, realtime = true, clockStamp = false } = options;
  const gop = options.gop ?? fps;
  const filters = ['format=yuv420p', ...(clockStamp ? [clockStampFilter()] : [])];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...(realtime ? ['-re'] : []),
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(seconds !== undefined ? ['-t', String(seconds)] : []),
    '-vf', filters.join(','),
    // What a camera sends: no B-frames, a fixed GOP.
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'main',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    ...(options.output ?? LIVE_FMP4_OUTPUT_ARGS),
    options.to ?? 'pipe:1',
  ];
}

export type TestPatternProcess = ChildProcessByStdio<null, Readable, Readable>;

/** Starts the pattern; its stdout is the stream to feed a LiveHub. Kill it when done. */
export function spawnTestPattern(ffmpegPath: string, options: TestPatternOptions = {}): TestPatternProcess {
  return spawn(ffmpegPath, testPatternArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A finished clip (needs `seconds`), encoded as fast as possible: for fixtures. */
export function encodeTestPattern(ffmpegPath: string, options: TestPatternOptions & { seconds: number }): Buffer {
  const run = spawnSync(ffmpegPath, testPatternArgs({ realtime: false, ...options }), { maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw new Error(`cannot run ${ffmpegPath}: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`ffmpeg failed (exit ${run.status}): ${run.stderr.toString().trim().slice(-500)}`);
  return run.stdout;
}
