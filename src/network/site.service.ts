import type { AuditService } from '../audit/audit.service.ts';
import { pathInScope, type Actor } from '../identity/actor.ts';
import type { EventBus } from '../platform/bus/bus.ts';
import { ConflictError, ValidationError } from '../platform/http/errors.ts';
import type { CameraRepository } from './camera.repository.ts';
import { isUniqueViolation } from './sql.ts';
import type { NetworkRepository, NewSite, OrgUnitRow, SiteChanges, SiteWithCount } from './network.repository.ts';
import {
  idFromCode,
  type CityJson,
  type OrgUnitCreate,
  type OrgUnitJson,
  type SiteCreate,
  type SiteJson,
  type SitePatch,
  type SiteQuery,
} from './network.schema.ts';
import { requireInScope, unitVisible } from './guards.ts';

export function toSiteJson(r: SiteWithCount): SiteJson {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    cityId: r.city_id,
    policeStationId: r.police_station_id,
    lat: r.lat,
    lon: r.lon,
    address: r.address,
    phase: r.phase,
    status: r.status,
    owner: r.owner,
    plannedCameras: r.planned_cameras,
    cameraCount: r.camera_count,
    demo: r.demo,
  };
}

function toOrgUnitJson(u: OrgUnitRow): OrgUnitJson {
  return { id: u.id, parentId: u.parent_id, kind: u.kind, name: u.name, path: u.path, status: u.status, lat: u.lat, lon: u.lon, demo: u.demo };
}

export interface Placement {
  cityId: string;
  policeStationId: string | null;
  scopePath: string;
}

/** The row for a new site placed at `placement`. */
export function newSiteRow(id: string, input: Omit<SiteCreate, 'id' | 'cityId' | 'policeStationId'>, placement: Placement): NewSite {
  return {
    id,
    code: input.code,
    name: input.name,
    city_id: placement.cityId,
    police_station_id: placement.policeStationId,
    scope_path: placement.scopePath,
    lat: input.lat,
    lon: input.lon,
    address: input.address ?? null,
    phase: input.phase,
    status: input.status,
    owner: input.owner,
    planned_cameras: input.plannedCameras ?? null,
  };
}

/** Which parent kinds each kind of unit may hang under. */
const PARENT_KINDS: Record<OrgUnitCreate['kind'], OrgUnitRow['kind'][]> = {
  division: ['province'],
  city: ['province', 'division'],
  police_station: ['city'],
};

