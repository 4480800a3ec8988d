import { useEffect, useMemo, useRef, useState } from 'react';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { isCameraStatusEvent, openEventStream, type LiveState } from '../api/events.ts';
import { CAMERA_STATUSES, type CameraStatus } from '../api/types.ts';
import { SOURCES, type CameraCollection } from './network-layers.ts';

export type StatusCounts = Record<CameraStatus, number>;

export interface LiveCameraStatus {
  counts: StatusCounts;
  /** The latest known status of a camera: pushed live, else as loaded. */
  statusOf(id: string): CameraStatus | undefined;
  state: LiveState;
}

function zero(): StatusCounts {
  return Object.fromEntries(CAMERA_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/**
 * Keeps the camera layer's colours current from `video.camera.status` events: each event sets the
 * camera's feature-state, so one point is repainted and the GeoJSON is never re-sent to the worker.
 */
export function useLiveCameraStatus(map: MapLibreMap | null, cameras: CameraCollection | null): LiveCameraStatus {
  const statuses = useRef(new Map<string, CameraStatus>());
  const [counts, setCounts] = useState<StatusCounts>(zero);
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    const next = new Map<string, CameraStatus>();
    const c = zero();
    for (const f of cameras?.features ?? []) {
      const status = (CAMERA_STATUSES as readonly string[]).includes(f.properties.status) ? f.properties.status : 'unknown';
      next.set(f.properties.id, status);
      c[status]++;
    }
    statuses.current = next;
    setCounts(c);
  }, [cameras]);

  useEffect(() => {
    if (!map || !cameras) return;
    return openEventStream({
      onState: setState,
      onEvent(event) {
        if (!isCameraStatusEvent(event)) return;
        const { cameraId, status } = event.payload;
        const before = statuses.current.get(cameraId);
        if (before === undefined || before === status || !(CAMERA_STATUSES as readonly string[]).includes(status)) return;
        statuses.current.set(cameraId, status);
        map.setFeatureState({ source: SOURCES.cameras, id: cameraId }, { status });
        setCounts((c) => ({ ...c, [before]: c[before] - 1, [status]: c[status] + 1 }));
      },
    });
  }, [map, cameras]);

  return useMemo(() => ({ counts, state, statusOf: (id: string) => statuses.current.get(id) }), [counts, state]);
}
