import { sql, type Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { RecordingSegmentTable } from '../../platform/db/schema.ts';
import type { StoredSegment } from './range-render.ts';

export type SegmentRow = Selectable<RecordingSegmentTable>;

export interface NewSegment {
  cameraId: string;
  startAt: Date;
  endAt: Date;
  bytes: number;
  /**
   * Relative to the data folder, `/`-separated: recordings/<camera>/<YYYY-MM-DD>/<startMs>.mp4 (a
   * fragmented MP4 segment; `.ts`, MPEG-TS from earlier versions, is accepted too).
   */
  path: string;
  /** The fMP4 init segment's size and SHA-256 (Fmp4Layout), when the recorder read them. */
  init?: { bytes: number; digest: string };
}

/** A run of segments with no gap between them longer than the timeline's tolerance. */
export interface RecordedRun {
  from_at: Date;
  to_at: Date;
  segments: number;
}

export interface SegmentFilter {
  cameraId?: string;
  /** Segments that end at or before this. */
  endedBefore?: Date;
}

/**
 * The longest segment the index accepts. Segments are video.segmentSeconds (≤ 300 s) plus a GOP; the
 * bound lets a range query use the (camera_id, start_at) index: anything overlapping [from, to)
 * starts after from - LONGEST_SEGMENT.
 */
export const LONGEST_SEGMENT_MS = 60 * 60 * 1000;

export class SegmentError extends Error {
  override name = 'SegmentError';
}

function check(s: NewSegment): void {
  const problem =
    !s.cameraId ? 'cameraId: is empty'
    : !(s.startAt instanceof Date) || Number.isNaN(s.startAt.getTime()) ? 'startAt: is not a valid date'
    : !(s.endAt instanceof Date) || Number.isNaN(s.endAt.getTime()) ? 'endAt: is not a valid date'
    : s.endAt <= s.startAt ? 'endAt: must be after startAt'
    : s.endAt.getTime() - s.startAt.getTime() > LONGEST_SEGMENT_MS ? 'endAt: a segment may last at most one hour'
    : !Number.isSafeInteger(s.bytes) || s.bytes < 0 ? 'bytes: must be a whole number ≥ 0'
    : !/^recordings\/[^/]+\/\d{4}-\d{2}-\d{2}\/[^/]+\.(mp4|ts)$/.test(s.path) ? `path: "${s.path}" is not recordings/<camera>/<YYYY-MM-DD>/<name>.mp4 (or legacy .ts)`
    : null;
  if (problem) throw new SegmentError(`recording segment: ${problem}`);
}

/**
 * The index of recorded segments: one row per closed file, written by the ingest and read by the
 * timeline, playback and export. Deleting rows is retention's alone (RetentionRepository: files first,
 * under row locks, never a held segment), so nothing here deletes.
 */
export class RecordingRepository {
  constructor(private readonly db: Db) {}

  async insert(segment: NewSegment): Promise<SegmentRow> {
    check(segment);
    return this.db
      .insertInto('recording_segments')
      .values({
        camera_id: segment.cameraId, start_at: segment.startAt, end_at: segment.endAt, bytes: segment.bytes, path: segment.path,
        init_bytes: segment.init?.bytes ?? null, init_digest: segment.init?.digest ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * A camera's segments overlapping [from, to), oldest first; at most `limit` (default 10,000).
   * `share`: locked FOR SHARE until the caller's transaction ends (a retention batch deleting them is
   * waited for, and the rows it deleted are not returned).
   */
  list(cameraId: string, from: Date, to: Date, limit = 10_000, lock?: 'share'): Promise<SegmentRow[]> {
    return this.db
      .selectFrom('recording_segments')
      .selectAll()
      .where('camera_id', '=', cameraId)
      .where('start_at', '<', to)
      .where('end_at', '>', from)
      .where('start_at', '>', new Date(from.getTime() - LONGEST_SEGMENT_MS))
      .orderBy('start_at')
      .orderBy('id')
      .limit(limit)
      .$if(lock === 'share', (q) => q.forShare())
      .execute();
  }

  /** Total bytes of the segments matching `filter` (all of them without one). */
  async sumBytes(filter: SegmentFilter = {}): Promise<number> {
    const row = await this.db
      .selectFrom('recording_segments')
      .select(sql<number>`coalesce(sum(bytes), 0)::bigint`.as('bytes'))
      .$if(filter.cameraId !== undefined, (q) => q.where('camera_id', '=', filter.cameraId!))
      .$if(filter.endedBefore !== undefined, (q) => q.where('end_at', '<=', filter.endedBefore!))
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }

  /** One segment of a camera, for serving it alone (HLS). */
  segment(cameraId: string, id: number): Promise<StoredSegment | undefined> {
    return this.db
      .selectFrom('recording_segments')
      .select(['id', 'start_at', 'end_at', 'bytes', 'path', 'init_bytes', 'init_digest'])
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
