import { useEffect, useRef, useState } from 'react';
import type { GeoJSON } from 'geojson';
import type { GeoJSONSource, Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { isAbort } from '../api/http.ts';
import { getCameraFeatures, getMapConfig, listAllSites, listCities } from '../api/network.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { createMap } from './create-map.ts';
import { boundsOf, graticule, pad } from './graticule.ts';
import { MapLegend } from './MapLegend.tsx';
import { MapSidePanel } from './MapSidePanel.tsx';
import { networkData, positionOf, type NetworkData, type Selection } from './network-data.ts';
import {
  CAMERA_LAYER,
  CITY_LAYER,
  CLICKABLE_LAYERS,
  PLANNED_SITE_LAYER,
  SITE_LAYER,
  SOURCES,
  TOGGLABLE_LAYERS,
  pointFeatures,
  type ToggleKey,
} from './network-layers.ts';
import { GRATICULE_FINE } from './offline-style.ts';
import { useLiveCameraStatus } from './use-live-camera-status.ts';

const KIND_BY_LAYER: Record<string, Selection['kind']> = { [CAMERA_LAYER]: 'camera', [SITE_LAYER]: 'site', [PLANNED_SITE_LAYER]: 'site', [CITY_LAYER]: 'city' };
const INITIAL_LAYERS = Object.fromEntries(Object.entries(TOGGLABLE_LAYERS).map(([k, v]) => [k, v.visible])) as Record<ToggleKey, boolean>;
const CLICK_SLOP_PX = 5;

function setSourceData(map: MapLibreMap, id: string, data: GeoJSON) {
  (map.getSource(id) as GeoJSONSource | undefined)?.setData(data);
}

export function MapPage({ focusCameraId }: { focusCameraId: string | null }) {
  const container = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [data, setData] = useState<NetworkData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [layers, setLayers] = useState(INITIAL_LAYERS);
  const fitted = useRef(false);
  const live = useLiveCameraStatus(map, data?.cameras ?? null);

  // The map waits for /api/config/map: a configured tile server belongs in the style from the start.
  useEffect(() => {
    const ctrl = new AbortController();
    let created: MapLibreMap | null = null;
    getMapConfig(ctrl.signal).then(
      (config) => {
        if (ctrl.signal.aborted || !container.current) return;
        const m = createMap(container.current, config);
        created = m;
        window.__safecityMap = m;
        m.once('load', () => setMap(m));
      },
      (err) => isAbort(err) || setError(err),
    );
    return () => {
      ctrl.abort();
      if (created) {
        if (window.__safecityMap === created) delete window.__safecityMap;
        created.remove();
      }
      setMap(null);
      fitted.current = false;
    };
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    Promise.all([getCameraFeatures(ctrl.signal), listAllSites({ status: 'all' }, ctrl.signal), listCities(ctrl.signal)]).then(
      ([cameras, sites, cities]) => setData(networkData(cameras, sites, cities.items)),
      (err) => isAbort(err) || setError(err),
    );
    return () => ctrl.abort();
  }, []);

  useEffect(() => {
    if (!map || !data) return;
    setSourceData(map, SOURCES.cameras, data.cameras);
    setSourceData(map, SOURCES.sites, pointFeatures(data.sites));
    setSourceData(map, SOURCES.cities, pointFeatures(data.cities));
    const area = boundsOf([...data.cameras.features.map((f) => f.geometry.coordinates as [number, number]), ...data.sites.map((s) => [s.lon, s.lat] as const)]);
    if (area) setSourceData(map, GRATICULE_FINE, graticule(0.1, pad(area, 0.5)));
  }, [map, data]);

  // Fit to the user's network once; or, when asked for one camera (#/map?camera=id), centre on it.
  useEffect(() => {
    if (!map || !data) return;
    const focus = focusCameraId ? data.camerasById.get(focusCameraId) : undefined;
    if (focus) {
      setSelection({ kind: 'camera', id: focusCameraId! });
      map.jumpTo({ center: [focus.lon, focus.lat], zoom: Math.max(map.getZoom(), 16) });
      fitted.current = true;
      return;
    }
    if (fitted.current) return;
    fitted.current = true;
    const cams = data.cameras.features.map((f) => f.geometry.coordinates as [number, number]);
    const b = boundsOf(cams.length ? cams : data.sites.map((s) => [s.lon, s.lat] as const));
    if (!b) return;
    map.fitBounds([[b.west, b.south], [b.east, b.north]], { padding: 64, maxZoom: 15, duration: 0 });
  }, [map, data, focusCameraId]);

  useEffect(() => {
    if (!map) return;
    const pick = (e: MapMouseEvent) => {
      const { x, y } = e.point;
      const [hit] = map.queryRenderedFeatures([[x - CLICK_SLOP_PX, y - CLICK_SLOP_PX], [x + CLICK_SLOP_PX, y + CLICK_SLOP_PX]], { layers: CLICKABLE_LAYERS });
      return hit && typeof hit.properties.id === 'string' ? { kind: KIND_BY_LAYER[hit.layer.id], id: hit.properties.id } : null;
    };
    const onClick = (e: MapMouseEvent) => setSelection(pick(e));
    const onMove = (e: MapMouseEvent) => {
      map.getCanvas().style.cursor = pick(e) ? 'pointer' : '';
    };
    map.on('click', onClick);
    map.on('mousemove', onMove);
    return () => {
      map.off('click', onClick);
      map.off('mousemove', onMove);
    };
  }, [map]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setSelection(null);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (!map || !data) return;
    const at = selection && positionOf(data, selection);
    setSourceData(map, SOURCES.selection, {
      type: 'FeatureCollection',
      features: at ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: at } }] : [],
    });
  }, [map, data, selection]);

  const toggle = (key: ToggleKey, visible: boolean) => {
    setLayers((l) => ({ ...l, [key]: visible }));
    map?.setLayoutProperty(TOGGLABLE_LAYERS[key].id, 'visibility', visible ? 'visible' : 'none');
  };

  return (
    <div className="map-page">
      <div ref={container} className="map-canvas" data-testid="map" />
      {error ? (
        <div className="map-overlay-top">
          <ErrorBanner error={error} />
        </div>
      ) : null}
      {!data && !error && <div className="map-overlay-top map-loading">Loading cameras…</div>}
      <MapLegend counts={live.counts} live={live.state} layers={layers} onToggle={toggle} />
      {data && selection && <MapSidePanel data={data} selection={selection} statusOf={live.statusOf} onClose={() => setSelection(null)} />}
    </div>
  );
}
