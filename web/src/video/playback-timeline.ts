// Layout of a recording timeline bar and the mapping between wall-clock time, position on the bar and
// position in the playback file. The server's playback MP4 keeps gaps as time, so a time t in the
// window is always at (t - from) seconds in the file.

export interface TimelineRange {
  from: string;
  to: string;
}

export interface Timeline {
  ranges: TimelineRange[];
  gaps: TimelineRange[];
  segments: number;
}

export interface BarPiece {
  kind: 'recorded' | 'gap';
  /** Percent of the bar from its left edge. */
  left: number;
  width: number;
  from: Date;
  to: Date;
}

export interface PlaybackWindow {
  from: Date;
  to: Date;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Percent of the window at which `t` lies (clamped to the bar). */
export function percentAt(window: PlaybackWindow, t: Date): number {
  const span = window.to.getTime() - window.from.getTime();
  return span > 0 ? clamp(((t.getTime() - window.from.getTime()) / span) * 100, 0, 100) : 0;
}

/** Wall-clock time at a fraction (0..1) of the bar. */
export function timeAtFraction(window: PlaybackWindow, fraction: number): Date {
  const span = window.to.getTime() - window.from.getTime();
  return new Date(window.from.getTime() + clamp(fraction, 0, 1) * span);
}

/** Seconds into the playback file of wall-clock time `t`. */
export function fileSeconds(window: PlaybackWindow, t: Date): number {
  return clamp((t.getTime() - window.from.getTime()) / 1000, 0, (window.to.getTime() - window.from.getTime()) / 1000);
}

/** Recorded ranges and gaps as pieces of the bar, left to right. */
export function barPieces(window: PlaybackWindow, timeline: Timeline): BarPiece[] {
  const piece = (kind: BarPiece['kind'], r: TimelineRange): BarPiece => {
    const from = new Date(r.from);
    const to = new Date(r.to);
    const left = percentAt(window, from);
    return { kind, left, width: percentAt(window, to) - left, from, to };
  };
  return [...timeline.ranges.map((r) => piece('recorded', r)), ...timeline.gaps.map((g) => piece('gap', g))]
    .filter((p) => p.width > 0)
    .sort((a, b) => a.left - b.left);
}

/** The first recorded moment at or after `t` in the window, for "play from here" on a gap. */
export function nextRecorded(timeline: Timeline, t: Date): Date | null {
  for (const r of timeline.ranges) {
    if (new Date(r.to) > t) return new Date(Math.max(new Date(r.from).getTime(), t.getTime()));
  }
  return null;
}

/** `<input type="datetime-local">` value (local time, minutes) for a date, and back. */
export function toLocalInput(d: Date): string {
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): Date | null {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}
