import { sql, type Selectable } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import type { CameraHealthTable, CameraStatusLogTable } from '../../platform/db/schema.ts';
import type { CameraStatus } from './camera-health.ts';

export type HealthRow = Selectable<CameraHealthTable>;
export type StatusLogRow = Selectable<CameraStatusLogTable>;

export interface HealthUpdate {
  cameraId: string;
  fps: number | null;
  bitrateKbps: number | null;
  lastFrameAt: Date | null;
  /** Restarts since the last update. */
  addReconnects: number;
  workerId: string;
}

/**
 * camera_health (latest figures), camera_status_log (every transition) and the status column of
 * cameras, which the map colours by. That column belongs to the network domain; it is written here,
 * in the transition's own transaction, so the map and the health record can never disagree, and only
 * between online/offline/unknown (never over planned or maintenance, which people set).
 */
export class CameraHealthRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a transition unless the camera already has that status (e.g. a worker taking over a
   * camera that was online). Returns whether the status changed.
   */
  transition(cameraId: string, status: CameraStatus, at: Date, reason: string, workerId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('camera_health').select('status').where('camera_id', '=', cameraId).forUpdate().executeTakeFirst();
      if (current?.status === status) {
        await trx.updateTable('camera_health').set({ worker_id: workerId, updated_at: new Date() }).where('camera_id', '=', cameraId).execute();
        return false;
      }
      await trx
        .insertInto('camera_health')
        .values({ camera_id: cameraId, status, status_since: at, worker_id: workerId, fps: null, bitrate_kbps: null, last_frame_at: null })
        .onConflict((oc) => oc.column('camera_id').doUpdateSet({ status, status_since: at, worker_id: workerId, updated_at: new Date() }))
        .execute();
      await trx.insertInto('camera_status_log').values({ camera_id: cameraId, status, at, reason: reason.slice(0, 500) }).execute();
      await trx
        .updateTable('cameras')
        .set({ status })
        .where('id', '=', cameraId)
        .where('status', 'in', ['online', 'offline', 'unknown'])
        .execute();
      return true;
    });
  }

  /** Latest figures of many cameras in one statement; a camera without a health row yet is skipped. */
  async update(rows: HealthUpdate[]): Promise<void> {
    if (!rows.length) return;
    const values = rows.map((r) => sql`(${r.cameraId}, ${r.fps}::double precision, ${r.bitrateKbps}::double precision, ${r.lastFrameAt}::timestamptz, ${r.addReconnects}::int, ${r.workerId})`);
    await sql`
      update camera_health h set
        fps = v.fps, bitrate_kbps = v.kbps, last_frame_at = coalesce(v.last_frame_at, h.last_frame_at),
        reconnects = h.reconnects + v.add_reconnects, worker_id = v.worker_id, updated_at = now()
      from (values ${sql.join(values)}) as v(camera_id, fps, kbps, last_frame_at, add_reconnects, worker_id)
      where h.camera_id = v.camera_id`.execute(this.db);
  }

  get(cameraId: string): Promise<HealthRow | undefined> {
    return this.db.selectFrom('camera_health').selectAll().where('camera_id', '=', cameraId).executeTakeFirst();
  }

  /** Transitions in [from, to), plus the last one before `from` (the status the period began with). */
  async statusLog(cameraId: string, from: Date, to: Date): Promise<StatusLogRow[]> {
    const before = await this.db
      .selectFrom('camera_status_log').selectAll()
      .where('camera_id', '=', cameraId).where('at', '<', from)
      .orderBy('at', 'desc').orderBy('id', 'desc').limit(1)
      .execute();
    const within = await this.db
      .selectFrom('camera_status_log').selectAll()
      .where('camera_id', '=', cameraId).where('at', '>=', from).where('at', '<', to)
      .orderBy('at').orderBy('id')
      .execute();
    return [...before, ...within];
  }
}
