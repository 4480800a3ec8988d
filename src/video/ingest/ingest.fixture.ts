import type { Db } from '../../platform/db/database.ts';
import type { StreamRow } from '../../platform/db/schema.ts';

// For tests: the least of a network (one province, one site) that cameras need to exist.

export interface FixtureCamera {
  id: string;
  streams?: StreamRow[];
  status?: 'online' | 'offline' | 'unknown' | 'maintenance' | 'planned';
}

export async function seedCameras(db: Db, cameras: FixtureCamera[]): Promise<void> {
  const unit = await db.selectFrom('org_units').select('id').where('id', '=', 'fx-kp').executeTakeFirst();
  if (!unit) {
    await db.insertInto('org_units').values({ id: 'fx-kp', parent_id: null, kind: 'province', name: 'KP', path: 'fx-kp', lat: null, lon: null }).execute();
    await db.insertInto('sites').values({ id: 'fx-site', code: 'FX-1', name: 'Fixture junction', city_id: 'fx-kp', police_station_id: null, scope_path: 'fx-kp', lat: 34.0, lon: 71.5, address: null, planned_cameras: null }).execute();
  }
  if (!cameras.length) return;
  await db
    .insertInto('cameras')
    .values(cameras.map((c, i) => ({
      id: c.id, code: `FX-${c.id}`, site_id: 'fx-site', name: `Camera ${c.id}`, kind: 'fixed' as const, resolution: '1920x1080',
      owner: 'government' as const, status: c.status ?? 'unknown', streams: JSON.stringify(c.streams ?? []), lat: 34 + i / 1000, lon: 71.5, heading: null, retention_days: null,
    })))
    .execute();
}
