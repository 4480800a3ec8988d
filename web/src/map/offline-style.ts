import type { LayerSpecification, SourceSpecification, StyleSpecification } from 'maplibre-gl';
import type { MapConfig } from '../api/types.ts';
import { graticule } from './graticule.ts';
import { networkLayers, networkSources } from './network-layers.ts';

// The console runs in an air-gapped data centre: the default style loads nothing. A dark background
// and a generated graticule stand in for a base map; a tile server on the local network, named by
// map.tileUrl in safecity.yaml, is drawn under the points when configured. No glyphs or sprites.

export const BACKGROUND = '#0b1118';
export const GRATICULE = 'graticule';
export const GRATICULE_FINE = 'graticule-fine';

export function offlineStyle(config: MapConfig): StyleSpecification {
  const sources: Record<string, SourceSpecification> = { ...networkSources() };
  const layers: LayerSpecification[] = [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }];

  if (config.tileUrl) {
    sources.base = { type: 'raster', tiles: [config.tileUrl], tileSize: 256, maxzoom: 19 };
    layers.push({ id: 'base', type: 'raster', source: 'base', paint: { 'raster-brightness-max': 0.85 } });
  } else {
    sources[GRATICULE] = { type: 'geojson', data: graticule(1) };
    // Filled with tenth-of-a-degree lines around the network once it is loaded.
    sources[GRATICULE_FINE] = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
    layers.push(
      { id: 'graticule-fine', type: 'line', source: GRATICULE_FINE, minzoom: 8, paint: { 'line-color': '#141d27', 'line-width': 1 } },
      { id: 'graticule-minor', type: 'line', source: GRATICULE, minzoom: 4, filter: ['!', ['get', 'major']], paint: { 'line-color': '#1b2633', 'line-width': 1 } },
      { id: 'graticule-major', type: 'line', source: GRATICULE, filter: ['get', 'major'], paint: { 'line-color': '#26364a', 'line-width': 1 } },
    );
  }
  layers.push(...networkLayers());
  return { version: 8, name: 'safecity offline', sources, layers };
}
