import type { FeatureCollection, LineString } from 'geojson';

export interface Bounds {
  west: number;
  south: number;
  east: number;
  north: number;
}

const WORLD: Bounds = { west: -180, south: -85, east: 180, north: 85 };

function round(n: number) {
  return Math.round(n * 1e6) / 1e6;
}

/**
 * Graticule lines every `step` degrees inside `bounds`, as two-point lines (straight on Web Mercator).
 * It is the offline base map's only geography: enough to judge distance and direction without tiles.
 */
export function graticule(step: number, bounds: Bounds = WORLD): FeatureCollection<LineString, { major: boolean }> {
  const features: FeatureCollection<LineString, { major: boolean }>['features'] = [];
  const from = (v: number) => Math.ceil(round(v / step)) * step;
  const isMajor = (v: number) => Math.abs(v / 10 - Math.round(v / 10)) < 1e-9;
  for (let lon = from(bounds.west); lon <= bounds.east + 1e-9; lon += step) {
    const x = round(lon);
    features.push({ type: 'Feature', properties: { major: isMajor(x) }, geometry: { type: 'LineString', coordinates: [[x, bounds.south], [x, bounds.north]] } });
  }
  for (let lat = from(bounds.south); lat <= bounds.north + 1e-9; lat += step) {
    const y = round(lat);
    features.push({ type: 'Feature', properties: { major: isMajor(y) }, geometry: { type: 'LineString', coordinates: [[bounds.west, y], [bounds.east, y]] } });
  }
  return { type: 'FeatureCollection', features };
}

/** The bounds of a set of [lon, lat] points, or null when there are none. */
export function boundsOf(points: Iterable<readonly [number, number]>): Bounds | null {
  let b: Bounds | null = null;
  for (const [lon, lat] of points) {
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) continue;
    if (!b) b = { west: lon, south: lat, east: lon, north: lat };
    else {
      b.west = Math.min(b.west, lon);
      b.east = Math.max(b.east, lon);
      b.south = Math.min(b.south, lat);
      b.north = Math.max(b.north, lat);
    }
  }
  return b;
}

export function pad(b: Bounds, degrees: number): Bounds {
  return {
    west: Math.max(-180, b.west - degrees),
    south: Math.max(-85, b.south - degrees),
    east: Math.min(180, b.east + degrees),
    north: Math.min(85, b.north + degrees),
  };
}
