// The ffmpeg side of a simulated camera: raw I420 frames in on stdin, H.264 out as a live MPEG-TS on
// stdout (or into a file), encoded the way a cheap IP camera would: ultrafast, zero latency, no
// B-frames, a keyframe every second, constant-ish bitrate.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** The ffmpeg binary: SAFECITY_FFMPEG, else the system one. */
export function ffmpegPath(): string {
  return process.env.SAFECITY_FFMPEG ?? '/usr/bin/ffmpeg';
}

export interface EncoderOptions {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** Written into the stream's service name, so a player shows it too. */
  title: string;
  /** 'pipe:1' for a live MPEG-TS on stdout, else a file whose extension picks the container. */
  output: string;
  /** The ffmpeg to run (the platform passes the one it located); default ffmpegPath(). */
  ffmpeg?: string;
}

/** 2.5 Mbps up to 720p, 4 Mbps above: what a city's IP cameras are usually set to. */
export function defaultBitrateKbps(width: number, height: number): number {
  return width * height <= 1280 * 720 ? 2500 : 4000;
}

export function encoderArgs(o: EncoderOptions): string[] {
  const live = o.output === 'pipe:1';
  const mp4 = /\.(mp4|m4v|mov)$/i.test(o.output);
  return [
    '-hide_banner', '-loglevel', 'error', '-nostats',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-video_size', `${o.width}x${o.height}`, '-framerate', String(o.fps), '-i', 'pipe:0',
    '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-threads', '1',
    '-g', String(o.fps), '-keyint_min', String(o.fps), '-sc_threshold', '0',
    '-b:v', `${o.bitrateKbps}k`, '-maxrate', `${o.bitrateKbps}k`, '-bufsize', `${o.bitrateKbps}k`,
    '-metadata', `service_name=SIMULATED ${o.title}`, '-metadata', 'service_provider=safecity simulator', '-metadata', `title=SIMULATED ${o.title}`,
    ...(live ? ['-f', 'mpegts', '-flush_packets', '1', '-muxdelay', '0', '-muxpreload', '0'] : mp4 ? ['-movflags', '+faststart'] : []),
    ...(live ? [] : ['-y']),
    o.output,
  ];
}

export type EncoderProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/** Starts ffmpeg; a failure to start (no binary) is reported on stderr's text, not thrown later. */
export function spawnEncoder(o: EncoderOptions): EncoderProcess {
  const bin = o.ffmpeg ?? ffmpegPath();
  if (isAbsolute(bin) && !existsSync(bin)) throw new Error(`ffmpeg is not at ${bin}; install it or point SAFECITY_FFMPEG at it`);
  const p = spawn(bin, encoderArgs(o), { stdio: ['pipe', 'pipe', 'pipe'] });
  p.on('error', (err) => p.stderr.emit('data', Buffer.from(`cannot run ${bin}: ${err.message}\n`)));
  p.stdin.on('error', () => {
    // ffmpeg went away mid-write; its exit is what callers act on.
  });
  return p;
}

/** Resolves with ffmpeg's exit code once the process has gone (null if it never started or was killed). */
export function exited(p: EncoderProcess): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => {
    p.once('close', (code) => resolve(code));
    p.once('error', () => resolve(null));
  });
}

/** Ends ffmpeg's input and waits for it; kills it if it has not finished within `graceMs`. */
export async function stopEncoder(p: EncoderProcess, graceMs = 3000): Promise<number | null> {
  p.stdin.end();
  const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
  try {
    return await exited(p);
  } finally {
    clearTimeout(timer);
  }
}
