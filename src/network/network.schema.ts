import { z } from 'zod';
import { STREAM_ROLES, streamUrlProblem } from './stream-url.ts';

// Request and response shapes of the camera network API (zod: validated on the way in, documented in
// OpenAPI, mirrored by web/src/api/types.ts).

export const CAMERA_KINDS = ['fixed', 'ptz', 'dome', 'anpr'] as const;
export const CAMERA_STATUSES = ['online', 'offline', 'unknown', 'maintenance', 'planned'] as const;
export const SITE_STATUSES = ['active', 'planned', 'decommissioned'] as const;
export const OWNERS = ['government', 'commercial'] as const;

/** Farthest a `near` search reaches, in metres. */
export const MAX_RADIUS_M = 50_000;
export const MAX_PAGE = 1000;

/** Ids become parts of scope paths and storage keys: lower-case letters, digits and dashes only. */
export const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1-64 lower-case letters, digits or dashes');
export const Code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');
export const Name = z.string().trim().min(1, 'must not be empty').max(200);
export const Lat = z.number().min(-90).max(90);
export const Lon = z.number().min(-180).max(180);
export const Heading = z.number().int().min(0).max(359);
export const Phase = z.number().int().min(1).max(99);
export const Resolution = z.string().trim().min(1, 'must not be empty').max(32);
export const RetentionDays = z.number().int().min(1).max(3650);
export const PlannedCameras = z.number().int().min(0).max(1000);

export const StreamUrl = z.string().superRefine((url, ctx) => {
  const problem = streamUrlProblem(url);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
export const StreamInput = z.strictObject({ role: z.enum(STREAM_ROLES), url: StreamUrl });
export const Streams = z
  .array(StreamInput)
  .max(STREAM_ROLES.length)
  .superRefine((streams, ctx) => {
    const seen = new Set<string>();
    streams.forEach((s, i) => {
      if (seen.has(s.role)) ctx.addIssue({ code: 'custom', path: [i, 'role'], message: `role "${s.role}" appears twice` });
      seen.add(s.role);
    });
  });
export type StreamInput = z.infer<typeof StreamInput>;

// ---- query strings -------------------------------------------------------------------------------

const Limit = z.coerce.number().int().min(1).max(MAX_PAGE).default(100);
const Offset = z.coerce.number().int().min(0).max(10_000_000).default(0);
const Q = z.string().trim().min(1).max(100);

export const SiteQuery = z.strictObject({
  city: Id.optional(),
  /** Default: everything but `planned`. `all` includes planned sites. */
  status: z.enum([...SITE_STATUSES, 'all']).optional(),
  phase: z.coerce.number().int().min(1).max(99).optional(),
  owner: z.enum(OWNERS).optional(),
  q: Q.optional(),
  limit: Limit,
  offset: Offset,
});
export type SiteQuery = z.infer<typeof SiteQuery>;

const Near = z.string().transform((value, ctx) => {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
  const lat = m ? Number(m[1]) : NaN;
  const lon = m ? Number(m[2]) : NaN;
  if (!m || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    ctx.addIssue({ code: 'custom', message: 'must be "lat,lon" in degrees, e.g. 34.01,71.55' });
    return z.NEVER;
  }
  return { lat, lon };
});

export const CameraQuery = z
  .strictObject({
    city: Id.optional(),
    siteId: Id.optional(),
    status: z.enum(CAMERA_STATUSES).optional(),
    kind: z.enum(CAMERA_KINDS).optional(),
    owner: z.enum(OWNERS).optional(),
    phase: z.coerce.number().int().min(1).max(99).optional(),
    q: Q.optional(),
    near: Near.optional(),
    /** Metres around `near`; 1,000 when left out. */
    radius: z.coerce.number().positive().max(MAX_RADIUS_M, `must be at most ${MAX_RADIUS_M} metres`).optional(),
    limit: Limit,
    offset: Offset,
  })
  .superRefine((q, ctx) => {
    if (q.radius !== undefined && !q.near) ctx.addIssue({ code: 'custom', path: ['radius'], message: 'needs near=lat,lon' });
  });
export type CameraQuery = z.infer<typeof CameraQuery>;

export const IdParams = z.strictObject({ id: Id });

// ---- bodies --------------------------------------------------------------------------------------

export const SiteCreate = z.strictObject({
  /** Left out: derived from the code. */
  id: Id.optional(),
  code: Code,
  name: Name,
  cityId: Id,
  policeStationId: Id.nullable().optional(),
  lat: Lat,
  lon: Lon,
  address: z.string().trim().max(500).nullable().optional(),
  phase: Phase.optional(),
  status: z.enum(SITE_STATUSES).optional(),
  owner: z.enum(OWNERS).optional(),
  plannedCameras: PlannedCameras.nullable().optional(),
});
export type SiteCreate = z.infer<typeof SiteCreate>;

export const SitePatch = SiteCreate.omit({ id: true }).partial();
export type SitePatch = z.infer<typeof SitePatch>;

export const CameraCreate = z.strictObject({
  /** Left out: derived from the code. */
  id: Id.optional(),
  code: Code,
  name: Name,
  siteId: Id,
  kind: z.enum(CAMERA_KINDS),
  resolution: Resolution,
  /** Left out: the site's owner. */
  owner: z.enum(OWNERS).optional(),
  /** Left out: the site's phase. */
  phase: Phase.optional(),
  status: z.enum(CAMERA_STATUSES).optional(),
  /** Left out: the site's position. */
  lat: Lat.optional(),
  lon: Lon.optional(),
  heading: Heading.nullable().optional(),
  streams: Streams.optional(),
  retentionDays: RetentionDays.nullable().optional(),
});
export type CameraCreate = z.infer<typeof CameraCreate>;

export const CameraPatch = CameraCreate.omit({ id: true }).partial();
export type CameraPatch = z.infer<typeof CameraPatch>;

export const OrgUnitCreate = z.strictObject({
  id: Id,
  /** A city hangs under the province, a police station under its city. */
  parentId: Id,
  kind: z.enum(['division', 'city', 'police_station']),
  name: Name,
  lat: Lat.nullable().optional(),
  lon: Lon.nullable().optional(),
  status: z.enum(['active', 'planned']).optional(),
});
export type OrgUnitCreate = z.infer<typeof OrgUnitCreate>;

// ---- responses -----------------------------------------------------------------------------------

export const CityJson = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'planned']),
  /** Sites in scope that are not planned (what GET /api/sites?city= counts by default). */
  sites: z.number(),
  plannedSites: z.number(),
  cameras: z.number(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
});
export type CityJson = z.infer<typeof CityJson>;

