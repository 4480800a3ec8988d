import { api } from './http.ts';
import type {
  Camera,
  CameraFeatureProperties,
  CameraKind,
  CameraStatus,
  City,
  FeatureCollection,
  MapConfig,
  Owner,
  Page,
  Site,
  SiteStatus,
} from './types.ts';

export interface CameraQuery {
  city?: string;
  siteId?: string;
  status?: CameraStatus;
  kind?: CameraKind;
  owner?: Owner;
  q?: string;
  limit?: number;
  offset?: number;
}

export interface SiteQuery {
  city?: string;
  /** Left out: every site but planned ones; `all` includes them. */
  status?: SiteStatus | 'all';
  q?: string;
  limit?: number;
  offset?: number;
}

/** The server caps `limit` at this many rows. */
export const MAX_PAGE = 1000;

export function getMapConfig(signal?: AbortSignal): Promise<MapConfig> {
  return api<MapConfig>('/api/config/map', { signal });
}

export function listCities(signal?: AbortSignal): Promise<Page<City>> {
  return api<Page<City>>('/api/cities', { signal });
}

export function listSites(query: SiteQuery = {}, signal?: AbortSignal): Promise<Page<Site>> {
  return api<Page<Site>>('/api/sites', { query: { ...query }, signal });
}

/** Every site the user may see, fetched page by page. */
export async function listAllSites(query: Omit<SiteQuery, 'limit' | 'offset'> = {}, signal?: AbortSignal): Promise<Site[]> {
  const out: Site[] = [];
  for (;;) {
    const page = await listSites({ ...query, limit: MAX_PAGE, offset: out.length }, signal);
    out.push(...page.items);
    if (page.items.length === 0 || out.length >= page.total) return out;
  }
}

export function listCameras(query: CameraQuery = {}, signal?: AbortSignal): Promise<Page<Camera>> {
  return api<Page<Camera>>('/api/cameras', { query: { ...query }, signal });
}

export function getCamera(id: string, signal?: AbortSignal): Promise<Camera> {
  return api<Camera>(`/api/cameras/${encodeURIComponent(id)}`, { signal });
}

export function getCameraFeatures(signal?: AbortSignal): Promise<FeatureCollection<CameraFeatureProperties>> {
  return api<FeatureCollection<CameraFeatureProperties>>('/api/map/cameras', { signal });
}
