-- Video: ingest ownership, health, recording index, exports.

alter table cameras add column retention_days integer check (retention_days between 1 and 3650);

-- A camera's ingest is owned by one worker process at a time; the lease is renewed while it runs and
-- taken over by another worker when it lapses.
create table camera_leases (
  camera_id text primary key references cameras(id) on delete cascade,
  worker_id text not null,
  expires_at timestamptz not null,
  acquired_at timestamptz not null default now()
);

-- Latest health of each camera, written by the worker that owns its ingest.
create table camera_health (
  camera_id text primary key references cameras(id) on delete cascade,
  status text not null check (status in ('online', 'offline')),
  fps double precision,
  bitrate_kbps double precision,
  last_frame_at timestamptz,
  reconnects integer not null default 0,
  status_since timestamptz not null,
  worker_id text,
  updated_at timestamptz not null default now()
);

-- Every online/offline transition, for uptime figures.
create table camera_status_log (
  id bigint generated always as identity primary key,
  camera_id text not null references cameras(id) on delete cascade,
  status text not null check (status in ('online', 'offline')),
  at timestamptz not null,
  reason text
);
create index camera_status_log_camera on camera_status_log (camera_id, at);

-- One row per closed recording segment (stream copied, never transcoded).
create table recording_segments (
  id bigint generated always as identity primary key,
  camera_id text not null references cameras(id) on delete cascade,
  start_at timestamptz not null,
  end_at timestamptz not null,
  bytes bigint not null,
  -- key in blob storage, e.g. recordings/<camera>/<yyyy-mm-dd>/<start>.ts
  path text not null unique,
  legal_hold boolean not null default false,
  created_at timestamptz not null default now(),
  check (end_at > start_at)
);
create index recording_segments_camera_time on recording_segments (camera_id, start_at);
create index recording_segments_start on recording_segments (start_at);

create table video_exports (
  id text primary key,
  camera_id text not null references cameras(id) on delete cascade,
  from_at timestamptz not null,
  to_at timestamptz not null,
  status text not null check (status in ('pending', 'running', 'done', 'failed')),
  progress double precision not null default 0,
  path text,
  bytes bigint,
  sha256 text,
  error text,
  requested_by text not null,
  reason text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index video_exports_camera on video_exports (camera_id, created_at);