/** The organisation hierarchy and the sites in it. */
export class SiteService {
  constructor(
    private readonly sites: NetworkRepository,
    private readonly cameras: CameraRepository,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  // ---- hierarchy -------------------------------------------------------------------------------

  /** Whether a scope path names a real org unit or site (users' scopes must). */
  scopeExists(path: string): Promise<boolean> {
    return this.sites.pathExists(path);
  }

  async listCities(actor: Actor): Promise<{ items: CityJson[]; total: number }> {
    const stats = await this.sites.cityStats(actor.scopePath);
    const items = stats
      .filter((s) => unitVisible(actor.scopePath, s.city.path))
      .map((s) => ({
        id: s.city.id,
        name: s.city.name,
        status: s.city.status,
        sites: s.sites,
        plannedSites: s.plannedSites,
        cameras: s.cameras,
        lat: s.city.lat,
        lon: s.city.lon,
      }));
    await this.audit.record(actor, { action: 'city.list', details: { total: items.length } });
    return { items, total: items.length };
  }

  async listOrgUnits(actor: Actor, filter: { kind?: OrgUnitRow['kind']; parentId?: string }): Promise<{ items: OrgUnitJson[]; total: number }> {
    const items = (await this.sites.listOrgUnits())
      .filter((u) => unitVisible(actor.scopePath, u.path))
      .filter((u) => (!filter.kind || u.kind === filter.kind) && (!filter.parentId || u.parent_id === filter.parentId))
      .map(toOrgUnitJson);
    return { items, total: items.length };
  }

  async createOrgUnit(actor: Actor, input: OrgUnitCreate): Promise<OrgUnitJson> {
    const parent = await this.sites.getOrgUnit(input.parentId);
    if (!parent || !unitVisible(actor.scopePath, parent.path)) throw new ValidationError(`no unit "${input.parentId}"`, 'parentId');
    if (!PARENT_KINDS[input.kind].includes(parent.kind)) {
      throw new ValidationError(`a ${input.kind} goes under a ${PARENT_KINDS[input.kind].join(' or ')}, not a ${parent.kind}`, 'parentId');
    }
    const path = `${parent.path}.${input.id}`;
    if (!pathInScope(actor.scopePath, path)) throw new ValidationError(`no unit "${input.parentId}" inside your scope`, 'parentId');
    const inserted = await this.sites.insertOrgUnits([
      { id: input.id, parent_id: parent.id, kind: input.kind, name: input.name, path, lat: input.lat ?? null, lon: input.lon ?? null, status: input.status ?? 'active' },
    ]);
    if (!inserted) throw new ConflictError(`unit "${input.id}" already exists`, 'id');
    await this.audit.record(actor, { action: 'org_unit.create', targetType: 'org_unit', targetId: input.id, scopePath: path, details: { ...input } });
    return toOrgUnitJson((await this.sites.getOrgUnit(input.id))!);
  }

  /**
   * Where a site hangs: its city, optionally a police station of that city, and the scope path that
   * follows. A unit that is missing or outside the actor's scope is reported the same way.
   */
  async placeSite(actor: Actor, siteId: string, cityId: string, policeStationId: string | null): Promise<Placement> {
    const city = await this.sites.getOrgUnit(cityId);
    if (!city || city.kind !== 'city' || !unitVisible(actor.scopePath, city.path)) throw new ValidationError(`no city "${cityId}"`, 'cityId');
    let parentPath = city.path;
    if (policeStationId) {
      const station = await this.sites.getOrgUnit(policeStationId);
      if (!station || station.kind !== 'police_station' || station.parent_id !== city.id || !unitVisible(actor.scopePath, station.path)) {
        throw new ValidationError(`no police station "${policeStationId}" in city "${cityId}"`, 'policeStationId');
      }
      parentPath = station.path;
    }
    const scopePath = `${parentPath}.${siteId}`;
    if (!pathInScope(actor.scopePath, scopePath)) {
      // A station-level user may see their city but may only place sites at their own station.
      throw new ValidationError(`a site here would be outside your scope (${actor.scopePath})`, policeStationId ? 'policeStationId' : 'cityId');
    }
    return { cityId, policeStationId, scopePath };
  }

  // ---- sites -----------------------------------------------------------------------------------

  async listSites(actor: Actor, query: SiteQuery): Promise<{ items: SiteJson[]; total: number }> {
    const { rows, total } = await this.sites.listSites(query, actor.scopePath);
    await this.audit.record(actor, { action: 'site.list', details: { filter: query, total, returned: rows.length } });
    return { items: rows.map(toSiteJson), total };
  }

  async getSite(actor: Actor, id: string): Promise<SiteJson> {
    const site = await this.load(actor, id, 'site.view');
    await this.audit.record(actor, { action: 'site.view', targetType: 'site', targetId: id, scopePath: site.scope_path });
    return toSiteJson(site);
  }

  async createSite(actor: Actor, input: SiteCreate): Promise<SiteJson> {
    const id = input.id ?? idFromCode(input.code);
    const placement = await this.placeSite(actor, id, input.cityId, input.policeStationId ?? null);
    await this.checkFree(input.code, id);
    try {
      await this.sites.insertSites([newSiteRow(id, input, placement)]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`site code "${input.code}" or id "${id}" is already used`, 'code');
      throw err;
    }
    await this.audit.record(actor, { action: 'site.create', targetType: 'site', targetId: id, scopePath: placement.scopePath, details: { ...input } });
    await this.bus.publish('network.site.changed', { siteId: id, cityId: placement.cityId, scopePath: placement.scopePath, change: 'created' });
    return toSiteJson((await this.sites.getSite(id))!);
  }

  async updateSite(actor: Actor, id: string, patch: SitePatch): Promise<SiteJson> {
    const site = await this.load(actor, id, 'site.update');
    const changes: SiteChanges = {};
    if (patch.code !== undefined && patch.code !== site.code) {
      await this.checkFree(patch.code);
      changes.code = patch.code;
    }
    if (patch.cityId !== undefined || patch.policeStationId !== undefined) {
      const cityId = patch.cityId ?? site.city_id;
      // Moving to another city drops the old city's police station unless a new one is named.
      const stationId = patch.policeStationId !== undefined ? patch.policeStationId : cityId === site.city_id ? site.police_station_id : null;
      const placement = await this.placeSite(actor, id, cityId, stationId);
      changes.city_id = placement.cityId;
      changes.police_station_id = placement.policeStationId;
      changes.scope_path = placement.scopePath;
    }
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.lat !== undefined) changes.lat = patch.lat;
    if (patch.lon !== undefined) changes.lon = patch.lon;
    if (patch.address !== undefined) changes.address = patch.address;
    if (patch.phase !== undefined) changes.phase = patch.phase;
    if (patch.status !== undefined) changes.status = patch.status;
    if (patch.owner !== undefined) changes.owner = patch.owner;
    if (patch.plannedCameras !== undefined) changes.planned_cameras = patch.plannedCameras;
    try {
      await this.sites.updateSite(id, changes);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`site code "${patch.code}" is already used`, 'code');
      throw err;
    }
    const scopePath = changes.scope_path ?? site.scope_path;
    await this.audit.record(actor, { action: 'site.update', targetType: 'site', targetId: id, scopePath, details: { changes: patch, from: site.scope_path } });
    await this.bus.publish('network.site.changed', { siteId: id, cityId: changes.city_id ?? site.city_id, scopePath, change: 'updated' });
    return toSiteJson((await this.sites.getSite(id))!);
  }

  async deleteSite(actor: Actor, id: string): Promise<void> {
    const site = await this.load(actor, id, 'site.delete');
    const cameras = await this.cameras.countForSite(id);
    if (cameras > 0) throw new ConflictError(`site "${id}" still has ${cameras} camera(s): delete or move them first`);
    await this.sites.deleteSite(id);
    await this.audit.record(actor, { action: 'site.delete', targetType: 'site', targetId: id, scopePath: site.scope_path, details: { code: site.code, name: site.name } });
    await this.bus.publish('network.site.changed', { siteId: id, cityId: site.city_id, scopePath: site.scope_path, change: 'deleted' });
  }

  /** The site when the actor may see it; otherwise the attempt is audited and answered 404. */
  async load(actor: Actor, id: string, action: string): Promise<SiteWithCount> {
    return requireInScope(this.audit, actor, { action, targetType: 'site', id }, await this.sites.getSite(id), (s) => s.scope_path);
  }

  private async checkFree(code: string, id?: string): Promise<void> {
    const taken = await this.sites.takenKeys([code], id ? [id] : []);
    if (taken.codes.has(code)) throw new ConflictError(`site code "${code}" is already used`, 'code');
    if (id && taken.ids.has(id)) throw new ConflictError(`site id "${id}" is already used`, 'id');
  }
}
