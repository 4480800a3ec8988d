import { z } from 'zod';

// One schema describes safecity.yaml. Every object is strict, so an unknown key is an error that names
// its path, and every field carries a description so the console can build forms from the JSON Schema.

const port = z.number().int().min(0).max(65535);

export const ServerConfig = z
  .strictObject({
    host: z.string().default('0.0.0.0').describe('Address the HTTP server listens on.'),
    port: port.default(8080).describe('TCP port of the HTTP API and console. Overridden by PORT.'),
    bodyLimitBytes: z
      .number().int().min(1024).max(64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('Largest JSON request body accepted, in bytes. Bulk import routes allow 32 MiB.'),
    trustProxy: z.boolean().default(false).describe('Take the client address from X-Forwarded-For (behind a reverse proxy).'),
    advertiseUrl: z
      .url({ protocol: /^https?$/ }).optional()
      .describe('Base URL other nodes reach this node\'s API at (e.g. http://10.0.4.12:8080), to relay live video of the cameras it ingests. Unset: http://127.0.0.1:<port>, which only nodes on the same machine reach. Overridden by SAFECITY_ADVERTISE_URL.'),
  })
  .describe('HTTP server.');

export const DatabaseConfig = z
  .strictObject({
    url: z
      .string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional()
      .describe('PostgreSQL connection URL. Unset: an embedded PGlite database in <dataDir>/db. Overridden by DATABASE_URL.'),
    poolSize: z.number().int().min(1).max(200).default(10).describe('PostgreSQL connection pool size per process.'),
  })
  .describe('Relational storage.');

export const BusConfig = z
  .strictObject({
    natsUrl: z
      .string().regex(/^nats:\/\//, 'must be a nats:// URL').optional()
      .describe('NATS server with JetStream. Unset: an in-process bus (one node only). Overridden by NATS_URL.'),
    stream: z.string().regex(/^[A-Za-z0-9_-]+$/).default('SAFECITY').describe('JetStream stream that holds all safecity subjects.'),
    maxDeliver: z.number().int().min(1).max(100).default(10).describe('Deliveries of one event before a consumer gives up on it.'),
    ackWaitMs: z.number().int().min(100).max(600_000).default(30_000).describe('How long a consumer may take to acknowledge an event before it is redelivered.'),
  })
  .describe('Event bus.');

export const AuthConfig = z
  .strictObject({
    tokenTtlMinutes: z.number().int().min(1).max(60 * 24 * 30).default(12 * 60).describe('Lifetime of a login token, in minutes.'),
    adminPassword: z
      .string().min(8, 'must be at least 8 characters').optional()
      .describe('Password of the first admin user, used only when that user is created. Unset: one is generated and printed once. Overridden by SAFECITY_ADMIN_PASSWORD.'),
  })
  .describe('Identity and access.');

export const MapConfig = z
  .strictObject({
    tileUrl: z
      .string().optional()
      .describe('Raster tile URL template ({z}/{x}/{y}) of a tile server on your network. Unset: an offline base map with no external tiles.'),
    center: z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).default([71.55, 33.0]).describe('Initial map centre, [longitude, latitude].'),
    zoom: z.number().min(0).max(22).default(7).describe('Initial map zoom.'),
  })
  .describe('Console map.');

export const VideoConfig = z
  .strictObject({
    ingest: z.boolean().default(true).describe('Run camera ingest (recording, live, health) on this node. Several nodes share cameras through leases.'),
    segmentSeconds: z.number().int().min(2).max(300).default(10).describe('Length of one recording segment, in seconds.'),
    retentionDays: z.number().int().min(1).max(3650).default(30).describe('Days recordings are kept, unless a camera sets its own retention.'),
    quotaBytes: z.number().int().min(1024 * 1024).optional().describe('Quota for all recordings in the index, in bytes (the local disk, or the S3 bucket with storage.s3); oldest segments are evicted first (never those under legal hold or being exported). Unset: no quota.'),
    retentionIntervalSeconds: z.number().int().min(10).max(86_400).default(300).describe('Seconds between sweeps that delete recordings past retention or over the quota.'),
    stallTimeoutSeconds: z.number().min(2).max(300).default(8).describe('A camera whose ingest makes no progress for this long is marked offline and restarted.'),
    leaseSeconds: z.number().int().min(5).max(600).default(15).describe('How long a worker owns a camera ingest without renewing its lease.'),
    maxCamerasPerWorker: z.number().int().min(1).max(10_000).default(200).describe('Most cameras one worker process ingests.'),
  })
  .describe('Video ingest, recording and playback.');

export const S3Config = z
  .strictObject({
    endpoint: z.url({ protocol: /^https?$/ }).describe('S3-compatible endpoint, e.g. http://minio.internal:9000 (path-style requests: https://<endpoint>/<bucket>/<key>).'),
    region: z.string().min(1).default('us-east-1').describe('Region used in request signatures (MinIO and most others accept us-east-1).'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name').describe('Bucket that holds recordings and exports; it must exist.'),
    prefix: z.string().regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or end with /, of plain names').default('').describe('Key prefix inside the bucket, e.g. "peshawar/".'),
    accessKeyId: z.string().min(1).optional().describe('Access key. Overridden by S3_ACCESS_KEY_ID.'),
    secretAccessKey: z.string().min(1).optional().describe('Secret key. Overridden by S3_SECRET_ACCESS_KEY.'),
  })
  .describe('S3-compatible blob storage for recordings and exports.');

export const StorageConfig = z
  .strictObject({
    s3: S3Config.optional().describe('Set: recordings and exports go to this S3-compatible store, readable by every node. Unset: local disk under dataDir (one node, or a shared file system).'),
  })
  .describe('Where recordings and exports are kept.');

export const DemoConfig = z
  .strictObject({
    simulatedCameras: z.number().int().min(0).max(16).default(3).describe('How many demo cameras stream from the built-in simulator (`safecity demo` only). The rest show as registered but not streaming.'),
    width: z.number().int().min(160).max(1920).default(960).describe('Width of simulated camera frames, in pixels.'),
    height: z.number().int().min(120).max(1080).default(540).describe('Height of simulated camera frames, in pixels.'),
    fps: z.number().int().min(1).max(30).default(10).describe('Frames per second of simulated cameras.'),
  })
  .describe('The demo city (`safecity demo`).');

export const ConfigSchema = z
  .strictObject({
    dataDir: z.string().min(1).default('./data').describe('Folder for the embedded database, recordings and exports. Overridden by SAFECITY_DATA_DIR.'),
    server: ServerConfig.prefault({}),
    database: DatabaseConfig.prefault({}),
    bus: BusConfig.prefault({}),
    auth: AuthConfig.prefault({}),
    map: MapConfig.prefault({}),
    video: VideoConfig.prefault({}),
    storage: StorageConfig.prefault({}),
    demo: DemoConfig.prefault({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log verbosity.'),
  })
  .describe('safecity.yaml: configuration of one safecity node.');

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: 'input' });
}
