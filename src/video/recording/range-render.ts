import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { probe, runFfmpeg, type MediaTools } from './ffmpeg.ts';
import { MPEG_TS_TIMESCALE, containerOf, mapLimit, readFmp4Layout } from './segment-format.ts';
import { TOUCH_MS } from './timeline.ts';

// Turns the recorded segments of a period into one MP4 of exactly that period, without re-encoding
// video. Measured on ffmpeg 5.1 (see the test beside this file):
//  - the concat demuxer places each file right after the previous one: it subtracts the file's own
//    start time and adds the durations of the files before it. So fragmented MP4 segments, whose
//    timestamps restart at 0 (or at the first frame's composition offset with B-frames), line up the
//    same as MPEG-TS ones, whose timestamps continue;
//  - the concat demuxer's `inpoint` lands on whatever packet precedes the time, usually not a keyframe,
//    so a copy loses everything up to the next keyframe (0.5 s of a 1 s GOP, typically);
//  - instead every packet of the first segment is kept and shifted with `-itsoffset` so the requested
//    start is t=0: the keyframe and the frames before the start get negative timestamps, and the MP4
//    muxer hides them behind an edit list. A player decodes from the keyframe and shows from the exact
//    frame; the file is at most one segment larger. `-t` cuts the end (with B-frames, up to the
//    reorder depth, 2 frames, past it);
//  - a gap between segments is kept as time: the segment before it gets a concat `duration` reaching to
//    the next start, so its last frame holds through the gap and t in the file is always `from + t`
//    on the wall clock. A start before the first segment becomes an empty edit (black) the same way;
//  - the concat demuxer reads every file's timestamps in the first file's time base, so files whose
//    time bases differ (legacy MPEG-TS at 90 kHz next to MP4 at a frame-rate multiple, or MP4 before
//    and after a camera's frame rate changed) come out garbled. Such a range has its MP4 segments
//    remuxed to MPEG-TS (stream copy, temporary files) first, so all are at 90 kHz.

export interface StoredSegment {
  id: number;
  start_at: Date;
  end_at: Date;
  bytes: number;
  /** Its blob key (relative to the data folder on local disk). */
  path: string;
  /** fMP4 init segment size and SHA-256 when the index has them (HLS playlists from the index alone). */
  init_bytes?: number | null;
  init_digest?: string | null;
}

export interface ConcatEntry {
  /** Absolute path. */
  file: string;
  /** Seconds the file is given in the output when a gap follows it (to the next file's start). */
  duration?: number;
}

export interface RangePlan {
  /** The ffconcat script, absolute paths. */
  script: string;
  entries: ConcatEntry[];
  /** Seconds to add to the first segment's timestamps so `from` becomes 0 (negative: start lies inside it). */
  offsetSeconds: number;
  durationSeconds: number;
  firstFile: string;
}

