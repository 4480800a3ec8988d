import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { VideoExportTable } from '../../platform/db/schema.ts';

export type ExportRow = Selectable<VideoExportTable>;
export type NewExport = Pick<Insertable<VideoExportTable>, 'id' | 'camera_id' | 'from_at' | 'to_at' | 'requested_by' | 'reason'>;

/** The only code that speaks SQL for video_exports. */
export class ExportRepository {
  constructor(private readonly db: Db) {}

  async insert(row: NewExport): Promise<ExportRow> {
    return this.db.insertInto('video_exports').values({ ...row, status: 'pending' }).returningAll().executeTakeFirstOrThrow();
  }

  /**
   * Inserts the job and runs `within` in the same transaction (to read what it needs, locked); a
   * throw there leaves no job. Retention skips segments a pending job overlaps once this commits.
   */
  async insertWith<T>(row: NewExport, within: (trx: Db) => Promise<T>): Promise<{ row: ExportRow; result: T }> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await new ExportRepository(trx).insert(row);
      return { row: inserted, result: await within(trx) };
    });
  }

  get(id: string): Promise<ExportRow | undefined> {
    return this.db.selectFrom('video_exports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** pending → running; false when someone else already took it. */
  async claim(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('video_exports')
      .set({ status: 'running', updated_at: sql`now()` })
      .where('id', '=', id).where('status', '=', 'pending')
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  /** Progress of a running job; also its heartbeat. */
  async progress(id: string, progress: number): Promise<void> {
    await this.db.updateTable('video_exports').set({ progress, updated_at: sql`now()` }).where('id', '=', id).where('status', '=', 'running').execute();
  }

  async finish(id: string, result: { path: string; bytes: number; sha256: string }): Promise<void> {
    await this.db
      .updateTable('video_exports')
      .set({ status: 'done', progress: 1, ...result, finished_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db
      .updateTable('video_exports')
      .set({ status: 'failed', error: error.slice(0, 2000), finished_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  /** Fails pending/running jobs nobody has touched for `staleSeconds` (their node stopped); returns their ids. */
  async failStale(staleSeconds: number, error: string): Promise<string[]> {
    const rows = await this.db
      .updateTable('video_exports')
      .set({ status: 'failed', error, finished_at: sql`now()`, updated_at: sql`now()` })
      .where('status', 'in', ['pending', 'running'])
      .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }
}
