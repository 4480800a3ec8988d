import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditService } from '../../audit/audit.service.ts';
import type { Actor } from '../../identity/actor.ts';
import { BlobNotFoundError, type BlobStore } from '../../platform/blob/blob-store.ts';
import { LocalBlobStore } from '../../platform/blob/local-blob-store.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import type { ExportRepository, ExportRow } from './export.repository.ts';
import type { MediaTools } from './ffmpeg.ts';
import { checkPeriod, recordedSegments, type CameraAccess } from './playback.service.ts';
import { planRange, renderRange, type StoredSegment } from './range-render.ts';
import { RecordingRepository } from './recording.repository.ts';
import { segmentFiles } from './segment-files.ts';

export interface ExportOptions {
  dataDir: string;
  tools: MediaTools;
  /** Where segments are read from and finished exports stored. Default: local disk under dataDir. */
  blobs?: BlobStore;
  /** Longest period one export covers. */
  maxExportSeconds?: number;
  /** How often a running export writes its progress (and so proves it is alive). */
  heartbeatMs?: number;
  /** An export untouched this long has lost its node and is failed. */
  staleSeconds?: number;
}

export interface ExportView {
  id: string;
  cameraId: string;
  from: string;
  to: string;
  status: ExportRow['status'];
  progress: number;
  bytes: number | null;
  sha256: string | null;
  error: string | null;
  reason: string | null;
  requestedBy: string;
  createdAt: string;
  finishedAt: string | null;
}

export interface ExportDownload {
  file: string;
  bytes: number;
  sha256: string;
  filename: string;
}

