// What was recorded in a period, as ranges and the gaps between them. The repository merges the
// segments into runs; this clips them to the period and finds the gaps. Playback and export use the
// same touch rule, so a "range" means one thing everywhere.

/** Segments whose ends lie this close together play as one range: an ingest restart or a late segment
 *  close leaves a few hundred milliseconds between files, which is not a gap anyone wants to see. */
export const TOUCH_MS = 1500;

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface Timeline {
  ranges: TimeRange[];
  gaps: TimeRange[];
  segments: number;
}

export interface Run {
  from_at: Date;
  to_at: Date;
  segments: number;
}

/** Merges segments sorted by start into runs, by the same rule the repository applies in SQL. */
export function runsOf(segments: ReadonlyArray<{ start_at: Date; end_at: Date }>): Run[] {
  const runs: Run[] = [];
  for (const s of segments) {
    const last = runs[runs.length - 1];
    if (last && s.start_at.getTime() - last.to_at.getTime() <= TOUCH_MS) {
      if (s.end_at > last.to_at) last.to_at = s.end_at;
      last.segments++;
    } else {
      runs.push({ from_at: s.start_at, to_at: s.end_at, segments: 1 });
    }
  }
  return runs;
}

/** Runs (ascending, not overlapping) clipped to [from, to], and the parts of [from, to] they leave. */
export function timelineOf(runs: readonly Run[], from: Date, to: Date): Timeline {
  const ranges: TimeRange[] = [];
  const gaps: TimeRange[] = [];
  let cursor = from.getTime();
  let segments = 0;
  for (const run of runs) {
    segments += run.segments;
    const start = Math.max(run.from_at.getTime(), from.getTime());
    const end = Math.min(run.to_at.getTime(), to.getTime());
    if (end <= start) continue;
    if (start > cursor) gaps.push({ from: new Date(cursor), to: new Date(start) });
    ranges.push({ from: new Date(start), to: new Date(end) });
    cursor = Math.max(cursor, end);
  }
  if (to.getTime() > cursor) gaps.push({ from: new Date(cursor), to });
  return { ranges, gaps, segments };
}
