import type { ColumnType, Generated } from 'kysely';

// Row types of every table, mirroring migrations/*.sql. Each domain's repository is the only code
// that reads or writes its own tables.

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface OrgUnitTable {
  id: string;
  parent_id: string | null;
  kind: 'province' | 'division' | 'city' | 'police_station';
  name: string;
  path: string;
  lat: number | null;
  lon: number | null;
  status: Generated<'active' | 'planned'>;
  demo: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SiteTable {
  id: string;
  code: string;
  name: string;
  city_id: string;
  police_station_id: string | null;
  scope_path: string;
  lat: number;
  lon: number;
  address: string | null;
  phase: Generated<number>;
  status: Generated<'active' | 'planned' | 'decommissioned'>;
  owner: Generated<'government' | 'commercial'>;
  planned_cameras: number | null;
  demo: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface StreamRow {
  role: 'record' | 'detect' | 'live';
  url: string;
}

export interface CameraTable {
  id: string;
  code: string;
  site_id: string;
  name: string;
  kind: 'fixed' | 'ptz' | 'dome' | 'anpr';
  resolution: string;
  owner: 'government' | 'commercial';
  phase: Generated<number>;
  status: Generated<'online' | 'offline' | 'unknown' | 'maintenance' | 'planned'>;
  streams: Json<StreamRow[]>;
  lat: number;
  lon: number;
  heading: number | null;
  retention_days: number | null;
  demo: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UserTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  role: string;
  scope_path: string;
  disabled: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AuthTokenTable {
  id: string;
  user_id: string;
  kind: 'session' | 'api_key';
  token_hash: string;
  name: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: CreatedAt;
}

export interface AuditLogTable {
  seq: ColumnType<number, number, never>;
  at: ColumnType<Date, Date, never>;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  action: string;
  outcome: 'ok' | 'denied' | 'failed';
  target_type: string | null;
  target_id: string | null;
  scope_path: string | null;
  ip: string | null;
  reason: string | null;
  details: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface SchemaMigrationTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: CreatedAt;
}

export interface DB extends VideoDB {
  org_units: OrgUnitTable;
  sites: SiteTable;
  cameras: CameraTable;
  users: UserTable;
  auth_tokens: AuthTokenTable;
  audit_log: AuditLogTable;
  schema_migrations: SchemaMigrationTable;
}

export interface CameraLeaseTable {
  camera_id: string;
  worker_id: string;
  expires_at: Date;
  acquired_at: CreatedAt;
}

export interface ClusterNodeTable {
  worker_id: string;
  /** Base URL of the node's API as other nodes reach it (0005). */
  url: string;
  started_at: CreatedAt;
  /** Written again every minute while the node runs. */
  seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CameraHealthTable {
  camera_id: string;
  status: 'online' | 'offline';
  fps: number | null;
  bitrate_kbps: number | null;
  last_frame_at: Date | null;
  reconnects: Generated<number>;
  status_since: Date;
  worker_id: string | null;
  updated_at: UpdatedAt;
}

export interface CameraStatusLogTable {
  id: Generated<number>;
  camera_id: string;
  status: 'online' | 'offline';
  at: Date;
  reason: string | null;
}

export interface RecordingSegmentTable {
  id: Generated<number>;
  camera_id: string;
  start_at: Date;
  end_at: Date;
  bytes: number;
  path: string;
  legal_hold: Generated<boolean>;
  created_at: CreatedAt;
  /** fMP4 init segment size and SHA-256, read when filed (0006); null for MPEG-TS and older rows. */
  init_bytes: number | null;
  init_digest: string | null;
}

export interface VideoExportTable {
  id: string;
  camera_id: string;
  from_at: Date;
  to_at: Date;
  status: 'pending' | 'running' | 'done' | 'failed';
  progress: Generated<number>;
  path: string | null;
  bytes: number | null;
  sha256: string | null;
  error: string | null;
  requested_by: string;
  reason: string | null;
  created_at: CreatedAt;
  finished_at: Date | null;
  /** Touched by the runner while it works (0003). */
  updated_at: UpdatedAt;
}

export interface VideoDB {
  camera_leases: CameraLeaseTable;
  cluster_nodes: ClusterNodeTable;
  camera_health: CameraHealthTable;
  camera_status_log: CameraStatusLogTable;
  recording_segments: RecordingSegmentTable;
  video_exports: VideoExportTable;
}
