import type { AuditService } from '../audit/audit.service.ts';
import { pathInScope, type Actor } from '../identity/actor.ts';
import type { EventBus } from '../platform/bus/bus.ts';
import type { StreamRow } from '../platform/db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/http/errors.ts';
import type { CameraChanges, CameraRepository, CameraWithSite, NewCamera } from './camera.repository.ts';
import type { NetworkRepository, SiteWithCount } from './network.repository.ts';
import {
  idFromCode,
  type CameraCreate,
  type CameraFeatureCollection,
  type CameraJson,
  type CameraPatch,
  type CameraQuery,
  type StreamInput,
} from './network.schema.ts';
import { requireInScope } from './guards.ts';
import { isForeignKeyViolation, isUniqueViolation } from './sql.ts';
import { hasRedactedSecret, keepRedactedSecrets, redactStreamUrl } from './stream-url.ts';

/** Metres searched around `near` when the query names no radius. */
export const DEFAULT_RADIUS_M = 1000;

/** A camera as other domains see it inside the server: stream URLs whole, with credentials. Never sent over HTTP. */
export interface CameraRecord {
  id: string;
  code: string;
  siteId: string;
  siteName: string;
  cityId: string;
  /** The site's scope path: the camera is in every scope that contains it. */
  scopePath: string;
  name: string;
  kind: CameraJson['kind'];
  resolution: string;
  owner: CameraJson['owner'];
  phase: number;
  status: CameraJson['status'];
  lat: number;
  lon: number;
  heading: number | null;
  streams: StreamRow[];
  retentionDays: number | null;
  demo: boolean;
}

/** What an actor may be shown, plus the scope path for the caller's own checks and audit entries. */
export type CameraView = CameraJson & { scopePath: string };

export function redactStreams(streams: StreamRow[]): StreamRow[] {
  return streams.map((s) => ({ role: s.role, url: redactStreamUrl(s.url) }));
}

export function toCameraJson(r: CameraWithSite): CameraJson {
  const json: CameraJson = {
    id: r.id,
    code: r.code,
    siteId: r.site_id,
    siteName: r.site_name,
    cityId: r.city_id,
    name: r.name,
    kind: r.kind,
    resolution: r.resolution,
    owner: r.owner,
    phase: r.phase,
    status: r.status,
    lat: r.lat,
    lon: r.lon,
    heading: r.heading,
    streams: redactStreams(r.streams),
    retentionDays: r.retention_days,
    demo: r.demo,
  };
  if (r.distance_m !== undefined && r.distance_m !== null) json.distanceM = Math.round(Number(r.distance_m) * 10) / 10;
  return json;
}

function toCameraRecord(r: CameraWithSite): CameraRecord {
  return {
    id: r.id, code: r.code, siteId: r.site_id, siteName: r.site_name, cityId: r.city_id, scopePath: r.scope_path, name: r.name,
    kind: r.kind, resolution: r.resolution, owner: r.owner, phase: r.phase, status: r.status, lat: r.lat, lon: r.lon,
    heading: r.heading, streams: r.streams, retentionDays: r.retention_days, demo: r.demo,
  };
}

/** The row for a new camera; what the input leaves out comes from its site. */
export function newCameraRow(id: string, input: Omit<CameraCreate, 'id' | 'siteId'>, site: Pick<SiteWithCount, 'id' | 'owner' | 'phase' | 'lat' | 'lon'>): NewCamera {
  return {
    id,
    code: input.code,
    site_id: site.id,
    name: input.name,
    kind: input.kind,
    resolution: input.resolution,
    owner: input.owner ?? site.owner,
    phase: input.phase ?? site.phase,
    status: input.status,
    streams: JSON.stringify(input.streams ?? []),
    lat: input.lat ?? site.lat,
    lon: input.lon ?? site.lon,
    heading: input.heading ?? null,
    retention_days: input.retentionDays ?? null,
  };
}

/** Stream changes as they may be written to the audit log: no secrets. */
function auditable<T extends { streams?: StreamInput[] }>(input: T): T {
  return input.streams ? { ...input, streams: redactStreams(input.streams) } : input;
}

