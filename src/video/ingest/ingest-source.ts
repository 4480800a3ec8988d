import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactCredentials } from '../../platform/media/redact.ts';

// What one camera ingest asks of ffmpeg. A camera is opened once; its video is stream-copied into
// two outputs: MPEG-TS recording segments (listed on fd 3 as each one closes) and fragmented MP4 on
// stdout for live viewers. Only a codec that cannot be copied into both (MJPEG, MPEG-4 part 2 …) is
// transcoded to H.264, once, and fanned out by the tee muxer. Audio is not recorded yet.
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
  /** Segment length; absent: no recording, live only. Segments are written to ffmpeg's cwd. */
  segmentSeconds?: number;
  /** Muxer options of the live fMP4 output, as `-key value` pairs starting with `-f mp4`. */
  liveArgs: readonly string[];
  /**
   * Live on demand: instead of stdout, the live output goes through ffmpeg's fifo muxer to this UNIX
   * socket. While nobody listens there ffmpeg drops live packets (and retries once a second); once
   * the socket listens, it connects and starts a new fMP4 stream at the next keyframe. Recording is
   * never held up either way. Stream copy only (a transcoding ingest keeps its live on stdout).
   */
  liveSocket?: string;
  /** Seconds between progress blocks on stderr. */
  statsPeriodSeconds?: number;
  /** Socket timeout for network sources, seconds. */
  ioTimeoutSeconds?: number;
}

/** Segment file names inside a run's folder; the list on fd 3 names them as they close. */
export const SEGMENT_PATTERN = '%06d.ts';

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

/** `-key value` pairs of output options as [key, value]. */
function pairs(args: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    const value = args[i + 1];
    if (!key?.startsWith('-') || value === undefined) throw new Error(`output arguments must be -key value pairs, got ${args.join(' ')}`);
    out.push([key.slice(1), value]);
  }
  return out;
}

// The tee muxer unescapes its argument twice on the way to a slave option's value (once splitting
// slaves, once splitting options): a special character in a value needs three backslashes.
const teeValue = (v: string): string => v.replace(/[\\:|[\]=]/g, (c) => `\\\\\\${c}`);

/** Output options as one tee slave: `[f=mp4:movflags=…]url`. */
function teeSlave(args: readonly string[], url: string): string {
  const options = pairs(args).map(([k, v]) => `${k}=${teeValue(v)}`);
  return `[${options.join(':')}]${url.replace(/[\\:|[\]]/g, '\\$&')}`;
}

/** Output options (less `-f`) as a muxer option list: `movflags=…:frag_duration=…`. */
function optionList(args: readonly string[]): string {
  return pairs(args).filter(([k]) => k !== 'f').map(([k, v]) => `${k}=${v.replace(/[\\:=]/g, '\\$&')}`).join(':');
}

/** The live output through the fifo muxer to a UNIX socket that may or may not be listening. */
function liveOnDemand(liveArgs: readonly string[], socket: string): string[] {
  return [
    '-f', 'fifo', '-fifo_format', pairs(liveArgs).find(([k]) => k === 'f')?.[1] ?? 'mp4', '-format_opts', optionList(liveArgs),
    '-queue_size', '60', '-drop_pkts_on_overflow', '1',
    '-attempt_recovery', '1', '-recover_any_error', '1', '-recovery_wait_time', '1', '-restart_with_keyframe', '1',
    `unix://${socket}`,
  ];
}

const SEGMENT_OPTIONS = (seconds: number): string[] => [
  '-f', 'segment', '-segment_time', String(seconds), '-segment_format', 'mpegts',
  '-segment_list', 'pipe:3', '-segment_list_type', 'csv',
];

/** The whole ffmpeg command line (without the binary) for one camera. */
export function buildIngestArgs(o: IngestArgsOptions): string[] {
  const args = [
    // Each log line tagged with its level ([error] …), so problems can be told from chatter.
    '-hide_banner', '-nostdin', '-loglevel', 'level+info', '-nostats',
    '-progress', 'pipe:2', '-stats_period', String(o.statsPeriodSeconds ?? 1),
    ...inputArgs(o.source, o.ioTimeoutSeconds ?? 5),
  ];
  if (!o.transcode) {
    const live = o.liveSocket ? liveOnDemand(o.liveArgs, o.liveSocket) : [...o.liveArgs, 'pipe:1'];
    args.push('-map', '0:v:0', '-c:v', 'copy', ...live);
    if (o.segmentSeconds) args.push('-map', '0:v:0', '-c:v', 'copy', ...SEGMENT_OPTIONS(o.segmentSeconds), SEGMENT_PATTERN);
    return args;
  }
  // Encoded once; keyframes every second so both segments and live fragments can cut often.
  args.push(
    '-map', '0:v:0', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-force_key_frames', 'expr:gte(t,n_forced*1)', '-flags', '+global_header',
  );
  if (!o.segmentSeconds) return [...args, ...o.liveArgs, 'pipe:1'];
  const live = teeSlave(o.liveArgs, 'pipe:1');
  const segment = teeSlave(SEGMENT_OPTIONS(o.segmentSeconds), SEGMENT_PATTERN);
  return [...args, '-f', 'tee', `${live}|${segment}`];
}
