// Hand-written to match the HTTP contract of the server (src/**/*.routes.ts); keep them in step.

export type Role = string;

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  scopePath: string;
}

export interface LoginResponse {
  token: string;
  expiresAt: string;
  user: User;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface MapConfig {
  tileUrl?: string;
  center: [number, number];
  zoom: number;
}

export interface City {
  id: string;
  name: string;
  status: 'active' | 'planned';
  /** Sites that are not planned. */
  sites: number;
  plannedSites: number;
  cameras: number;
  lat: number | null;
  lon: number | null;
}

export type SiteStatus = 'active' | 'planned' | 'decommissioned';
export type Owner = 'government' | 'commercial';

export interface Site {
  id: string;
  code: string;
  name: string;
  cityId: string;
  policeStationId: string | null;
  lat: number;
  lon: number;
  address: string | null;
  phase: number;
  status: SiteStatus;
  owner: Owner;
  plannedCameras: number | null;
  cameraCount: number;
  demo: boolean;
}

export const CAMERA_STATUSES = ['online', 'offline', 'unknown', 'maintenance', 'planned'] as const;
export type CameraStatus = (typeof CAMERA_STATUSES)[number];

export const CAMERA_KINDS = ['fixed', 'ptz', 'dome', 'anpr'] as const;
export type CameraKind = (typeof CAMERA_KINDS)[number];

export const OWNERS = ['government', 'commercial'] as const;

export interface CameraStream {
  role: string;
  /** Redacted by the server: credentials never reach the console. */
  url: string;
}

export interface Camera {
  id: string;
  code: string;
  siteId: string;
  siteName: string;
  cityId: string;
  name: string;
  kind: CameraKind;
  resolution: string;
  owner: Owner;
  phase: number;
  status: CameraStatus;
  lat: number;
  lon: number;
  heading: number | null;
  streams: CameraStream[];
  retentionDays: number | null;
  demo: boolean;
}

export interface CameraFeatureProperties {
  id: string;
  name: string;
  code: string;
  status: CameraStatus;
  kind: CameraKind;
  owner: Owner;
  siteId: string;
}

export interface PointFeature<P> {
  type: 'Feature';
  id?: string | number;
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: P;
}

export interface FeatureCollection<P> {
  type: 'FeatureCollection';
  features: PointFeature<P>[];
}

/** Error body of every 4xx/5xx answer. */
export interface ApiErrorBody {
  error: string;
  message: string;
  field?: string;
}
