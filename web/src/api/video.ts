import { getToken } from '../auth/session.ts';
import { api, ApiError } from './http.ts';

/** What the camera's ingest last saw of it (`GET /api/cameras/:id/health`); any figure may be missing. */
export interface CameraHealth {
  status: string;
  statusSince?: string | null;
  fps?: number | null;
  bitrateKbps?: number | null;
  lastFrameAt?: string | null;
  reconnects?: number | null;
  /** Share of the last day the camera was online, 0–100. */
  uptimePercent?: number | null;
}

const cameraPath = (id: string, rest: string) => `/api/cameras/${encodeURIComponent(id)}/${rest}`;

/** The latest keyframe as JPEG; the token is in the address so a link or an <img> can open it. */
export function snapshotUrl(cameraId: string): string {
  return `${cameraPath(cameraId, 'snapshot.jpg')}?token=${encodeURIComponent(getToken() ?? '')}`;
}

/**
 * The camera's health, or null when there is none to show: the server has no health route, or no
 * ingest has reported on this camera yet (both answer 404 for a camera the page has just loaded).
 */
export async function getCameraHealth(cameraId: string, signal?: AbortSignal): Promise<CameraHealth | null> {
  try {
    return await api<CameraHealth>(cameraPath(cameraId, 'health'), { signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}