export const OrgUnitJson = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  kind: z.enum(['province', 'division', 'city', 'police_station']),
  name: z.string(),
  path: z.string(),
  status: z.enum(['active', 'planned']),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  demo: z.boolean(),
});
export type OrgUnitJson = z.infer<typeof OrgUnitJson>;

export const SiteJson = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  cityId: z.string(),
  policeStationId: z.string().nullable(),
  lat: z.number(),
  lon: z.number(),
  address: z.string().nullable(),
  phase: z.number(),
  status: z.enum(SITE_STATUSES),
  owner: z.enum(OWNERS),
  plannedCameras: z.number().nullable(),
  cameraCount: z.number(),
  demo: z.boolean(),
});
export type SiteJson = z.infer<typeof SiteJson>;

export const CameraJson = z.object({
  id: z.string(),
  code: z.string(),
  siteId: z.string(),
  siteName: z.string(),
  cityId: z.string(),
  name: z.string(),
  kind: z.enum(CAMERA_KINDS),
  resolution: z.string(),
  owner: z.enum(OWNERS),
  phase: z.number(),
  status: z.enum(CAMERA_STATUSES),
  lat: z.number(),
  lon: z.number(),
  heading: z.number().nullable(),
  /** URLs with credentials replaced by `***`. */
  streams: z.array(z.object({ role: z.enum(STREAM_ROLES), url: z.string() })),
  retentionDays: z.number().nullable(),
  demo: z.boolean(),
  /** Only on `near` searches: metres from the point. */
  distanceM: z.number().optional(),
});
export type CameraJson = z.infer<typeof CameraJson>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number() });
}

export const CameraFeatureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: z.string(),
      geometry: z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
      properties: z.object({
        id: z.string(),
        name: z.string(),
        code: z.string(),
        status: z.enum(CAMERA_STATUSES),
        kind: z.enum(CAMERA_KINDS),
        owner: z.enum(OWNERS),
        siteId: z.string(),
      }),
    }),
  ),
});
export type CameraFeatureCollection = z.infer<typeof CameraFeatureCollection>;

export const ImportRowError = z.object({ row: z.number(), field: z.string(), message: z.string() });
export type ImportRowError = z.infer<typeof ImportRowError>;
/** `imported`: rows stored (with dryRun: rows that would be). */
export const ImportResult = z.object({ imported: z.number(), format: z.enum(['csv', 'geojson']), dryRun: z.boolean() });
export type ImportResult = z.infer<typeof ImportResult>;

/** A code made into an id: lower case, anything but letters and digits becomes a dash. */
export function idFromCode(code: string): string {
  return code
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}
