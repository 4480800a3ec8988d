import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { StoredSegment } from './range-render.ts';
import { LONGEST_SEGMENT_MS } from './recording.repository.ts';

export interface RecordedRun {
  from_at: Date;
  to_at: Date;
  segments: number;
}

/** The timeline's queries on recording_segments; the index itself (insert, list, sums) is RecordingRepository. */
export class PlaybackRepository {
  constructor(private readonly db: Db) {}

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
          and start_at > ${new Date(from.getTime() - LONGEST_SEGMENT_MS)}
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
