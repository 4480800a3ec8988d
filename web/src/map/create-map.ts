import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { MapConfig } from '../api/types.ts';
import { offlineStyle } from './offline-style.ts';

declare global {
  interface Window {
    /** The console's map, for browser tests and for debugging from the devtools console. */
    __safecityMap?: MapLibreMap;
  }
}

// Bundled, MapLibre cannot find its worker next to itself; serve it from our own assets.
setWorkerUrl(workerUrl);

export function createMap(container: HTMLElement, config: MapConfig): MapLibreMap {
  const map = new MapLibreMap({
    container,
    style: offlineStyle(config),
    center: config.center,
    zoom: config.zoom,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxPitch: 0,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
  return map;
}
