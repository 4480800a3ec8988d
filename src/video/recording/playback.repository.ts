import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { StoredSegment } from './range-render.ts';

export interface RecordedRun {
  from_at: Date;
  to_at: Date;
  segments: number;
}

// Segments are at most video.segmentSeconds (≤ 300 s) plus a GOP; any that overlaps a period starts
// less than this before it, which lets the (camera_id, start_at) index bound the scan.
const LONGEST_SEGMENT = '1 hour';

/** Reads recording_segments for playback and export. */
export class PlaybackRepository {
  constructor(private readonly db: Db) {}

  /** Segments overlapping [from, to), oldest first. */
  segmentsBetween(cameraId: string, from: Date, to: Date): Promise<StoredSegment[]> {
    return this.db
      .selectFrom('recording_segments')
      .select(['id', 'start_at', 'end_at', 'bytes', 'path'])
      .where('camera_id', '=', cameraId)
      .where('start_at', '<', to)
      .where('end_at', '>', from)
      .where('start_at', '>', sql<Date>`${from}::timestamptz - interval '${sql.raw(LONGEST_SEGMENT)}'`)
      .orderBy('start_at').orderBy('id')
      .execute();
  }

  /** One segment of a camera, for serving it alone (HLS). */
  segment(cameraId: string, id: number): Promise<StoredSegment | undefined> {
    return this.db
      .selectFrom('recording_segments')
      .select(['id', 'start_at', 'end_at', 'bytes', 'path'])
      .where('id', '=', id)
      .where('camera_id', '=', cameraId)
      .executeTakeFirst();
  }

  /**
   * Runs of segments overlapping [from, to) whose neighbours lie within `touchMs` of each other, merged
   * in the database (gaps and islands) so a month of 10 s segments returns a few rows, not 260,000.
   */
  async recordedRuns(cameraId: string, from: Date, to: Date, touchMs: number): Promise<RecordedRun[]> {
    const { rows } = await sql<RecordedRun>`
      with s as (
        select id, start_at, end_at,
               max(end_at) over (order by start_at, id rows between unbounded preceding and 1 preceding) as prev_end
        from recording_segments
        where camera_id = ${cameraId} and start_at < ${to} and end_at > ${from}
          and start_at > ${from}::timestamptz - interval '${sql.raw(LONGEST_SEGMENT)}'
      ), g as (
        select start_at, end_at,
               sum(case when prev_end is null or start_at > prev_end + make_interval(secs => ${touchMs / 1000}) then 1 else 0 end)
                 over (order by start_at, id rows unbounded preceding) as run
        from s
      )
      select min(start_at) as from_at, max(end_at) as to_at, count(*)::int as segments
      from g group by run order by from_at`.execute(this.db);
    return rows;
  }
}