function quote(file: string): string {
  return `'${file.replace(/'/g, `'\\''`)}'`;
}

function concatScript(entries: readonly ConcatEntry[]): string {
  const lines = ['ffconcat version 1.0'];
  for (const e of entries) {
    lines.push(`file ${quote(e.file)}`);
    if (e.duration !== undefined) lines.push(`duration ${e.duration.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The concat script and timing for [from, to) over `segments`: those overlapping it that have a local
 * file in `files` (by key, from segmentFiles); one without a file is a gap, as a missing blob is.
 */
export function planRange(files: ReadonlyMap<string, string>, segments: readonly StoredSegment[], from: Date, to: Date): RangePlan | null {
  const used = segments
    .filter((s) => s.end_at > from && s.start_at < to && files.has(s.path))
    .sort((a, b) => a.start_at.getTime() - b.start_at.getTime());
  if (!used.length) return null;
  const entries = used.map((s, i): ConcatEntry => {
    const next = used[i + 1];
    const gap = next && next.start_at.getTime() - s.end_at.getTime() > TOUCH_MS;
    return { file: files.get(s.path)!, ...(gap && { duration: (next.start_at.getTime() - s.start_at.getTime()) / 1000 }) };
  });
  return {
    script: concatScript(entries),
    entries,
    offsetSeconds: (used[0].start_at.getTime() - from.getTime()) / 1000,
    durationSeconds: (to.getTime() - from.getTime()) / 1000,
    firstFile: entries[0].file,
  };
}

/** The time base(s) a file's timestamps are in, as the concat demuxer would read them. */
async function timeBaseOf(file: string): Promise<string> {
  if (containerOf(file) === 'ts') return String(MPEG_TS_TIMESCALE);
  const layout = await readFmp4Layout(file).catch(() => null);
  return layout ? layout.tracks.map((t) => t.timescale).join(',') : 'unknown';
}

/**
 * The concat script to render: the plan's own when all its files share one time base, else one over
 * copies of its MP4 files remuxed to MPEG-TS, named `${tmp}.<n>.ts` and listed in `copies` for the
 * caller to remove (see the notes at the top).
 */
async function concatScriptFor(tools: MediaTools, plan: RangePlan, tmp: string, copies: string[], signal?: AbortSignal): Promise<string> {
  const timeBases = new Set(await mapLimit(plan.entries, 16, (e) => timeBaseOf(e.file)));
  if (timeBases.size <= 1) return plan.script;
  const entries = await mapLimit(plan.entries, 2, async (e, i) => {
    if (containerOf(e.file) === 'ts') return e;
    const copy = `${tmp}.${i}.ts`;
    copies.push(copy);
    await runFfmpeg(tools, ['-i', e.file, '-map', '0', '-c', 'copy', '-f', 'mpegts', '-y', copy], { signal });
    return { ...e, file: copy };
  });
  return concatScript(entries);
}

const MP4_AUDIO = new Set(['aac', 'mp3']);

async function outputArgs(tools: MediaTools, firstFile: string): Promise<string[]> {
  // Without ffprobe (the npm build of ffmpeg) the streams are unknown: map audio if there is any and
  // transcode it, which is right for every camera codec.
  if (!tools.ffprobe) return ['-map', '0:v:0', '-c:v', 'copy', '-map', '0:a:0?', '-c:a', 'aac', '-b:a', '64k'];
  const { streams } = await probe(tools, firstFile);
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video) throw new Error(`${firstFile} has no video stream`);
  const args = ['-map', '0:v:0', '-c:v', 'copy'];
  // Safari plays HEVC in MP4 only when the sample entry is hvc1.
  if (video.codec_name === 'hevc') args.push('-tag:v', 'hvc1');
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (audio) {
    // MP2, AC-3, G.711 … don't play in a browser; audio is small, so transcode it.
    args.push('-map', '0:a:0', ...(MP4_AUDIO.has(audio.codec_name) ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k']));
  }
  return args;
}

export interface RenderOptions {
  /** Fraction done, 0..1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Writes the MP4 of `plan` to `out` atomically (a partial file never has the final name). */
export async function renderRange(tools: MediaTools, plan: RangePlan, out: string, options: RenderOptions = {}): Promise<void> {
  const tmp = `${out}.${randomBytes(6).toString('hex')}`;
  const script = `${tmp}.ffconcat`;
  const part = `${tmp}.part`;
  const copies: string[] = [];
  try {
    await writeFile(script, await concatScriptFor(tools, plan, tmp, copies, options.signal));
    const args = [
      '-itsoffset', plan.offsetSeconds.toFixed(3),
      '-f', 'concat', '-safe', '0', '-i', script,
      ...(await outputArgs(tools, plan.firstFile)),
      '-t', plan.durationSeconds.toFixed(3),
      '-movflags', '+faststart',
      '-f', 'mp4', '-y', part,
    ];
    const { onProgress } = options;
    await runFfmpeg(tools, args, {
      signal: options.signal,
      onProgress: onProgress && ((s) => onProgress(Math.min(1, Math.max(0, s / plan.durationSeconds)))),
    });
    await rename(part, out);
  } finally {
    await rm(script, { force: true });
    await rm(part, { force: true });
    await Promise.all(copies.map((c) => rm(c, { force: true })));
  }
}
