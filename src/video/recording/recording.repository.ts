import { sql, type Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { RecordingSegmentTable } from '../../platform/db/schema.ts';

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
}

export interface SegmentFilter {
  cameraId?: string;
  /** Segments that end at or before this. */
  endedBefore?: Date;
  legalHold?: boolean;
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

/** The index of recorded segments: one row per closed file, written by the ingest. */
export class RecordingRepository {
  constructor(private readonly db: Db) {}

  async insert(segment: NewSegment): Promise<SegmentRow> {
    check(segment);
    return this.db
      .insertInto('recording_segments')
      .values({ camera_id: segment.cameraId, start_at: segment.startAt, end_at: segment.endAt, bytes: segment.bytes, path: segment.path })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** A camera's segments overlapping [from, to), oldest first; at most `limit` (default 10,000). */
  list(cameraId: string, from: Date, to: Date, limit = 10_000): Promise<SegmentRow[]> {
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
      .execute();
  }

  /** Total bytes of the segments matching `filter` (all of them without one). */
  async sumBytes(filter: SegmentFilter = {}): Promise<number> {
    const row = await this.db
      .selectFrom('recording_segments')
      .select(sql<number>`coalesce(sum(bytes), 0)::bigint`.as('bytes'))
      .$if(filter.cameraId !== undefined, (q) => q.where('camera_id', '=', filter.cameraId!))
      .$if(filter.endedBefore !== undefined, (q) => q.where('end_at', '<=', filter.endedBefore!))
      .$if(filter.legalHold !== undefined, (q) => q.where('legal_hold', '=', filter.legalHold!))
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }

  /**
   * Deletes these rows unless under legal hold; returns the rows deleted (the caller removes their
   * files). Held rows stay and are simply not returned.
   */
  async delete(ids: number[]): Promise<SegmentRow[]> {
    if (!ids.length) return [];
    return this.db.deleteFrom('recording_segments').where('id', 'in', ids).where('legal_hold', '=', false).returningAll().execute();
  }
}
