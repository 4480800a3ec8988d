import type { CameraStatus } from '../api/types.ts';

/** One palette for the map, the legend and the tables, so a status looks the same everywhere. */
export const STATUS_COLOURS: Record<CameraStatus, string> = {
  online: '#22c55e',
  offline: '#ef4444',
  unknown: '#9ca3af',
  maintenance: '#f59e0b',
  planned: '#3b82f6',
};

export const STATUS_LABELS: Record<CameraStatus, string> = {
  online: 'Online',
  offline: 'Offline',
  unknown: 'Unknown',
  maintenance: 'Maintenance',
  planned: 'Planned',
};

export function statusColour(status: string): string {
  return STATUS_COLOURS[status as CameraStatus] ?? STATUS_COLOURS.unknown;
}

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as CameraStatus] ?? status;
}
