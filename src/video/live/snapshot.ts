import { spawn } from 'node:child_process';
import type { LiveHub } from './live-hub.ts';
import type { MediaFragment } from './fmp4.ts';

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

export interface SnapshotOptions {
  ffmpegPath: string;
  /** ffmpeg is killed past this. Default 5 s. */
  timeoutMs?: number;
}

// One decode per keyframe however many viewers ask: a wall of tiles polling snapshots costs one
// ffmpeg per GOP, not one per request. Keyed by the fragment, so a new keyframe is a new entry.
const decoded = new WeakMap<MediaFragment, Promise<Buffer>>();

/**
 * The picture at the hub's latest keyframe, as JPEG: init + that fragment decoded by ffmpeg.
 * Undefined when the hub has no keyframe yet (stream not running, or still starting).
 */
export function snapshotJpeg(hub: LiveHub, options: SnapshotOptions): Promise<Buffer> | undefined {
  const latest = hub.latestKeyframe;
  if (!latest) return undefined;
  let pending = decoded.get(latest.fragment);
  if (!pending) {
    pending = decodeFirstFrame(Buffer.concat([latest.init.data, latest.fragment.data]), options);
    decoded.set(latest.fragment, pending);
    pending.catch(() => decoded.delete(latest.fragment));
  }
  return pending;
}

/** First video frame of an MP4 byte string, as JPEG. */
export function decodeFirstFrame(mp4: Buffer, { ffmpegPath, timeoutMs = 5000 }: SnapshotOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-f', 'mp4', '-i', 'pipe:0',
      '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-2000);
    });
    // ffmpeg may stop reading once it has its frame: a closed stdin is expected, not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(mp4);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new SnapshotError(`cannot run ${ffmpegPath}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(out);
      if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) return resolve(jpeg);
      const why = signal ? `killed by ${signal} after ${timeoutMs} ms` : `exit ${code}`;
      reject(new SnapshotError(`snapshot decode failed (${why}): ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no picture'}`));
    });
  });
}
