import type { AuditService } from '../../audit/audit.service.ts';
import type { Config } from '../../config/config.schema.ts';
import type { BlobStore } from '../../platform/blob/blob-store.ts';
import type { Db } from '../../platform/db/database.ts';
import { ExportRepository } from './export.repository.ts';
import { ExportService } from './export.service.ts';
import type { MediaTools } from './ffmpeg.ts';
import { PlaybackService, type CameraAccess } from './playback.service.ts';
import { RecordingRepository } from './recording.repository.ts';
import { RetentionRepository } from './retention.repository.ts';
import { RetentionService } from './retention.service.ts';

/** Recorded video: timeline and playback, exports, retention. */
export interface RecordingServices {
  playback: PlaybackService;
  exports: ExportService;
  retention: RetentionService;
  /** Fails exports a stopped node left running, and starts the periodic retention sweep. */
  start(): Promise<void>;
  /** Stops the sweep and aborts exports running on this node. */
  close(): Promise<void>;
}

export interface RecordingDeps {
  db: Db;
  audit: AuditService;
  /** The network domain's camera lookup (NetworkService). */
  cameras: CameraAccess;
  config: Config;
  tools: MediaTools;
  /** Where recordings and exports are stored (createBlobStore). Default: local disk under config.dataDir. */
  blobs?: BlobStore;
  log?: (message: string) => void;
}

export function createRecordingServices(deps: RecordingDeps): RecordingServices {
  const { db, audit, cameras, config, tools, log, blobs } = deps;
  const dataDir = config.dataDir;
  const index = new RecordingRepository(db);
  const playback = new PlaybackService(index, cameras, audit, { dataDir, tools, blobs });
  const exports = new ExportService(new ExportRepository(db), cameras, audit, { dataDir, tools, blobs });
  const retention = new RetentionService(new RetentionRepository(db), index, {
    dataDir,
    blobs,
    retentionDays: config.video.retentionDays,
    quotaBytes: config.video.quotaBytes,
    intervalSeconds: config.video.retentionIntervalSeconds,
    log,
  });
  return {
    playback, exports, retention,
    async start() {
      const failed = await exports.failInterrupted();
      if (failed.length) log?.(`exports: ${failed.length} left running by a stopped node marked failed`);
      retention.start();
    },
    async close() {
      await retention.stop();
      await exports.close();
    },
  };
}
