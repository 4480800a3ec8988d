import type { CameraFeatureProperties, City, Site } from '../api/types.ts';
import type { CameraCollection } from './network-layers.ts';

/** Everything the map shows, with lookups by id for the side panel. */
export interface NetworkData {
  cameras: CameraCollection;
  sites: Site[];
  cities: City[];
  camerasById: Map<string, { props: CameraFeatureProperties; lon: number; lat: number }>;
  sitesById: Map<string, Site>;
  citiesById: Map<string, City>;
}

export function networkData(cameras: CameraCollection, sites: Site[], cities: City[]): NetworkData {
  return {
    cameras,
    sites,
    cities,
    camerasById: new Map(
      cameras.features.map((f) => [f.properties.id, { props: f.properties, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }]),
    ),
    sitesById: new Map(sites.map((s) => [s.id, s])),
    citiesById: new Map(cities.map((c) => [c.id, c])),
  };
}

export type Selection = { kind: 'camera' | 'site' | 'city'; id: string };

export function positionOf(data: NetworkData, sel: Selection): [number, number] | null {
  if (sel.kind === 'camera') {
    const c = data.camerasById.get(sel.id);
    return c ? [c.lon, c.lat] : null;
  }
  const item = sel.kind === 'site' ? data.sitesById.get(sel.id) : data.citiesById.get(sel.id);
  return item && item.lon !== null && item.lat !== null ? [item.lon, item.lat] : null;
}
