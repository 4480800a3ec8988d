import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { sql } from 'kysely';
import type { Config } from './config/config.schema.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { registerAuditRoutes } from './audit/audit.routes.ts';
import { AuditService } from './audit/audit.service.ts';
import { IdentityRepository } from './identity/identity.repository.ts';
import { registerIdentityRoutes } from './identity/identity.routes.ts';
import { IdentityService } from './identity/identity.service.ts';
import type { EventBus } from './platform/bus/bus.ts';
import { createBus } from './platform/bus/create-bus.ts';
import type { BlobStore } from './platform/blob/blob-store.ts';
import { createBlobStore } from './platform/blob/create-blob-store.ts';
import { openDatabase, type Database } from './platform/db/database.ts';
import { migrate } from './platform/db/migrate.ts';
import { buildHttpApp, type App } from './platform/http/app.ts';
import { ClusterNodeRepository } from './system/cluster-nodes.repository.ts';
import { registerSystemRoutes } from './system/system.routes.ts';
import { registerEventRoutes } from './system/events.routes.ts';
import { createNetworkServices, type NetworkServices } from './network/network.module.ts';
import { registerNetworkRoutes } from './network/network.routes.ts';
import { seedDemoCity } from './network/demo-city.ts';
import { NotFoundError } from './platform/http/errors.ts';
import { locateFfmpeg } from './platform/media/ffmpeg.ts';
import { createRecordingServices, type RecordingServices } from './video/recording/recording.module.ts';
import { registerRecordingRoutes } from './video/recording/recording.routes.ts';
import { createLiveServices, type LiveServices } from './video/live/live.module.ts';
import { registerLiveRoutes } from './video/live/live.routes.ts';
import { CameraHealthReader } from './video/ingest/camera-health.service.ts';
import { registerHealthRoutes } from './video/ingest/health.routes.ts';
import { createIngestServices, type IngestServices } from './video/ingest/ingest.module.ts';
import { LeaseRepository } from './video/ingest/lease.repository.ts';
import { newWorkerId } from './video/ingest/ingest-manager.ts';
import { startDemoVideo, type DemoVideo } from './demo/demo-video.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export type Log = (message: string) => void;

/** Everything one node runs, built from config. The composition root: nothing else wires services. */
export interface Platform {
  config: Config;
  database: Database;
  bus: EventBus;
  audit: AuditService;
  identity: IdentityService;
  network: NetworkServices;
  recording: RecordingServices;
  live: LiveServices;
  ingest: IngestServices;
  app: App;
  /** Where recordings and exports are stored: local disk, or S3 for every node to read. */
  blobs: BlobStore;
  /** This process's id among the nodes (camera leases, cluster_nodes). */
  workerId: string;
  /** Where each node is reached; startPlatform registers this one once it listens. */
  nodes: ClusterNodeRepository;
  close(): Promise<void>;
}

export interface PlatformOptions {
  config: Config;
  log?: Log;
}

