import { mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { BlobStore } from '../../platform/blob/blob-store.ts';
import { LocalBlobStore } from '../../platform/blob/local-blob-store.ts';
import { containerOf, readFmp4Layout } from '../recording/segment-format.ts';

// Files the segments one camera's ffmpeg writes. ffmpeg writes each run's segments into a staging
// folder of its own (<dataDir>/recordings/<camera>/.incoming/<runStartMs>/), and lists each segment
// on fd 3 once it is closed (`name,startSeconds,endSeconds`, stream time). A closed segment is stored
// in blob storage as recordings/<camera>/<YYYY-MM-DD UTC>/<startEpochMs>.mp4 (local disk: moved there
// under the data folder; S3: uploaded) and only then indexed, so a row always has its blob
// (fragmented MP4, see ingest-source.ts; `.ts` from earlier versions is filed the same way).
//
// Wall-clock bounds: a segment closes when the keyframe that starts the next one arrives, so for a
// live source its end is about "now". The first segment of a run starts at now - duration; each next
// one starts where the previous ended (a run is one unbroken stream, so its segments leave no holes)
// and lasts its stream duration, pulled back to within a second of the clock so that a camera whose
// clock runs fast or slow never drifts the index away from real time. Holes in the index are real:
// they lie between runs.
//
// A run that dies without closing its last segment (ffmpeg killed) leaves files not on the list:
// they are filed with approximate bounds, from the previous segment's end (or the run's start) to
// the file's modification time.
//
// Storing a segment (an upload, with S3) is tried a few times. A segment the store still refuses is
// not lost: it waits in <dataDir>/recordings/<camera>/.unstored/<startMs>-<endMs>.<ext> and is stored
// and indexed, with its own bounds, after the next segment that stores, or at the next start.

export interface ClosedSegment {
  cameraId: string;
  startAt: Date;
  endAt: Date;
  bytes: number;
  /** Its blob key (relative to the data folder on local disk): recordings/<camera>/<day>/<startMs>.mp4 */
  path: string;
  /** An fMP4 segment's init segment size and SHA-256, so HLS playlists need only the index. */
  init?: { bytes: number; digest: string };
}

/** Where closed segments are recorded (RecordingRepository). */
export interface SegmentIndex {
  insert(segment: ClosedSegment): Promise<unknown>;
}

export interface SegmentRecorderOptions {
  cameraId: string;
  dataDir: string;
  index: SegmentIndex;
  /** Where closed segments are stored. Default: local disk under dataDir. */
  blobs?: BlobStore;
  log?: (message: string) => void;
  /** Each segment once indexed. */
  onFiled?(segment: ClosedSegment): void;
  now?: () => number;
  /** Waits between attempts to store a segment. Default 0.5, 1, 2 and 4 s (five attempts). */
  storeRetryDelaysMs?: number[];
}

/** How far a segment's end may be from the clock when it closes. */
const CLOCK_TOLERANCE_MS = 1000;
const MAX_INSERT_ATTEMPTS = 5;

/** One line of ffmpeg's CSV segment list: the file's name (as ffmpeg wrote it) and its stream duration. */
export function parseSegmentListLine(line: string): { name: string; durationMs: number } {
  const [name, start, end] = line.trim().split(',');
  return { name: basename(name ?? ''), durationMs: (Number(end) - Number(start)) * 1000 };
}

/**
 * Whether a segment a killed ffmpeg left holds any video: an MP4 one that got no further than its
 * init segment (ftyp + moov) does not.
 */
async function holdsMedia(file: string): Promise<boolean> {
  return containerOf(file) === 'ts' || (await readFmp4Layout(file)) !== null;
}

export class SegmentRecorder {
  private readonly cameraDir: string;
  private readonly incomingDir: string;
  /** Segments the blob store refused, waiting to be stored: <startMs>-<endMs>.<ext>. */
  private readonly unstoredDir: string;
  private unstored = 0;
  private readonly now: () => number;
  private queue: Promise<void> = Promise.resolve();
  private run?: { dir: string; startedAt: number; lastEnd: number | null; filed: Set<string>; discard: boolean };
  /** Inserts that failed (database away); retried before the next one, a few times. */
  private pending: Array<{ segment: ClosedSegment; attempts: number }> = [];
  private counters = { segments: 0, bytes: 0, lastSegmentEnd: null as Date | null };
  private readonly blobs: BlobStore;

  constructor(private readonly options: SegmentRecorderOptions) {
    this.cameraDir = join(options.dataDir, 'recordings', options.cameraId);
    this.incomingDir = join(this.cameraDir, '.incoming');
    this.unstoredDir = join(this.cameraDir, '.unstored');
    this.now = options.now ?? Date.now;
    this.blobs = options.blobs ?? new LocalBlobStore(options.dataDir);
  }

  get stats(): { segments: number; bytes: number; lastSegmentEnd: Date | null; pending: number; unstored: number } {
    return { ...this.counters, pending: this.pending.length, unstored: this.unstored };
  }

  /** Creates the staging folder for a new ffmpeg run and returns it (ffmpeg's working directory). */
  beginRun(): string {
    const startedAt = this.now();
    const dir = join(this.incomingDir, String(startedAt));
    mkdirSync(dir, { recursive: true });
    this.run = { dir, startedAt, lastEnd: null, filed: new Set(), discard: false };
    return dir;
  }

  /** One line of ffmpeg's CSV segment list. */
  onListLine(line: string): void {
    const run = this.run;
    const closedAt = this.now();
    if (!run || run.discard || !line.trim()) return;
    this.enqueue(() => this.fileListed(run, line, closedAt));
  }

  /** What the current run writes from now on is not to be kept (it was recording the wrong thing). */
  discardRun(): void {
    if (this.run) this.run.discard = true;
  }

  /** The run's ffmpeg is gone: files what it left unlisted, removes its folder. */
  endRun(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    if (run?.discard) this.enqueue(async () => rmSync(run.dir, { recursive: true, force: true }));
    else if (run) this.enqueue(() => this.fileOrphans(run.dir, run.lastEnd ?? run.startedAt, run.filed));
    return this.idle();
  }

  /** Files segments that runs of an earlier process left in staging (that process was killed). */
  recoverLeftovers(): Promise<void> {
    let dirs: string[] = [];
    try {
      dirs = readdirSync(this.incomingDir).filter((d) => /^\d+$/.test(d) && join(this.incomingDir, d) !== this.run?.dir);
    } catch {
      return this.idle();
    }
    for (const d of dirs.sort()) this.enqueue(() => this.fileOrphans(join(this.incomingDir, d), Number(d), new Set()));
    this.enqueue(() => this.storeUnstored());
    return this.idle();
  }

  /** Stores and indexes the segments the blob store refused earlier, oldest first. */
  private async storeUnstored(): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.unstoredDir).sort();
    } catch {
      this.unstored = 0;
      return;
    }
    this.unstored = names.length;
    for (const name of names) {
      const m = /^(\d+)-(\d+)\.(mp4|ts)$/.exec(name);
      if (!m) continue;
      // One failure leaves the rest for the next time: the store is still away.
      if (!(await this.file(join(this.unstoredDir, name), Number(m[1]), Number(m[2]), false))) return;
      this.unstored--;
    }
  }

  /** Resolves once every segment seen so far is filed. */
  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err) => this.options.log?.(`camera ${this.options.cameraId}: recording: ${(err as Error).message}`));
  }

  private async fileListed(run: NonNullable<SegmentRecorder['run']>, line: string, closedAt: number): Promise<void> {
    const { name, durationMs } = parseSegmentListLine(line);
    const file = join(run.dir, name);
    run.filed.add(name);
    if (!name || !Number.isFinite(durationMs)) throw new Error(`unreadable segment list line "${line}"`);
    if (durationMs <= 0) {
      rmSync(file, { force: true });
      return;
    }
    const startAt = run.lastEnd ?? closedAt - durationMs;
    const clamped = Math.min(Math.max(startAt + durationMs, closedAt - CLOCK_TOLERANCE_MS), closedAt + CLOCK_TOLERANCE_MS);
    const endAt = Math.max(clamped, startAt + 1);
    run.lastEnd = endAt;
    await this.file(file, Math.round(startAt), Math.round(endAt));
  }

  private async fileOrphans(dir: string, firstStart: number, filed: Set<string>): Promise<void> {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => /\.(mp4|ts)$/.test(n) && !filed.has(n)).sort();
    } catch {
      return;
    }
    let start = firstStart;
    for (const name of names) {
      const file = join(dir, name);
      const st = statSync(file);
      const end = Math.round(st.mtimeMs);
      if (st.size > 0 && end > start && (await holdsMedia(file))) {
        await this.file(file, Math.round(start), end);
        start = end;
      } else {
        unlinkSync(file);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }

  /**
   * Stores the segment's blob, then indexes it; then, when `retryUnstored`, the segments waiting in
   * .unstored. False when the store refused it: the file is then kept in .unstored.
   */
  private async file(file: string, startMs: number, endMs: number, retryUnstored = true): Promise<boolean> {
    const bytes = statSync(file).size;
    const day = new Date(startMs).toISOString().slice(0, 10);
    const ext = extname(file) || '.mp4';
    const layout = ext === '.mp4' ? await readFmp4Layout(file).catch(() => null) : null;
    const keyAt = (ms: number) => `recordings/${this.options.cameraId}/${day}/${ms}${ext}`;
    let key = keyAt(startMs);
    try {
      // Two segments never start in the same millisecond unless the clock stepped back. The key is
      // chosen once: a retried upload whose first attempt landed (its answer lost) overwrites itself
      // instead of leaving a blob that no row points to.
      key = await this.withRetries(async () => {
        let free = keyAt(startMs);
        for (let ms = startMs + 1; await this.blobs.exists(free); ms++) free = keyAt(ms);
        return free;
      });
      await this.withRetries(() => this.blobs.put(key, file));
    } catch (err) {
      const waiting = join(this.unstoredDir, `${startMs}-${endMs}${ext}`);
      if (file !== waiting) {
        mkdirSync(this.unstoredDir, { recursive: true });
        renameSync(file, waiting);
        this.unstored++;
      }
      this.options.log?.(`camera ${this.options.cameraId}: recording: segment ${new Date(startMs).toISOString()} could not be stored (${(err as Error).message}); kept in ${waiting}, stored once the store is back`);
      return false;
    }
    const segment: ClosedSegment = {
      cameraId: this.options.cameraId,
      startAt: new Date(startMs),
      endAt: new Date(endMs),
      bytes,
      path: key,
      ...(layout && { init: { bytes: layout.initBytes, digest: layout.initDigest } }),
    };
    this.pending.push({ segment, attempts: 0 });
    while (this.pending.length) {
      const next = this.pending[0];
      try {
        await this.options.index.insert(next.segment);
      } catch (err) {
        if (++next.attempts < MAX_INSERT_ATTEMPTS) throw err;
        this.pending.shift();
        throw new Error(`segment ${next.segment.path} left out of the index after ${next.attempts} attempts: ${(err as Error).message}`);
      }
      this.pending.shift();
      this.counters.segments++;
      this.counters.bytes += next.segment.bytes;
      this.counters.lastSegmentEnd = next.segment.endAt;
      this.options.onFiled?.(next.segment);
    }
    if (retryUnstored && this.unstored > 0) await this.storeUnstored();
    return true;
  }

  private async withRetries<T>(work: () => Promise<T>): Promise<T> {
    const delays = this.options.storeRetryDelaysMs ?? [500, 1000, 2000, 4000];
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (attempt >= delays.length) throw err;
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
      }
    }
  }
}
