import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';

// camera_leases: which worker ingests which camera. Times come from the database's clock, the one
// clock every worker shares. Plain SQL that PGlite and PostgreSQL both run: a claim is one
// INSERT … ON CONFLICT DO UPDATE … WHERE, which PostgreSQL applies atomically per row, so of two
// workers claiming one camera at once exactly one gets the row back.

export class LeaseRepository {
  constructor(private readonly db: Db) {}

  /** Takes the camera's lease if it is free, lapsed or already ours. True when we hold it now. */
  async claim(cameraId: string, workerId: string, seconds: number): Promise<boolean> {
    const { rows } = await sql<{ camera_id: string }>`
      insert into camera_leases (camera_id, worker_id, expires_at, acquired_at)
      values (${cameraId}, ${workerId}, now() + ${seconds} * interval '1 second', now())
      on conflict (camera_id) do update
        set worker_id = excluded.worker_id, expires_at = excluded.expires_at,
            acquired_at = case when camera_leases.worker_id = excluded.worker_id then camera_leases.acquired_at else excluded.acquired_at end
        where camera_leases.worker_id = excluded.worker_id or camera_leases.expires_at < now()
      returning camera_id`.execute(this.db);
    return rows.length === 1;
  }

  /** Extends our leases on these cameras; returns those still ours (the others were lost). */
  async renew(workerId: string, cameraIds: string[], seconds: number): Promise<Set<string>> {
    if (!cameraIds.length) return new Set();
    const rows = await this.db
      .updateTable('camera_leases')
      .set({ expires_at: sql<Date>`now() + ${seconds} * interval '1 second'` })
      .where('worker_id', '=', workerId)
      .where('camera_id', 'in', cameraIds)
      .returning('camera_id')
      .execute();
    return new Set(rows.map((r) => r.camera_id));
  }

  /** Gives up our leases on these cameras (all of ours without a list). */
  async release(workerId: string, cameraIds?: string[]): Promise<void> {
    if (cameraIds && !cameraIds.length) return;
    await this.db
      .deleteFrom('camera_leases')
      .where('worker_id', '=', workerId)
      .$if(cameraIds !== undefined, (q) => q.where('camera_id', 'in', cameraIds!))
      .execute();
  }

  /** The worker holding the camera's lease now, if any (the live domain's IngestLocator). */
  async workerOf(cameraId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('camera_leases').select('worker_id').where('camera_id', '=', cameraId).where('expires_at', '>=', sql<Date>`now()`).executeTakeFirst();
    return row?.worker_id;
  }

  /** camera → worker for every lease that has not lapsed. */
  async holders(): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('camera_leases').select(['camera_id', 'worker_id']).where('expires_at', '>=', sql<Date>`now()`).execute();
    return new Map(rows.map((r) => [r.camera_id, r.worker_id]));
  }
}
