import type { Config } from '../../config/config.schema.ts';
import type { BlobStore } from '../../platform/blob/blob-store.ts';
import type { EventBus } from '../../platform/bus/bus.ts';
import type { Db } from '../../platform/db/database.ts';
import { locateFfmpeg, type FfmpegBinaries } from '../../platform/media/ffmpeg.ts';
import { RecordingRepository } from '../recording/recording.repository.ts';
import { CameraHealthRepository } from './camera-health.repository.ts';
import { CameraHealthService } from './camera-health.service.ts';
import { CameraIngest, type LiveSink } from './camera-ingest.ts';
import { IngestManager, newWorkerId, type IngestCameraSource } from './ingest-manager.ts';
import { LeaseRepository } from './lease.repository.ts';

/** The live domain's hubs (LiveHubRegistry): one per camera ingested on this node. */
export interface LiveSinks {
  obtain(cameraId: string): LiveSink;
  remove(cameraId: string, reason?: string): void;
}

export interface IngestDeps {
  config: Pick<Config, 'dataDir' | 'video'>;
  db: Db;
  bus: EventBus;
  /** The network domain (NetworkService.listIngestCameras). */
  cameras: IngestCameraSource;
  liveHubs?: LiveSinks;
  /** Where recordings are stored (createBlobStore). Default: local disk under config.dataDir. */
  blobs?: BlobStore;
  workerId?: string;
  /** Found with locateFfmpeg() when not given. */
  ffmpeg?: FfmpegBinaries;
  log?: (message: string) => void;
}

export interface IngestServices {
  manager: IngestManager;
  /** Writes this worker's health (used by the manager). */
  health: CameraHealthService;
  /** For GET /api/cameras/:id/health: registerHealthRoutes(app, new CameraHealthReader(healthRepository, scopes)). */
  healthRepository: CameraHealthRepository;
  recordings: RecordingRepository;
  /** Who ingests which camera: the live domain's IngestLocator (workerOf). */
  leases: LeaseRepository;
  ffmpeg: FfmpegBinaries;
}

/** Builds this node's ingest manager; call manager.start() to begin (when config.video.ingest). */
export async function createIngestServices(deps: IngestDeps): Promise<IngestServices> {
  const log = deps.log ?? (() => {});
  const ffmpeg = deps.ffmpeg ?? (await locateFfmpeg());
  const { video, dataDir } = deps.config;
  const recordings = new RecordingRepository(deps.db);
  const workerId = deps.workerId ?? newWorkerId();
  const healthRepository = new CameraHealthRepository(deps.db);
  const health = new CameraHealthService(healthRepository, deps.bus, workerId, log);
  const leases = new LeaseRepository(deps.db);
  const manager = new IngestManager({
    workerId,
    cameras: deps.cameras,
    leases,
    bus: deps.bus,
    health,
    leaseSeconds: video.leaseSeconds,
    maxCameras: video.maxCamerasPerWorker,
    log,
    onIngestStopped: (cameraId) => deps.liveHubs?.remove(cameraId, 'camera ingest stopped on this node'),
    createIngest: (plan) =>
      new CameraIngest({
        cameraId: plan.cameraId,
        url: plan.url,
        record: plan.record,
        dataDir,
        segmentSeconds: video.segmentSeconds,
        stallTimeoutSeconds: video.stallTimeoutSeconds,
        ffmpegPath: ffmpeg.ffmpeg,
        index: recordings,
        blobs: deps.blobs,
        live: deps.liveHubs?.obtain(plan.cameraId),
        onTransition: (cameraId, t) => void health.transition(cameraId, t),
        log,
      }),
  });
  log(`ingest: ffmpeg ${ffmpeg.version} (${ffmpeg.source}, ${ffmpeg.ffmpeg}), worker ${manager.workerId}`);
  return { manager, health, healthRepository, recordings, leases, ffmpeg };
}
