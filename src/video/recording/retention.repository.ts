import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { DB, RecordingSegmentTable } from '../../platform/db/schema.ts';

export interface DeletableSegment {
  id: number;
  camera_id: string;
  path: string;
  bytes: number;
}

/**
 * Removes the files of `segments` and returns the ids whose file is gone (deleted now or already
 * missing); a file that could not be deleted keeps its row.
 */
export type RemoveFiles = (segments: DeletableSegment[]) => Promise<number[]>;

// Any constant shared by every node: one quota eviction at a time, so two nodes don't both free the same excess.
const QUOTA_LOCK = 740_101;

/**
 * Deletes recording segments by age and by quota. Each batch runs in one transaction that locks its
 * rows, removes their files, then deletes the rows: a crash in between leaves rows whose files are
 * gone (the next run deletes them; playback skips them), never files that no row points to.
 * A concurrent legal hold waits on the row lock and then finds the row gone, or holds it first.
 * A segment an export is still reading (pending or running, its period overlapping) is not taken
 * either: eviction waits for the export to finish rather than failing it.
 */
export class RetentionRepository {
  constructor(private readonly db: Db) {}

  /** One batch of segments past their camera's retention (or `defaultDays`); held ones are never taken. */
  deleteExpired(now: Date, defaultDays: number, batch: number, exclude: number[], remove: RemoveFiles): Promise<{ deleted: DeletableSegment[]; candidates: number }> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('recording_segments as s')
        .innerJoin('cameras as c', 'c.id', 's.camera_id')
        .select(['s.id', 's.camera_id', 's.path', 's.bytes'])
        .where('s.legal_hold', '=', false)
        .where(notBeingExported)
        .where('s.end_at', '<', sql<Date>`${now}::timestamptz - make_interval(days => coalesce(c.retention_days, ${defaultDays}::int))`)
        .$if(exclude.length > 0, (q) => q.where('s.id', 'not in', exclude))
        .orderBy('s.start_at')
        .limit(batch)
        .forUpdate('s').skipLocked()
        .execute();
      return { deleted: await this.removeRows(trx, rows, remove), candidates: rows.length };
    });
  }

  /**
   * Frees the oldest unheld segments until usage is at most `quotaBytes`, one batch at a time.
   * Returns what it deleted, the usage after, and how many rows it looked at (0: nothing left to evict,
   * so held segments alone exceed the quota).
   */
  evictOverQuota(quotaBytes: number, batch: number, exclude: number[], remove: RemoveFiles): Promise<{ deleted: DeletableSegment[]; usage: number; candidates: number }> {
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${QUOTA_LOCK})`.execute(trx);
      let usage = await usageIn(trx);
      if (usage <= quotaBytes) return { deleted: [], usage, candidates: 0 };
      const oldest = await trx
        .selectFrom('recording_segments as s')
        .select(['s.id', 's.camera_id', 's.path', 's.bytes'])
        .where('s.legal_hold', '=', false)
        .where(notBeingExported)
        .$if(exclude.length > 0, (q) => q.where('s.id', 'not in', exclude))
        .orderBy('s.start_at').orderBy('s.id')
        .limit(batch)
        .forUpdate().skipLocked()
        .execute();
      const take: DeletableSegment[] = [];
      let freed = 0;
      for (const s of oldest) {
        if (usage - freed <= quotaBytes) break;
        take.push(s);
        freed += s.bytes;
      }
      const deleted = await this.removeRows(trx, take, remove);
      usage -= deleted.reduce((n, s) => n + s.bytes, 0);
      return { deleted, usage, candidates: oldest.length };
    });
  }

  private async removeRows(trx: Db, rows: DeletableSegment[], remove: RemoveFiles): Promise<DeletableSegment[]> {
    if (!rows.length) return [];
    const gone = new Set(await remove(rows));
    const deleted = rows.filter((r) => gone.has(r.id));
    if (deleted.length) await trx.deleteFrom('recording_segments').where('id', 'in', deleted.map((r) => r.id)).execute();
    return deleted;
  }
}

/**
 * No pending or running export of the segment's camera overlaps it. An export whose runner has not
 * touched it for ten minutes (its heartbeat is seconds) lost its node and holds nothing.
 */
function notBeingExported(eb: ExpressionBuilder<DB & { s: RecordingSegmentTable }, 's'>) {
  return eb.not(eb.exists(eb.selectFrom('video_exports as e').select(sql`1`.as('one'))
    .whereRef('e.camera_id', '=', 's.camera_id')
    .where('e.status', 'in', ['pending', 'running'])
    .where('e.updated_at', '>', sql<Date>`now() - interval '10 minutes'`)
    .whereRef('e.from_at', '<', 's.end_at')
    .whereRef('e.to_at', '>', 's.start_at')));
}

async function usageIn(db: Db): Promise<number> {
  const r = await db.selectFrom('recording_segments').select(sql<number>`coalesce(sum(bytes), 0)::bigint`.as('bytes')).executeTakeFirstOrThrow();
  return Number(r.bytes);
}
