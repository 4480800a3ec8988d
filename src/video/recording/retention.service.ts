import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobStore } from '../../platform/blob/blob-store.ts';
import { LocalBlobStore } from '../../platform/blob/local-blob-store.ts';
import { mapLimit } from './segment-format.ts';
import type { RecordingRepository } from './recording.repository.ts';
import type { DeletableSegment, RetentionRepository } from './retention.repository.ts';

export interface RetentionOptions {
  dataDir: string;
  /** Where segments are stored. Default: local disk under dataDir. */
  blobs?: BlobStore;
  /** Days a segment is kept when its camera sets no retention (video.retentionDays). */
  retentionDays: number;
  /** Most bytes of recordings kept (video.quotaBytes); unset: no quota. */
  quotaBytes?: number;
  /** Seconds between runs of the periodic sweep. */
  intervalSeconds?: number;
  /** Rows per transaction. */
  batchSize?: number;
  /** Playback cache files, and local copies of S3 blobs, unused this long are removed. */
  cacheMaxAgeSeconds?: number;
  log?: (message: string) => void;
}

export interface RetentionReport {
  expired: number;
  evicted: number;
  bytesFreed: number;
  /** Recording bytes after the run. */
  usageBytes: number;
  /** Set when held segments alone exceed the quota, or files could not be deleted. */
  overQuota: boolean;
  cacheFilesRemoved: number;
  errors: string[];
}

/** Deletes recordings past retention and, with a quota, the oldest beyond it; never those under legal hold. */
export class RetentionService {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<RetentionReport> | undefined;
  private readonly blobs: BlobStore;

  constructor(
    private readonly repo: RetentionRepository,
    private readonly index: Pick<RecordingRepository, 'sumBytes'>,
    private readonly options: RetentionOptions,
  ) {
    this.blobs = options.blobs ?? new LocalBlobStore(options.dataDir);
  }

  /** One full sweep. Concurrent calls share the sweep in progress. */
  runOnce(now = new Date()): Promise<RetentionReport> {
    this.current ??= this.sweep(now).finally(() => (this.current = undefined));
    return this.current;
  }

  /** Runs the sweep now and every `intervalSeconds` until `stop`. */
  start(): void {
    if (this.timer) return;
    const every = (this.options.intervalSeconds ?? 300) * 1000;
    const tick = () => {
      this.runOnce()
        .then((r) => {
          if (r.expired || r.evicted || r.errors.length) {
            this.options.log?.(`retention: ${r.expired} expired, ${r.evicted} evicted, ${r.bytesFreed} bytes freed, ${r.usageBytes} bytes used${r.errors.length ? `; ${r.errors.length} errors: ${r.errors[0]}` : ''}`);
          }
        })
        .catch((err) => this.options.log?.(`retention failed: ${(err as Error).message}`));
    };
    this.timer = setInterval(tick, every);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.current?.catch(() => {});
  }

  private async sweep(now: Date): Promise<RetentionReport> {
    const batch = this.options.batchSize ?? 200;
    const errors: string[] = [];
    // Rows whose file could not be deleted are skipped for the rest of this run, so one bad file
    // (permissions, I/O error) neither blocks retention nor makes it spin.
    const failed: number[] = [];
    const remove = (segments: DeletableSegment[]) => this.removeFiles(segments, failed, errors);
    const days = new Set<string>();
    let expired = 0;
    let evicted = 0;
    let bytesFreed = 0;

    for (;;) {
      const r = await this.repo.deleteExpired(now, this.options.retentionDays, batch, failed, remove);
      r.deleted.forEach((s) => days.add(dirname(s.path)));
      expired += r.deleted.length;
      bytesFreed += r.deleted.reduce((n, s) => n + s.bytes, 0);
      if (r.candidates === 0) break;
    }

    let usage = await this.index.sumBytes();
    const quota = this.options.quotaBytes;
    if (quota !== undefined) {
      while (usage > quota) {
        const r = await this.repo.evictOverQuota(quota, batch, failed, remove);
        r.deleted.forEach((s) => days.add(dirname(s.path)));
        evicted += r.deleted.length;
        bytesFreed += r.deleted.reduce((n, s) => n + s.bytes, 0);
        usage = r.usage;
        if (r.candidates === 0) break;
      }
    }

    await this.removeEmptyDays(days, now);
    const cacheFilesRemoved = await this.pruneCache(now, errors);
    return { expired, evicted, bytesFreed, usageBytes: usage, overQuota: quota !== undefined && usage > quota, cacheFilesRemoved, errors };
  }

  private async removeFiles(segments: DeletableSegment[], failed: number[], errors: string[]): Promise<number[]> {
    const gone: number[] = [];
    // Eight at a time: with S3 each is a request, made while the batch's rows are locked.
    await mapLimit(segments, 8, async (s) => {
      try {
        // A blob already gone counts as deleted.
        await this.blobs.delete(s.path);
        gone.push(s.id);
      } catch (err) {
        failed.push(s.id);
        errors.push(`segment ${s.id} (${s.path}): ${(err as Error).message}`);
      }
    });
    return gone;
  }

  // Day folders are removed once empty, but never today's (UTC) or later: the ingest may be about to
  // write its next segment there.
  private async removeEmptyDays(days: Set<string>, now: Date): Promise<void> {
    const today = now.toISOString().slice(0, 10);
    for (const day of days) {
      const name = day.split('/').pop() ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(name) || name >= today) continue;
      await rmdir(join(this.options.dataDir, day)).catch(() => {});
    }
  }

  /** Files under <dataDir>/cache (rendered playback files, local copies of S3 blobs) unused for the cache age go. */
  private async pruneCache(now: Date, errors: string[]): Promise<number> {
    const maxAge = (this.options.cacheMaxAgeSeconds ?? 3600) * 1000;
    const dir = join(this.options.dataDir, 'cache');
    let names: string[];
    try {
      names = await readdir(dir, { recursive: true });
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const file = join(dir, name);
      try {
        const st = await stat(file);
        if (st.isFile() && now.getTime() - st.mtimeMs > maxAge) {
          await rm(file, { force: true });
          removed++;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') errors.push(`cache ${name}: ${(err as Error).message}`);
      }
    }
    return removed;
  }
}
