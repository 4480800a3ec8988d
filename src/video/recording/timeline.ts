// What was recorded in a period, as ranges and the gaps between them. Pure: the service feeds it the
// segment rows; playback and export use the same merge rule, so a "range" means one thing everywhere.

/** Segments whose ends lie this close together play as one range: an ingest restart or a late segment
 *  close leaves a few hundred milliseconds between files, which is not a gap anyone wants to see. */
export const TOUCH_MS = 1500;

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface SegmentSpan {
  start_at: Date;
  end_at: Date;
}

/** Merges segments (any order, may overlap) into ranges clipped to [from, to]. */
export function recordedRanges(segments: readonly SegmentSpan[], from: Date, to: Date): TimeRange[] {
  const sorted = [...segments].sort((a, b) => a.start_at.getTime() - b.start_at.getTime());
  const ranges: TimeRange[] = [];
  let open: { from: number; to: number } | undefined;
  for (const s of sorted) {
    const start = s.start_at.getTime();
    const end = s.end_at.getTime();
    if (open && start - open.to <= TOUCH_MS) {
      open.to = Math.max(open.to, end);
      continue;
    }
    if (open) ranges.push(clip(open, from, to));
    open = { from: start, to: end };
  }
  if (open) ranges.push(clip(open, from, to));
  return ranges.filter((r) => r.to > r.from);
}

function clip(r: { from: number; to: number }, from: Date, to: Date): TimeRange {
  return { from: new Date(Math.max(r.from, from.getTime())), to: new Date(Math.min(r.to, to.getTime())) };
}

/** The parts of [from, to] that no range covers. */
export function gapsBetween(ranges: readonly TimeRange[], from: Date, to: Date): TimeRange[] {
  const gaps: TimeRange[] = [];
  let cursor = from.getTime();
  for (const r of ranges) {
    if (r.from.getTime() > cursor) gaps.push({ from: new Date(cursor), to: r.from });
    cursor = Math.max(cursor, r.to.getTime());
  }
  if (to.getTime() > cursor) gaps.push({ from: new Date(cursor), to });
  return gaps;
}