function checkNoPlaceholders(streams: StreamInput[]): void {
  streams.forEach((s, i) => {
    if (hasRedactedSecret(s.url)) throw new ValidationError('holds "***" where a password or key belongs: send the real one, or the URL exactly as shown to keep the stored one', `streams.${i}.url`);
  });
}

/** Cameras: listing, viewing and changing them for people, and the internal view for ingest and video. */
export class NetworkService {
  constructor(
    private readonly cameras: CameraRepository,
    private readonly sites: NetworkRepository,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  async listCameras(actor: Actor, query: CameraQuery): Promise<{ items: CameraJson[]; total: number }> {
    const radius = query.radius ?? DEFAULT_RADIUS_M;
    const { rows, total } = await this.cameras.list(query, actor.scopePath, radius);
    const filter = query.near ? { ...query, radius } : query;
    await this.audit.record(actor, { action: 'camera.list', details: { filter, total, returned: rows.length } });
    return { items: rows.map(toCameraJson), total };
  }

  /** One camera for a person: audited as `camera.view`, 404 when missing or out of scope. */
  async viewCamera(actor: Actor, id: string): Promise<CameraJson> {
    const camera = await this.load(actor, id, 'camera.view');
    await this.audit.record(actor, { action: 'camera.view', targetType: 'camera', targetId: id, scopePath: camera.scope_path });
    return toCameraJson(camera);
  }

  /**
   * For other domains (live, playback, export): the camera if the actor may see it, else NotFoundError.
   * Not audited here: the caller audits what it does with the camera. Stream URLs are redacted; the
   * ingest takes them whole from getCameraInternal.
   */
  async getCameraForActor(actor: Actor, id: string): Promise<CameraView> {
    const camera = await this.cameras.get(id);
    if (!camera || !pathInScope(actor.scopePath, camera.scope_path)) throw new NotFoundError('camera', id);
    return { ...toCameraJson(camera), scopePath: camera.scope_path };
  }

  /** The whole camera, credentials included, for the ingest. Never return this over HTTP. */
  async getCameraInternal(id: string): Promise<CameraRecord> {
    const camera = await this.cameras.get(id);
    if (!camera) throw new NotFoundError('camera', id);
    return toCameraRecord(camera);
  }

  /** Cameras the ingest manager should run: a record or live stream, not planned or under maintenance, on an active site. */
  async listIngestCameras(): Promise<CameraRecord[]> {
    return (await this.cameras.ingestable()).map(toCameraRecord);
  }

  /** Every camera in scope as map points (GeoJSON, [lon, lat]). */
  async mapCameras(actor: Actor): Promise<CameraFeatureCollection> {
    const points = await this.cameras.mapPoints(actor.scopePath);
    await this.audit.record(actor, { action: 'camera.map', details: { total: points.length } });
    return {
      type: 'FeatureCollection',
      features: points.map((p) => ({
        type: 'Feature' as const,
        id: p.id,
        geometry: { type: 'Point' as const, coordinates: [p.lon, p.lat] as [number, number] },
        properties: { id: p.id, name: p.name, code: p.code, status: p.status, kind: p.kind, owner: p.owner, siteId: p.site_id },
      })),
    };
  }

  async createCamera(actor: Actor, input: CameraCreate): Promise<CameraJson> {
    const site = await this.siteFor(actor, input.siteId);
    const id = input.id ?? idFromCode(input.code);
    if ((input.lat === undefined) !== (input.lon === undefined)) throw new ValidationError('give both lat and lon, or neither (the site position)', input.lat === undefined ? 'lat' : 'lon');
    checkNoPlaceholders(input.streams ?? []);
    await this.checkFree(input.code, id);
    try {
      await this.cameras.insertMany([newCameraRow(id, input, site)]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`camera code "${input.code}" or id "${id}" is already used`, 'code');
      throw err;
    }
    await this.audit.record(actor, { action: 'camera.create', targetType: 'camera', targetId: id, scopePath: site.scope_path, details: auditable(input) });
    await this.bus.publish('network.camera.changed', { cameraId: id, siteId: site.id, scopePath: site.scope_path, change: 'created' });
    return toCameraJson((await this.cameras.get(id))!);
  }

  async updateCamera(actor: Actor, id: string, patch: CameraPatch): Promise<CameraJson> {
    const camera = await this.load(actor, id, 'camera.update');
    const changes: CameraChanges = {};
    let scopePath = camera.scope_path;
    if (patch.siteId !== undefined && patch.siteId !== camera.site_id) {
      const site = await this.siteFor(actor, patch.siteId);
      changes.site_id = site.id;
      scopePath = site.scope_path;
    }
    if (patch.code !== undefined && patch.code !== camera.code) {
      await this.checkFree(patch.code);
      changes.code = patch.code;
    }
    if (patch.streams !== undefined) {
      const stored = new Map(camera.streams.map((s) => [s.role, s.url]));
      const streams = patch.streams.map((s) => ({ role: s.role, url: keepRedactedSecrets(s.url, stored.get(s.role)) }));
      checkNoPlaceholders(streams);
      changes.streams = JSON.stringify(streams);
    }
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.kind !== undefined) changes.kind = patch.kind;
    if (patch.resolution !== undefined) changes.resolution = patch.resolution;
    if (patch.owner !== undefined) changes.owner = patch.owner;
    if (patch.phase !== undefined) changes.phase = patch.phase;
    if (patch.status !== undefined) changes.status = patch.status;
    if (patch.lat !== undefined) changes.lat = patch.lat;
    if (patch.lon !== undefined) changes.lon = patch.lon;
    if (patch.heading !== undefined) changes.heading = patch.heading;
    if (patch.retentionDays !== undefined) changes.retention_days = patch.retentionDays;
    try {
      await this.cameras.update(id, changes);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`camera code "${patch.code}" is already used`, 'code');
      throw err;
    }
    await this.audit.record(actor, { action: 'camera.update', targetType: 'camera', targetId: id, scopePath, details: { changes: auditable(patch) } });
    await this.bus.publish('network.camera.changed', { cameraId: id, siteId: changes.site_id ?? camera.site_id, scopePath, change: 'updated' });
    return toCameraJson((await this.cameras.get(id))!);
  }

  async deleteCamera(actor: Actor, id: string): Promise<void> {
    const camera = await this.load(actor, id, 'camera.delete');
    try {
      await this.cameras.delete(id);
    } catch (err) {
      if (!isForeignKeyViolation(err)) throw err;
      throw new ConflictError(`camera "${id}" has recordings or exports, which are kept as evidence: set its status to maintenance to take it out of service (it can be deleted only once it has neither)`);
    }
    await this.audit.record(actor, { action: 'camera.delete', targetType: 'camera', targetId: id, scopePath: camera.scope_path, details: { code: camera.code, name: camera.name, siteId: camera.site_id } });
    await this.bus.publish('network.camera.changed', { cameraId: id, siteId: camera.site_id, scopePath: camera.scope_path, change: 'deleted' });
  }

  private async load(actor: Actor, id: string, action: string): Promise<CameraWithSite> {
    return requireInScope(this.audit, actor, { action, targetType: 'camera', id }, await this.cameras.get(id), (c) => c.scope_path);
  }

  /** The site a camera goes on; missing and out-of-scope sites read the same. */
  private async siteFor(actor: Actor, siteId: string): Promise<SiteWithCount> {
    const site = await this.sites.getSite(siteId);
    if (!site || !pathInScope(actor.scopePath, site.scope_path)) throw new ValidationError(`no site "${siteId}"`, 'siteId');
    return site;
  }

  private async checkFree(code: string, id?: string): Promise<void> {
    const taken = await this.cameras.takenKeys([code], id ? [id] : []);
    if (taken.codes.has(code)) throw new ConflictError(`camera code "${code}" is already used`, 'code');
    if (id && taken.ids.has(id)) throw new ConflictError(`camera id "${id}" is already used`, 'id');
  }
}
