import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactCredentials } from '../../platform/media/redact.ts';
import { SEGMENT_MP4_OPTIONS } from '../live/fmp4.ts';

// What one camera ingest asks of ffmpeg. A camera is opened once; its video is stream-copied into one
// output: fragmented-MP4 segments (listed on fd 3 as each one closes), which are the recording and,
// read while being written, the live stream (see segment-tail.ts). Only a codec that cannot be
// copied (MJPEG, MPEG-4 part 2 …) is transcoded to H.264, once. Audio is not recorded yet.
//
// A URL may carry hints in its fragment (never sent to the camera): `#udp` / `#transport=udp` for
// RTSP over UDP (TCP is the default), `#mjpeg` for an MJPEG stream whose URL doesn't say so.

export type SourceKind = 'rtsp' | 'http' | 'hls' | 'mjpeg' | 'file';

export interface IngestSource {
  kind: SourceKind;
  /** What ffmpeg opens: the URL without the hint fragment, or an absolute file path. */
  input: string;
  /** RTSP only. */
  transport?: 'tcp' | 'udp';
  /** The URL with its credentials removed, for logs. */
  display: string;
}

export class SourceError extends Error {
  override name = 'SourceError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const HINTS = new Set(['udp', 'tcp', 'mjpeg', 'hls']);
/** Codecs that go into MPEG-TS and fragmented MP4 as they are (browsers play both in MSE). */
export const COPYABLE_CODECS = new Set(['h264', 'hevc']);

function parseHints(fragment: string, field: string): Set<string> {
  const hints = new Set<string>();
  for (const part of fragment.replace(/^#/, '').split('&').filter(Boolean)) {
    const [key, value] = part.split('=', 2);
    const hint = key === 'transport' && value ? value.toLowerCase() : key.toLowerCase();
    if (!HINTS.has(hint)) throw new SourceError(field, `unknown hint "#${part}" (known: #udp, #tcp, #mjpeg, #hls)`);
    hints.add(hint);
  }
  return hints;
}

/** Classifies a camera stream URL (or a file path, for simulated cameras). */
export function parseSource(url: string, field = 'url'): IngestSource {
  const trimmed = url.trim();
  if (!trimmed) throw new SourceError(field, 'is empty');
  if (!/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) {
    const path = isAbsolute(trimmed) ? trimmed : resolve(trimmed);
    return { kind: 'file', input: path, display: path };
  }
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    throw new SourceError(field, `is not a valid URL: ${redactCredentials(trimmed)}`);
  }
  const hints = parseHints(u.hash, field);
  u.hash = '';
  const input = u.toString();
  const display = redactCredentials(input);
  switch (u.protocol) {
    case 'rtsp:':
    case 'rtsps:':
      if (hints.has('mjpeg') || hints.has('hls')) throw new SourceError(field, 'hints #mjpeg and #hls apply to http(s) URLs only');
      return { kind: 'rtsp', input, transport: hints.has('udp') ? 'udp' : 'tcp', display };
    case 'http:':
    case 'https:': {
      if (hints.has('udp') || hints.has('tcp')) throw new SourceError(field, 'a transport hint applies to rtsp URLs only');
      const path = `${u.pathname}${u.search}`.toLowerCase();
      if (hints.has('hls') || /\.m3u8$/.test(u.pathname.toLowerCase())) return { kind: 'hls', input, display };
      if (hints.has('mjpeg') || /mjpe?g|action=stream|faststream/.test(path)) return { kind: 'mjpeg', input, display };
      return { kind: 'http', input, display };
    }
    case 'file:': {
      const path = fileURLToPath(u);
      return { kind: 'file', input: path, display: path };
    }
    default:
      throw new SourceError(field, `scheme "${u.protocol.replace(/:$/, '')}" is not supported (use rtsp, rtsps, http, https or file)`);
  }
}

export interface IngestArgsOptions {
  source: IngestSource;
  /** Re-encode the video to H.264 (for codecs that can't be copied). */
  transcode: boolean;
  /** Segment length, seconds. Segments are written to ffmpeg's cwd. */
  segmentSeconds: number;
  /** Seconds between progress blocks on stderr (frame counts, for the frame rate). Default 5. */
  statsPeriodSeconds?: number;
  /** Socket timeout for network sources, seconds. */
  ioTimeoutSeconds?: number;
}

/** Segment file names inside a run's folder; the list on fd 3 names them as they close. */
export const SEGMENT_PATTERN = '%06d.mp4';

/** The name ffmpeg gives segment `index` of a run (SEGMENT_PATTERN). */
export function segmentFileName(index: number): string {
  return `${String(index).padStart(6, '0')}.mp4`;
}

/** The index of a segment file name of a run, or undefined for any other name. */
export function segmentIndexOf(name: string): number | undefined {
  const m = /^(\d{6,})\.mp4$/.exec(name.trim());
  return m ? Number(m[1]) : undefined;
}

function inputArgs(source: IngestSource, ioTimeoutSeconds: number): string[] {
  const timeoutUs = String(Math.round(ioTimeoutSeconds * 1e6));
  switch (source.kind) {
    case 'rtsp':
      return ['-rtsp_transport', source.transport ?? 'tcp', '-timeout', timeoutUs, '-i', source.input];
    case 'file':
      // A simulated camera: the file played in real time, forever; genpts for containers without pts (AVI).
      return ['-re', '-stream_loop', '-1', '-fflags', '+genpts', '-i', source.input];
    default:
      return ['-rw_timeout', timeoutUs, '-i', source.input];
  }
}

const SEGMENT_OPTIONS = (seconds: number): string[] => [
  '-f', 'segment', '-segment_time', String(seconds), '-segment_format', 'mp4', '-segment_format_options', SEGMENT_MP4_OPTIONS,
  '-segment_list', 'pipe:3', '-segment_list_type', 'csv',
];

/** The whole ffmpeg command line (without the binary) for one camera. */
export function buildIngestArgs(o: IngestArgsOptions): string[] {
  const args = [
    // Each log line tagged with its level ([error] …), so problems can be told from chatter.
    '-hide_banner', '-nostdin', '-loglevel', 'level+info', '-nostats',
    '-progress', 'pipe:2', '-stats_period', String(o.statsPeriodSeconds ?? 5),
    ...inputArgs(o.source, o.ioTimeoutSeconds ?? 5),
  ];
  const video = o.transcode
    // Encoded once; keyframes every second so segments and live fragments can cut often.
    ? ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-force_key_frames', 'expr:gte(t,n_forced*1)', '-flags', '+global_header']
    : ['-c:v', 'copy'];
  return [...args, '-map', '0:v:0', ...video, ...SEGMENT_OPTIONS(o.segmentSeconds), SEGMENT_PATTERN];
}
