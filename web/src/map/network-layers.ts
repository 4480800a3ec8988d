import type { ExpressionSpecification, LayerSpecification, SourceSpecification } from 'maplibre-gl';
import type { FeatureCollection, Point } from 'geojson';
import type { CameraFeatureProperties } from '../api/types.ts';
import { STATUS_COLOURS } from '../network/camera-status.ts';

// The network drawn on the map: cities (overview zooms), sites, cameras, and a ring on the selection.
// Circle layers only, so the style needs no glyphs or sprites from anywhere.

export const CAMERA_LAYER = 'cameras';
export const SITE_LAYER = 'sites';
export const PLANNED_SITE_LAYER = 'sites-planned';
export const CITY_LAYER = 'cities';
export const SELECTION_LAYER = 'selection';
export const CLICKABLE_LAYERS = [CAMERA_LAYER, SITE_LAYER, PLANNED_SITE_LAYER, CITY_LAYER];

/** Layers the legend can switch on and off, and whether they start on. */
export const TOGGLABLE_LAYERS = {
  sites: { id: SITE_LAYER, label: 'Sites', visible: true },
  planned: { id: PLANNED_SITE_LAYER, label: 'Planned sites', visible: false },
  cities: { id: CITY_LAYER, label: 'Cities', visible: true },
} as const;
export type ToggleKey = keyof typeof TOGGLABLE_LAYERS;

export const SOURCES = { cameras: 'cameras', sites: 'sites', cities: 'cities', selection: 'selection' } as const;

const empty = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] });

export function networkSources(): Record<string, SourceSpecification> {
  return {
    // promoteId lets live status updates address a camera by its own id through feature-state.
    [SOURCES.cameras]: { type: 'geojson', data: empty(), promoteId: 'id' },
    [SOURCES.sites]: { type: 'geojson', data: empty(), promoteId: 'id' },
    [SOURCES.cities]: { type: 'geojson', data: empty(), promoteId: 'id' },
    [SOURCES.selection]: { type: 'geojson', data: empty() },
  };
}

/** A camera's status: the live one pushed over the event stream if any, else the one loaded. */
const cameraStatus: ExpressionSpecification = ['to-string', ['coalesce', ['feature-state', 'status'], ['get', 'status']]];

export function networkLayers(): LayerSpecification[] {
  return [
    {
      id: CITY_LAYER,
      type: 'circle',
      source: SOURCES.cities,
      maxzoom: 10,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 8, 9, 18],
        'circle-color': 'rgba(148, 163, 184, 0.08)',
        'circle-stroke-color': ['match', ['get', 'status'], 'planned', STATUS_COLOURS.planned, '#94a3b8'],
        'circle-stroke-width': 1.5,
        'circle-opacity': ['interpolate', ['linear'], ['zoom'], 8, 1, 10, 0],
        'circle-stroke-opacity': ['interpolate', ['linear'], ['zoom'], 8, 1, 10, 0],
      },
    },
    {
      // Phase-2 planning: hundreds of sites without cameras, off until asked for.
      id: PLANNED_SITE_LAYER,
      type: 'circle',
      source: SOURCES.sites,
      minzoom: 9,
      filter: ['==', ['get', 'status'], 'planned'],
      layout: { visibility: TOGGLABLE_LAYERS.planned.visible ? 'visible' : 'none' },
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 2, 13, 5, 17, 10],
        'circle-color': 'rgba(59, 130, 246, 0.08)',
        'circle-stroke-color': 'rgba(59, 130, 246, 0.55)',
        'circle-stroke-width': 1,
      },
    },
    {
      id: SITE_LAYER,
      type: 'circle',
      source: SOURCES.sites,
      minzoom: 9,
      filter: ['!=', ['get', 'status'], 'planned'],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 4, 13, 9, 17, 18],
        'circle-color': 'rgba(148, 163, 184, 0.14)',
        'circle-stroke-color': ['match', ['get', 'status'], 'decommissioned', '#475569', '#94a3b8'],
        'circle-stroke-width': 1,
      },
    },
    {
      id: CAMERA_LAYER,
      type: 'circle',
      source: SOURCES.cameras,
      layout: {
        // Problems draw on top of healthy cameras where points overlap.
        'circle-sort-key': ['match', ['get', 'status'], 'offline', 3, 'maintenance', 2, 'online', 1, 0],
      },
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 2.5, 10, 4, 14, 6, 18, 9],
        'circle-color': [
          'match', cameraStatus,
          'online', STATUS_COLOURS.online,
          'offline', STATUS_COLOURS.offline,
          'maintenance', STATUS_COLOURS.maintenance,
          'planned', 'rgba(0, 0, 0, 0)',
          STATUS_COLOURS.unknown,
        ],
        'circle-stroke-color': ['match', cameraStatus, 'planned', STATUS_COLOURS.planned, '#05080c'],
        'circle-stroke-width': ['match', cameraStatus, 'planned', 1.5, 0.75],
      },
    },
    {
      id: SELECTION_LAYER,
      type: 'circle',
      source: SOURCES.selection,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 8, 14, 12, 18, 16],
        'circle-color': 'rgba(0, 0, 0, 0)',
        'circle-stroke-color': '#f8fafc',
        'circle-stroke-width': 2,
      },
    },
  ];
}

/** Sites and cities as points; the side panel looks the full record up by `id`. */
export function pointFeatures(items: { id: string; name: string; status: string; lon: number | null; lat: number | null }[]): FeatureCollection<Point, { id: string; name: string; status: string }> {
  return {
    type: 'FeatureCollection',
    features: items.filter((item) => item.lon !== null && item.lat !== null).map((item) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [item.lon!, item.lat!] },
      properties: { id: item.id, name: item.name, status: item.status },
    })),
  };
}

export type CameraCollection = FeatureCollection<Point, CameraFeatureProperties>;
