-- Platform core: organisation hierarchy (scopes), camera network, identity, audit.
-- Portable SQL: it runs unchanged on PGlite and PostgreSQL (no extensions).

-- Province -> division/city -> police station. A unit's path is the dot-joined ids from the province
-- down; a user's scope is one such path, and a row is in scope when its path starts with it.
create table org_units (
  id text primary key,
  parent_id text references org_units(id),
  kind text not null check (kind in ('province', 'division', 'city', 'police_station')),
  name text not null,
  path text not null unique,
  lat double precision,
  lon double precision,
  status text not null default 'active' check (status in ('active', 'planned')),
  demo boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index org_units_parent on org_units (parent_id);

create table sites (
  id text primary key,
  code text not null unique,
  name text not null,
  city_id text not null references org_units(id),
  police_station_id text references org_units(id),
  scope_path text not null,
  lat double precision not null check (lat between -90 and 90),
  lon double precision not null check (lon between -180 and 180),
  address text,
  phase integer not null default 1 check (phase >= 1),
  status text not null default 'active' check (status in ('active', 'planned', 'decommissioned')),
  owner text not null default 'government' check (owner in ('government', 'commercial')),
  planned_cameras integer,
  demo boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index sites_city on sites (city_id);
create index sites_scope on sites (scope_path text_pattern_ops);
create index sites_latlon on sites (lat, lon);

create table cameras (
  id text primary key,
  code text not null unique,
  site_id text not null references sites(id),
  name text not null,
  kind text not null check (kind in ('fixed', 'ptz', 'dome', 'anpr')),
  resolution text not null,
  owner text not null check (owner in ('government', 'commercial')),
  phase integer not null default 1 check (phase >= 1),
  status text not null default 'unknown' check (status in ('online', 'offline', 'unknown', 'maintenance', 'planned')),
  -- [{role: 'record'|'detect'|'live', url}]; URLs may hold credentials and never leave the server whole.
  streams jsonb not null default '[]',
  lat double precision not null check (lat between -90 and 90),
  lon double precision not null check (lon between -180 and 180),
  heading integer check (heading between 0 and 359),
  demo boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index cameras_site on cameras (site_id);
create index cameras_latlon on cameras (lat, lon);
create index cameras_status on cameras (status);

create table users (
  id text primary key,
  username text not null unique,
  display_name text not null,
  password_hash text,
  role text not null check (role in ('admin', 'supervisor', 'operator', 'dispatcher', 'traffic_officer', 'investigator', 'premises_owner', 'auditor', 'device')),
  scope_path text not null,
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Login tokens and API keys. Only a SHA-256 of the secret is kept.
create table auth_tokens (
  id text primary key,
  user_id text not null references users(id),
  kind text not null check (kind in ('session', 'api_key')),
  token_hash text not null unique,
  name text,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz not null default now()
);
create index auth_tokens_user on auth_tokens (user_id);

-- Append-only, hash-chained: each row's hash covers its content and the previous row's hash.
create table audit_log (
  seq bigint primary key,
  at timestamptz not null,
  actor_id text,
  actor_name text,
  actor_role text,
  action text not null,
  outcome text not null check (outcome in ('ok', 'denied', 'failed')),
  target_type text,
  target_id text,
  scope_path text,
  ip text,
  reason text,
  details jsonb not null default '{}',
  prev_hash text not null,
  hash text not null
);
create index audit_log_actor on audit_log (actor_id, seq);
create index audit_log_target on audit_log (target_type, target_id);