function view(row: ExportRow): ExportView {
  return {
    id: row.id, cameraId: row.camera_id, from: row.from_at.toISOString(), to: row.to_at.toISOString(),
    status: row.status, progress: row.progress, bytes: row.bytes, sha256: row.sha256, error: row.error,
    reason: row.reason, requestedBy: row.requested_by, createdAt: row.created_at.toISOString(), finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const INTERRUPTED = 'interrupted: the node running this export stopped';

/**
 * Evidence exports: one MP4 of a period, made in the background on the node that accepted the request,
 * with its state (progress, SHA-256, error) in the database so any node can report it.
 */
export class ExportService {
  private readonly dir: string;
  private readonly maxExportSeconds: number;
  private readonly heartbeatMs: number;
  private readonly staleSeconds: number;
  private readonly blobs: BlobStore;
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private closed = false;

  constructor(
    private readonly exports: ExportRepository,
    private readonly cameras: CameraAccess,
    private readonly audit: AuditService,
    private readonly options: ExportOptions,
  ) {
    this.dir = join(options.dataDir, 'exports');
    this.blobs = options.blobs ?? new LocalBlobStore(options.dataDir);
    this.maxExportSeconds = options.maxExportSeconds ?? 24 * 3600;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.staleSeconds = options.staleSeconds ?? 120;
  }

  /** Records the request (audited with its reason) and starts the export; returns the pending job. */
  async request(actor: Actor, cameraId: string, input: { from: Date; to: Date; reason: string }): Promise<ExportView> {
    const reason = input.reason.trim();
    if (!reason) throw new ValidationError('a reason is required for every export', 'reason');
    checkPeriod(input.from, input.to, this.maxExportSeconds);
    if (this.closed) throw new ConflictError('this node is shutting down; request the export again');
    const camera = await this.cameras.getCameraForActor(actor, cameraId);
    // The job and its segments in one transaction: segments a retention batch is deleting are waited
    // for and not used, and from the commit on retention spares the period until the job ends.
    const { row, result: segments } = await this.exports.insertWith({
      id: randomUUID(), camera_id: camera.id, from_at: input.from, to_at: input.to, requested_by: actor.userId, reason,
    }, async (trx) => {
      const locked = new RecordingRepository(trx);
      const found = await recordedSegments({ list: (id, from, to, limit) => locked.list(id, from, to, limit, 'share') }, this.blobs, camera.id, input.from, input.to);
      if (!found.length) throw new NotFoundError(`recording of camera ${camera.id} between ${input.from.toISOString()} and ${input.to.toISOString()}`);
      return found;
    });
    await this.audit.record(actor, {
      action: 'video.export', targetType: 'camera', targetId: camera.id, scopePath: camera.scopePath, reason,
      details: { exportId: row.id, from: input.from.toISOString(), to: input.to.toISOString(), segments: segments.length },
    });
    if (await this.exports.claim(row.id)) this.start(row.id, segments, input.from, input.to);
    return view(row);
  }

  /** The job's state, for an actor who may reach its camera. A job whose node died is failed here. */
  async status(actor: Actor, exportId: string): Promise<ExportView> {
    return view((await this.visible(actor, exportId)).row);
  }

  /** The finished file, audited; refused until the export is done. */
  async download(actor: Actor, exportId: string): Promise<ExportDownload> {
    const { row, camera } = await this.visible(actor, exportId);
    if (row.status !== 'done' || !row.path || !row.sha256 || row.bytes === null) {
      throw new ConflictError(`export ${exportId} is ${row.status}${row.error ? ` (${row.error})` : ''}; download it when it is done`);
    }
    const file = await this.blobs.localFile(row.path).catch((err) => {
      throw err instanceof BlobNotFoundError ? new NotFoundError(`file of export ${exportId}`) : err;
    });
    await this.audit.record(actor, {
      action: 'video.export.download', targetType: 'camera', targetId: row.camera_id, scopePath: camera.scopePath, reason: row.reason ?? undefined,
      details: { exportId, sha256: row.sha256, bytes: row.bytes },
    });
    const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return { file, bytes: row.bytes, sha256: row.sha256, filename: `${row.camera_id}_${stamp(row.from_at)}_${stamp(row.to_at)}.mp4` };
  }

  /** Fails jobs left pending/running by a node that stopped; run at start-up. */
  failInterrupted(): Promise<string[]> {
    return this.exports.failStale(this.staleSeconds, INTERRUPTED);
  }

  /** Resolves when the export running here (if any) has finished; for tests and shutdown. */
  async settled(exportId: string): Promise<void> {
    await this.running.get(exportId)?.done;
  }

  /** Stops accepting exports and aborts those running here; they end failed. */
  async close(): Promise<void> {
    this.closed = true;
    const jobs = [...this.running.values()];
    for (const job of jobs) job.abort.abort();
    await Promise.all(jobs.map((j) => j.done));
  }

  private async visible(actor: Actor, exportId: string): Promise<{ row: ExportRow; camera: { scopePath: string } }> {
    let row = await this.exports.get(exportId);
    if (!row) throw new NotFoundError('export', exportId);
    // Scope follows the camera: an export of a camera outside the actor's area answers like no export.
    const camera = await this.cameras.getCameraForActor(actor, row.camera_id).catch((err) => {
      throw err instanceof NotFoundError ? new NotFoundError('export', exportId) : err;
    });
    const stale = Date.now() - row.updated_at.getTime() > this.staleSeconds * 1000;
    if ((row.status === 'running' || row.status === 'pending') && stale && !this.running.has(row.id)) {
      await this.exports.failStale(this.staleSeconds, INTERRUPTED);
      row = (await this.exports.get(exportId))!;
    }
    return { row, camera };
  }

  private start(id: string, segments: StoredSegment[], from: Date, to: Date): void {
    const abort = new AbortController();
    const done = this.run(id, segments, from, to, abort.signal).finally(() => this.running.delete(id));
    this.running.set(id, { abort, done });
  }

  private async run(id: string, segments: StoredSegment[], from: Date, to: Date, signal: AbortSignal): Promise<void> {
    const relPath = `exports/${id}.mp4`;
    const out = join(this.options.dataDir, relPath);
    let reported = 0;
    let latest = 0;
    let writing: Promise<void> = Promise.resolve();
    const write = () => {
      reported = Date.now();
      const fraction = latest;
      writing = writing.then(() => this.exports.progress(id, fraction)).catch(() => {});
    };
    // ffmpeg says nothing while it reads a slow disk; the heartbeat keeps the job visibly alive anyway.
    const heartbeat = setInterval(write, this.heartbeatMs);
    try {
      await mkdir(this.dir, { recursive: true });
      // From S3 the segments are fetched first (the first 10 % of the progress); on local disk at once.
      const files = await segmentFiles(this.blobs, segments, (done) => {
        latest = 0.1 * (done / segments.length);
        if (Date.now() - reported >= 1000) write();
      });
      if (signal.aborted) throw new Error('aborted');
      const plan = planRange(files, segments, from, to);
      if (!plan) throw new Error('no recording left in the period');
      await renderRange(this.options.tools, plan, out, {
        signal,
        onProgress: (fraction) => {
          // The last 1 % is the faststart rewrite, hashing and storing, reported by `finish`.
          latest = Math.min(0.99, 0.1 + 0.9 * fraction);
          if (Date.now() - reported >= 1000) write();
        },
      });
      const [sha256, { size }] = await Promise.all([sha256Of(out), stat(out)]);
      await this.blobs.put(relPath, out, { sha256 });
      clearInterval(heartbeat);
      await writing;
      await this.exports.finish(id, { path: relPath, bytes: size, sha256 });
    } catch (err) {
      clearInterval(heartbeat);
      await writing;
      await rm(out, { force: true }).catch(() => {});
      const message = signal.aborted ? 'stopped: the node shut down' : (err as Error).message;
      await this.exports.fail(id, message).catch(() => {});
    }
  }
}
