import { spawn } from 'node:child_process';
import type { FfmpegBinaries } from '../../platform/media/ffmpeg.ts';

// Runs ffmpeg/ffprobe as child processes for playback and export: one process per job, killed on
// abort, its stderr tail kept for the error message, `-progress pipe:1` parsed into seconds done.

/** What `locateFfmpeg` found; ffprobe is absent with the npm build of ffmpeg. */
export type MediaTools = Pick<FfmpegBinaries, 'ffmpeg' | 'ffprobe'>;

export class MediaToolError extends Error {
  override name = 'MediaToolError';
}

const STDERR_TAIL = 4000;

export interface RunOptions {
  /** Called with the output time reached, in seconds, as ffmpeg reports it (`-progress pipe:1`). */
  onProgress?: (seconds: number) => void;
  signal?: AbortSignal;
}

/** Runs ffmpeg to completion; rejects with the end of its stderr when it fails or is aborted. */
export function runFfmpeg(tools: MediaTools, args: readonly string[], options: RunOptions = {}): Promise<void> {
  const { onProgress, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new MediaToolError('aborted'));
    const progressArgs = onProgress ? ['-progress', 'pipe:1', '-nostats'] : [];
    const child = spawn(tools.ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...progressArgs, ...args], {
      stdio: ['ignore', onProgress ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    if (onProgress) {
      let pending = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          // `out_time_us` is microseconds (`out_time_ms` is too, despite its name); N/A before the first packet.
          const m = /^out_time_us=(-?\d+)/.exec(line);
          if (m) onProgress(Number(m[1]) / 1e6);
        }
      });
    }
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', abort);
      reject(new MediaToolError(`cannot run ${tools.ffmpeg}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', abort);
      if (code === 0) return resolve();
      const why = signal?.aborted ? 'aborted' : sig ? `killed by ${sig}` : `exit ${code}`;
      reject(new MediaToolError(`ffmpeg failed (${why}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
}

export interface Probe {
  durationSeconds: number;
  startSeconds: number;
  streams: ProbedStream[];
}

/** Container duration, start time and streams of one media file. */
export function probe(tools: MediaTools, file: string): Promise<Probe> {
  const ffprobe = tools.ffprobe;
  if (!ffprobe) return Promise.reject(new MediaToolError('ffprobe is not installed'));
  return new Promise((resolve, reject) => {
    const child = spawn(ffprobe, ['-v', 'error', '-show_entries', 'format=duration,start_time:stream=codec_type,codec_name', '-of', 'json', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-STDERR_TAIL)));
    child.on('error', (e) => reject(new MediaToolError(`cannot run ${ffprobe}: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new MediaToolError(`ffprobe ${file} failed (exit ${code}): ${err.trim()}`));
      try {
        const json = JSON.parse(out) as { format?: { duration?: string; start_time?: string }; streams?: ProbedStream[] };
        resolve({
          durationSeconds: Number(json.format?.duration ?? NaN),
          startSeconds: Number(json.format?.start_time ?? 0),
          streams: json.streams ?? [],
        });
      } catch (e) {
        reject(new MediaToolError(`ffprobe ${file}: unreadable output (${(e as Error).message})`));
      }
    });
  });
}
