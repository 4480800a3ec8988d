import { sql, type Expression, type ExpressionBuilder, type Insertable, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { CameraTable, DB, StreamRow } from '../platform/db/schema.ts';
import { chunks, inScope, inTransaction, likeAny, takenKeys } from './sql.ts';
import type { CameraQuery } from './network.schema.ts';

// cameras: the only code that speaks SQL to the table. A camera has no scope of its own: it is in
// whatever scope its site is, so every user-facing read joins sites.

export type CameraRow = Omit<Selectable<CameraTable>, 'streams'> & { streams: StreamRow[] };
/** A camera with what it inherits from its site. */
export type CameraWithSite = CameraRow & { site_name: string; city_id: string; scope_path: string; distance_m?: number };
export type NewCamera = Insertable<CameraTable>;
export type CameraChanges = Omit<Updateable<CameraTable>, 'id' | 'created_at' | 'updated_at'>;

export interface MapPoint {
  id: string;
  name: string;
  code: string;
  status: CameraRow['status'];
  kind: CameraRow['kind'];
  owner: CameraRow['owner'];
  site_id: string;
  lat: number;
  lon: number;
}

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;
const METRES_PER_DEGREE_LAT = 111_320;

/** Great-circle distance in metres from (lat, lon) to the camera, as SQL any PostgreSQL evaluates. */
function haversine(lat: number, lon: number) {
  const inner = sql`power(sin(radians(cameras.lat - ${lat}) / 2), 2) + cos(radians(${lat})) * cos(radians(cameras.lat)) * power(sin(radians(cameras.lon - ${lon}) / 2), 2)`;
  return sql<number>`(${2 * EARTH_RADIUS_M} * asin(sqrt(least(1.0, ${inner}))))`;
}

/** Degrees of latitude and longitude that surely cover `radius` metres around `lat`. */
export function boundingBox(lat: number, lon: number, radius: number) {
  const dLat = radius / METRES_PER_DEGREE_LAT;
  const cosLat = Math.cos((lat * Math.PI) / 180);
  // Near the poles a degree of longitude shrinks to nothing: search every longitude there.
  const dLon = cosLat < 0.01 ? 180 : Math.min(180, radius / (METRES_PER_DEGREE_LAT * cosLat));
  return { minLat: lat - dLat, maxLat: lat + dLat, minLon: lon - dLon, maxLon: lon + dLon };
}

function cameraFilter(query: Omit<CameraQuery, 'limit' | 'offset'>, scope: string, radius: number) {
  return (eb: ExpressionBuilder<DB, 'cameras' | 'sites'>) => {
    const where: Expression<SqlBool>[] = [inScope('sites.scope_path', scope)];
    if (query.city) where.push(eb('sites.city_id', '=', query.city));
    if (query.siteId) where.push(eb('cameras.site_id', '=', query.siteId));
    if (query.status) where.push(eb('cameras.status', '=', query.status));
    if (query.kind) where.push(eb('cameras.kind', '=', query.kind));
    if (query.owner) where.push(eb('cameras.owner', '=', query.owner));
    if (query.phase !== undefined) where.push(eb('cameras.phase', '=', query.phase));
    if (query.q) {
      const pattern = likeAny(query.q);
      where.push(eb.or([eb('cameras.name', 'ilike', pattern), eb('cameras.code', 'ilike', pattern)]));
    }
    if (query.near) {
      const { lat, lon } = query.near;
      const box = boundingBox(lat, lon, radius);
      // The box lets the (lat, lon) index narrow the rows; the exact distance decides.
      where.push(eb('cameras.lat', '>=', box.minLat), eb('cameras.lat', '<=', box.maxLat));
      if (box.maxLon - box.minLon < 360) where.push(eb('cameras.lon', '>=', box.minLon), eb('cameras.lon', '<=', box.maxLon));
      where.push(sql<boolean>`${haversine(lat, lon)} <= ${radius}`);
    }
    return eb.and(where);
  };
}

export class CameraRepository {
  constructor(private readonly db: Db) {}

  private withSite() {
    return this.db
      .selectFrom('cameras')
      .innerJoin('sites', 'sites.id', 'cameras.site_id')
      .selectAll('cameras')
      .select(['sites.name as site_name', 'sites.city_id', 'sites.scope_path']);
  }

  /** `radius` (metres) applies when the query has `near`; results then come nearest first. */
  async list(query: CameraQuery, scope: string, radius: number): Promise<{ rows: CameraWithSite[]; total: number }> {
    const filter = cameraFilter(query, scope, radius);
    const { total } = await this.db
      .selectFrom('cameras')
      .innerJoin('sites', 'sites.id', 'cameras.site_id')
      .where(filter)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    let q = this.withSite().where(filter);
    if (query.near) {
      q = q.select(haversine(query.near.lat, query.near.lon).as('distance_m')).orderBy('distance_m').orderBy('cameras.code');
    } else {
      q = q.orderBy('cameras.code');
    }
    const rows = await q.limit(query.limit).offset(query.offset).execute();
    return { rows: rows as CameraWithSite[], total: Number(total) };
  }

  async get(id: string): Promise<CameraWithSite | undefined> {
    return (await this.withSite().where('cameras.id', '=', id).executeTakeFirst()) as CameraWithSite | undefined;
  }

  /** Every camera in scope, only what a map marker needs. */
  mapPoints(scope: string): Promise<MapPoint[]> {
    return this.db
      .selectFrom('cameras')
      .innerJoin('sites', 'sites.id', 'cameras.site_id')
      .where(inScope('sites.scope_path', scope))
      .select(['cameras.id', 'cameras.name', 'cameras.code', 'cameras.status', 'cameras.kind', 'cameras.owner', 'cameras.site_id', 'cameras.lat', 'cameras.lon'])
      .orderBy('cameras.id')
      .execute();
  }

  /** Cameras worth ingesting: a record or live stream, not planned or under maintenance, on a working site. */
  async ingestable(): Promise<CameraWithSite[]> {
    const rows = await this.withSite()
      .where('cameras.status', 'not in', ['planned', 'maintenance'])
      .where('sites.status', '=', 'active')
      .where(sql<boolean>`(cameras.streams @> '[{"role":"record"}]' or cameras.streams @> '[{"role":"live"}]')`)
      .orderBy('cameras.id')
      .execute();
    return rows as CameraWithSite[];
  }

  /** Which of these codes or ids are taken (by any camera, in scope or not). */
  takenKeys(codes: string[], ids: string[]): Promise<{ codes: Set<string>; ids: Set<string> }> {
    return takenKeys(this.db, 'cameras', codes, ids);
  }

  async countForSite(siteId: string): Promise<number> {
    const row = await this.db.selectFrom('cameras').where('site_id', '=', siteId).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** All in one transaction, in batches: either every camera is stored or none is. */
  async insertMany(rows: NewCamera[]): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      for (const batch of chunks(rows)) await trx.insertInto('cameras').values(batch).execute();
    });
  }

  async update(id: string, changes: CameraChanges): Promise<void> {
    await this.db.updateTable('cameras').set({ ...changes, updated_at: new Date() }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('cameras').where('id', '=', id).execute();
  }
}
