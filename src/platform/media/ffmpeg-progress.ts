// ffmpeg's `-progress pipe:2` writes a block of key=value lines every `-stats_period`, ending with
// `progress=continue` (or `progress=end`), between its ordinary log lines on the same stderr.

export interface ProgressBlock {
  /** Frames written to the first output since this ffmpeg started. */
  frame: number;
  /** Output timestamp reached, microseconds; null while ffmpeg has none (N/A). */
  outTimeUs: number | null;
  /** Bytes written to the first output (N/A for a muxer without a file of its own). */
  totalSize: number | null;
  /** Processing speed relative to real time; null when N/A. */
  speed: number | null;
  end: boolean;
}

const KEYS = new Set([
  'frame', 'fps', 'bitrate', 'total_size', 'out_time_us', 'out_time_ms', 'out_time',
  'dup_frames', 'drop_frames', 'speed', 'progress',
]);
const KEY_VALUE = /^([a-z0-9_]+)=(.*)$/;

function num(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : null;
}

/** Splits ffmpeg's stderr into progress blocks and log lines. */
export class ProgressParser {
  private fields = new Map<string, string>();

  /** Returns a block when `line` completes one, the line itself when it is a log line, else null. */
  push(line: string): { block: ProgressBlock } | { log: string } | null {
    const m = KEY_VALUE.exec(line);
    if (!m || !(KEYS.has(m[1]) || m[1].startsWith('stream_'))) return { log: line };
    if (m[1] !== 'progress') {
      this.fields.set(m[1], m[2].trim());
      return null;
    }
    const f = this.fields;
    this.fields = new Map();
    return {
      block: {
        frame: num(f.get('frame')) ?? 0,
        outTimeUs: num(f.get('out_time_us')),
        totalSize: num(f.get('total_size')),
        speed: num(f.get('speed')?.replace(/x$/, '')),
        end: m[2] === 'end',
      },
    };
  }
}
