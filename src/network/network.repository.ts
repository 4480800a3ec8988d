import { sql, type Expression, type ExpressionBuilder, type Insertable, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { DB, OrgUnitTable, SiteTable } from '../platform/db/schema.ts';
import { CameraRepository } from './camera.repository.ts';
import type { SiteQuery } from './network.schema.ts';
import { chunks, inScope, inTransaction, likeAny, takenKeys } from './sql.ts';

// org_units and sites: the only code that speaks SQL to them. Every read that serves a user takes a
// scope and returns only rows whose path lies inside it.

export type OrgUnitRow = Selectable<OrgUnitTable>;
export type NewOrgUnit = Insertable<OrgUnitTable>;
export type SiteRow = Selectable<SiteTable>;
export type NewSite = Insertable<SiteTable>;
export type SiteChanges = Omit<Updateable<SiteTable>, 'id' | 'created_at' | 'updated_at'>;
export type SiteWithCount = SiteRow & { camera_count: number };

export interface CityStats {
  city: OrgUnitRow;
  sites: number;
  plannedSites: number;
  cameras: number;
}

export class NetworkRepository {
  constructor(private readonly db: Db) {}

  // ---- org units -------------------------------------------------------------------------------

  getOrgUnit(id: string): Promise<OrgUnitRow | undefined> {
    return this.db.selectFrom('org_units').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The hierarchy is small (a province's cities and stations): callers filter by scope in memory. */
  listOrgUnits(): Promise<OrgUnitRow[]> {
    return this.db.selectFrom('org_units').selectAll().orderBy('path').execute();
  }

  /** True when `path` names an org unit or a site (a premises owner is scoped to their site). */
  async pathExists(path: string): Promise<boolean> {
    const unit = await this.db.selectFrom('org_units').select('id').where('path', '=', path).executeTakeFirst();
    if (unit) return true;
    return (await this.db.selectFrom('sites').select('id').where('scope_path', '=', path).executeTakeFirst()) !== undefined;
  }

  /** Inserts units that are not there yet; returns how many were new. */
  async insertOrgUnits(rows: NewOrgUnit[]): Promise<number> {
    if (!rows.length) return 0;
    const result = await this.db.insertInto('org_units').values(rows).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  /** Per city: its sites and cameras inside `scope`. */
  async cityStats(scope: string): Promise<CityStats[]> {
    const cities = await this.db.selectFrom('org_units').selectAll().where('kind', '=', 'city').orderBy('name').execute();
    const counts = await this.db
      .selectFrom('sites')
      .leftJoin('cameras', 'cameras.site_id', 'sites.id')
      .where(inScope('sites.scope_path', scope))
      .select((eb) => [
        'sites.city_id',
        sql<number>`count(distinct sites.id) filter (where sites.status <> 'planned')`.as('sites'),
        sql<number>`count(distinct sites.id) filter (where sites.status = 'planned')`.as('planned_sites'),
        eb.fn.count<number>('cameras.id').as('cameras'),
      ])
      .groupBy('sites.city_id')
      .execute();
    const byCity = new Map(counts.map((c) => [c.city_id, c]));
    return cities.map((city) => {
      const c = byCity.get(city.id);
      return { city, sites: Number(c?.sites ?? 0), plannedSites: Number(c?.planned_sites ?? 0), cameras: Number(c?.cameras ?? 0) };
    });
  }

  // ---- sites -----------------------------------------------------------------------------------

  private siteSelect() {
    return this.db
      .selectFrom('sites')
      .selectAll('sites')
      .select((eb) =>
        eb.selectFrom('cameras').whereRef('cameras.site_id', '=', 'sites.id').select(eb.fn.countAll<number>().as('n')).as('camera_count'),
      );
  }

  async listSites(query: SiteQuery, scope: string): Promise<{ rows: SiteWithCount[]; total: number }> {
    const filter = siteFilter(query, scope);
    const { total } = await this.db.selectFrom('sites').where(filter).select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await this.siteSelect().where(filter).orderBy('sites.code').limit(query.limit).offset(query.offset).execute();
    return { rows: rows.map(withCount), total: Number(total) };
  }

  async getSite(id: string): Promise<SiteWithCount | undefined> {
    const row = await this.siteSelect().where('sites.id', '=', id).executeTakeFirst();
    return row && withCount(row);
  }

  findSitesByCodes(codes: string[]): Promise<SiteRow[]> {
    if (!codes.length) return Promise.resolve([]);
    return this.db.selectFrom('sites').selectAll().where('code', 'in', codes).execute();
  }

  /** Which of these codes or ids are taken (by any site, in scope or not). */
  takenKeys(codes: string[], ids: string[]): Promise<{ codes: Set<string>; ids: Set<string> }> {
    return takenKeys(this.db, 'sites', codes, ids);
  }

  /** All in one transaction, in batches. */
  async insertSites(rows: NewSite[]): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      for (const batch of chunks(rows)) await trx.insertInto('sites').values(batch).execute();
    });
  }

  async updateSite(id: string, changes: SiteChanges): Promise<void> {
    await this.db.updateTable('sites').set({ ...changes, updated_at: new Date() }).where('id', '=', id).execute();
  }

  async deleteSite(id: string): Promise<void> {
    await this.db.deleteFrom('sites').where('id', '=', id).execute();
  }

  /** Whether any site marked as demo data exists. */
  async hasDemoSites(): Promise<boolean> {
    const row = await this.db.selectFrom('sites').select('id').where('demo', '=', true).limit(1).executeTakeFirst();
    return row !== undefined;
  }
}

function siteFilter(query: SiteQuery, scope: string) {
  return (eb: ExpressionBuilder<DB, 'sites'>) => {
    const where: Expression<SqlBool>[] = [inScope('sites.scope_path', scope)];
    if (query.city) where.push(eb('sites.city_id', '=', query.city));
    if (!query.status) where.push(eb('sites.status', '<>', 'planned'));
    else if (query.status !== 'all') where.push(eb('sites.status', '=', query.status));
    if (query.phase !== undefined) where.push(eb('sites.phase', '=', query.phase));
    if (query.owner) where.push(eb('sites.owner', '=', query.owner));
    if (query.q) {
      const pattern = likeAny(query.q);
      where.push(eb.or([eb('sites.name', 'ilike', pattern), eb('sites.code', 'ilike', pattern), eb('sites.address', 'ilike', pattern)]));
    }
    return eb.and(where);
  };
}

function withCount<T extends { camera_count: number | string | bigint | null }>(row: T): T & { camera_count: number } {
  return { ...row, camera_count: Number(row.camera_count ?? 0) };
}

/** Both network repositories over one connection, so a caller can change several tables at once. */
export class NetworkStore {
  readonly sites: NetworkRepository;
  readonly cameras: CameraRepository;

  constructor(private readonly db: Db) {
    this.sites = new NetworkRepository(db);
    this.cameras = new CameraRepository(db);
  }

  /** Runs fn with repositories bound to one transaction: all of its writes land, or none. */
  transaction<T>(fn: (store: NetworkStore) => Promise<T>): Promise<T> {
    return inTransaction(this.db, (trx) => fn(new NetworkStore(trx)));
  }
}