/** Opens storage (running migrations) and the bus, builds the services. Does not listen. */
export async function createPlatform({ config, log = () => {} }: PlatformOptions): Promise<Platform> {
  mkdirSync(config.dataDir, { recursive: true });
  const database = await openDatabase({ url: config.database.url, dataDir: config.dataDir, poolSize: config.database.poolSize });
  const closers: Array<() => Promise<void>> = [() => database.close()];
  try {
    log(`storage: ${database.kind} (${database.location})`);
    await migrate(database.db, undefined, log);
    const bus = await createBus(config.bus);
    closers.unshift(() => bus.close());
    log(`event bus: ${bus.kind}`);

    const audit = new AuditService(new AuditRepository(database.db));
    const network = createNetworkServices({ db: database.db, audit, bus });
    const identity = new IdentityService(new IdentityRepository(database.db), audit, {
      tokenTtlMinutes: config.auth.tokenTtlMinutes,
      scopeExists: (path) => network.sites.scopeExists(path),
    });
    const cameraScope = async (id: string) => {
      try {
        return (await network.network.getCameraInternal(id)).scopePath;
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    };

    const app = await buildHttpApp({ config, audit, authenticate: (token, ip) => identity.authenticate(token, ip) });
    closers.unshift(() => app.close());
    registerSystemRoutes(app, {
      config,
      dbKind: database.kind,
      busKind: bus.kind,
      version: VERSION,
      startedAt: new Date(),
      checkDb: async () => void (await sql`select 1`.execute(database.db)),
    });
    registerIdentityRoutes(app, identity);
    registerAuditRoutes(app, audit);
    registerNetworkRoutes(app, network);
    registerEventRoutes(app, { bus, cameraScope });
    const ffmpeg = await locateFfmpeg();
    const blobs = await createBlobStore(config);
    log(`blob storage: ${blobs.kind} (${blobs.location})`);
    const recording = createRecordingServices({ db: database.db, audit, cameras: network.network, config, tools: ffmpeg, blobs, log });
    closers.unshift(() => recording.close());
    registerRecordingRoutes(app, recording);
    // Hubs are fed by this node's ingest (IngestDeps.liveHubs = live.hubs); without one, no camera is live here.
    const workerId = newWorkerId();
    const leases = new LeaseRepository(database.db);
    const nodes = new ClusterNodeRepository(database.db);
    closers.unshift(() => nodes.unregister(workerId));
    // Live video of a camera another node ingests is relayed from that node (its lease, its URL).
    const live = createLiveServices({ audit, cameras: { scopePathOf: cameraScope }, ffmpegPath: ffmpeg.ffmpeg, leases, nodes, workerId, log });
    closers.unshift(async () => live.hubs.closeAll());
    registerLiveRoutes(app, live.live);
    // One ffmpeg per camera feeds recording, live hubs and health; started by startPlatform.
    const ingest = await createIngestServices({ config, db: database.db, bus, cameras: network.network, liveHubs: live.hubs, blobs, workerId, ffmpeg, log });
    closers.unshift(() => ingest.manager.stop());
    registerHealthRoutes(app, new CameraHealthReader(ingest.healthRepository, { scopePathOf: cameraScope }));

    let closed = false;
    return {
      config, database, bus, audit, identity, network, recording, live, ingest, app, blobs, workerId, nodes,
      async close() {
        if (closed) return;
        closed = true;
        for (const close of closers) await close().catch((err) => log(`shutdown: ${(err as Error).message}`));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    throw err;
  }
}

export interface StartOptions extends PlatformOptions {
  /** Seed the demo city (idempotent) before serving. */
  demo?: boolean;
}

export interface Running {
  platform: Platform;
  url: string;
  /** The simulated demo cameras, when started with demo. */
  demoVideo?: DemoVideo;
  /** Set when this start created the admin with a generated password (print it once). */
  generatedAdminPassword?: string;
  close(): Promise<void>;
}

/** Creates the platform, bootstraps the first admin, optionally seeds the demo city, and listens. */
export async function startPlatform(options: StartOptions): Promise<Running> {
  const { config, log = () => {} } = options;
  const platform = await createPlatform(options);
  let demoVideo: DemoVideo | undefined;
  let stopHeartbeat = () => {};
  try {
    const admin = await platform.identity.bootstrapAdmin(config.auth.adminPassword);
    if (admin.created) log(admin.generatedPassword ? 'created user admin (generated password below)' : 'created user admin');
    if (options.demo) {
      const started = Date.now();
      const seeded = await seedDemoCity({ store: platform.network.store, audit: platform.audit });
      log(seeded.seeded ? `demo city seeded: ${seeded.sites} sites, ${seeded.cameras} cameras (demo data) in ${Date.now() - started} ms` : 'demo city already present');
    }
    // Serving nodes sweep recordings past retention and fail exports a stopped node left running.
    await platform.recording.start();
    if (options.demo) demoVideo = await startDemoVideo({ config, network: platform.network.network, ffmpegPath: platform.ingest.ffmpeg.ffmpeg, log });
    if (config.video.ingest) await platform.ingest.manager.start();
    const address = await platform.app.listen({ host: config.server.host, port: config.server.port });
    const port = new URL(address).port;
    const url = `http://127.0.0.1:${port}`;
    log(`listening on ${config.server.host}:${port}`);
    const advertised = config.server.advertiseUrl ?? url;
    await platform.nodes.register(platform.workerId, advertised);
    // Re-said every minute: a node's row outlives it by at most a few minutes, and a live one's stays.
    const heartbeat = setInterval(() => void platform.nodes.register(platform.workerId, advertised).catch((err) => log(`cluster: ${(err as Error).message}`)), 60_000);
    heartbeat.unref();
    stopHeartbeat = () => clearInterval(heartbeat);
    log(`node ${platform.workerId} reached at ${advertised} by the other nodes`);
    if (!config.server.advertiseUrl && platform.database.kind !== 'pglite' && !/^(127\.|localhost$|::1$)/.test(config.server.host)) {
      log('warning: server.advertiseUrl is not set, so nodes on other machines cannot relay live video from this one (they are told so, 421/409)');
    }
    return {
      platform,
      url,
      demoVideo,
      generatedAdminPassword: admin.generatedPassword,
      close: async () => {
        stopHeartbeat();
        await platform.close();
        await demoVideo?.stop();
      },
    };
  } catch (err) {
    stopHeartbeat();
    await platform.close();
    await demoVideo?.stop();
    throw err;
  }
}
