import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditService } from '../../audit/audit.service.ts';
import type { Actor } from '../../identity/actor.ts';
import type { BlobStore } from '../../platform/blob/blob-store.ts';
import { LocalBlobStore } from '../../platform/blob/local-blob-store.ts';
import { NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import type { NetworkService } from '../../network/network.service.ts';
import type { MediaTools } from './ffmpeg.ts';
import type { RecordingRepository } from './recording.repository.ts';
import { planRange, renderRange, type StoredSegment } from './range-render.ts';
import { presentSegments, segmentFile, segmentFiles } from './segment-files.ts';
import { containerOf, decodeTimePatches, mapLimit, readFmp4Layout, type BytePatch, type Fmp4Layout, type SegmentContainer } from './segment-format.ts';
import { TOUCH_MS, runsOf, timelineOf, type Timeline } from './timeline.ts';

/** Who may reach which camera is the network domain's rule: NotFoundError when absent or out of scope. */
export type CameraAccess = Pick<NetworkService, 'getCameraForActor'>;

export interface PlaybackOptions {
  dataDir: string;
  tools: MediaTools;
  /** Where segments are stored. Default: local disk under dataDir. */
  blobs?: BlobStore;
  /** Longest range one playback file covers. */
  maxPlaybackSeconds?: number;
  /** Longest period a timeline covers. */
  maxTimelineDays?: number;
}

export interface PlaybackFile {
  file: string;
  bytes: number;
  /** The recorded parts of the range; the rest of the file is held frames or black. */
  recorded: Timeline['ranges'];
}

/** The period must be ordered and not longer than `maxSeconds`; names the field at fault. */
export function checkPeriod(from: Date, to: Date, maxSeconds: number): void {
  if (!(to > from)) throw new ValidationError('must be after from', 'to');
  if (to.getTime() - from.getTime() > maxSeconds * 1000) {
    throw new ValidationError(`the period may be at most ${maxSeconds} seconds long`, 'to');
  }
}

export type SegmentIndex = Pick<RecordingRepository, 'list'>;

// More than a day of the shortest segments (2 s); a period holding more is refused, not cut short.
const MOST_SEGMENTS = 50_000;
// Init-segment layouts remembered (a segment never changes once written): a few days of one camera.
const LAYOUTS_KEPT = 100_000;

/** The segments of [from, to) whose files are here, oldest first. */
export async function recordedSegments(index: SegmentIndex, blobs: BlobStore, cameraId: string, from: Date, to: Date): Promise<StoredSegment[]> {
  const rows = await index.list(cameraId, from, to, MOST_SEGMENTS + 1);
  if (rows.length > MOST_SEGMENTS) throw new ValidationError(`the period holds more than ${MOST_SEGMENTS} segments; ask for a shorter one`, 'to');
  return presentSegments(blobs, rows);
}

/** What an HLS playlist needs of an MP4 segment. */
type PlaylistLayout = Pick<Fmp4Layout, 'initBytes' | 'fileBytes' | 'initDigest'>;

/** Timeline and browser playback of recordings. */
export class PlaybackService {
  private readonly cacheDir: string;
  private readonly maxPlaybackSeconds: number;
  private readonly maxTimelineSeconds: number;
  // Requests for the same range while it renders share one ffmpeg; the file itself is the shared cache.
  private readonly rendering = new Map<string, Promise<void>>();
  private readonly layouts = new Map<number, Fmp4Layout | null>();
  private readonly blobs: BlobStore;

  constructor(
    private readonly index: SegmentIndex & Pick<RecordingRepository, 'recordedRuns' | 'segment'>,
    private readonly cameras: CameraAccess,
    private readonly audit: AuditService,
    private readonly options: PlaybackOptions,
  ) {
    this.cacheDir = join(options.dataDir, 'cache', 'playback');
    this.blobs = options.blobs ?? new LocalBlobStore(options.dataDir);
    this.maxPlaybackSeconds = options.maxPlaybackSeconds ?? 6 * 3600;
    this.maxTimelineSeconds = (options.maxTimelineDays ?? 31) * 86400;
  }

  async timeline(actor: Actor, cameraId: string, from: Date, to: Date): Promise<Timeline> {
    checkPeriod(from, to, this.maxTimelineSeconds);
    const camera = await this.cameras.getCameraForActor(actor, cameraId);
    // What lies in the future is not missing yet: gaps end now.
    const end = new Date(Math.max(from.getTime(), Math.min(to.getTime(), Date.now())));
    const timeline = timelineOf(await this.index.recordedRuns(camera.id, from, to, TOUCH_MS), from, end);
    await this.audit.record(actor, {
      action: 'video.timeline', targetType: 'camera', targetId: camera.id, scopePath: camera.scopePath,
      details: { from: from.toISOString(), to: to.toISOString(), segments: timeline.segments },
    });
    return timeline;
  }

  /**
   * The MP4 of exactly [from, to), made once and cached. Every request is audited, byte ranges
   * included: a seek is a new request, and none of them may view video unrecorded.
   */
  async playback(actor: Actor, cameraId: string, from: Date, to: Date, byteRange?: string): Promise<PlaybackFile> {
    checkPeriod(from, to, this.maxPlaybackSeconds);
    const camera = await this.cameras.getCameraForActor(actor, cameraId);
    const segments = await recordedSegments(this.index, this.blobs, camera.id, from, to);
    const plan = planRange(await segmentFiles(this.blobs, segments), segments, from, to);
    if (!plan) throw new NotFoundError(`recording of camera ${camera.id} between ${from.toISOString()} and ${to.toISOString()}`);
    // The key covers the segments used, so a range whose segments changed (evicted, late arrival) is made again.
    const key = createHash('sha256').update(JSON.stringify([camera.id, from, to, plan.script])).digest('hex').slice(0, 40);
    const file = join(this.cacheDir, `${key}.mp4`);
    await this.ensureRendered(file, key, plan);
    const { size } = await stat(file);
    await this.audit.record(actor, {
      action: 'video.playback', targetType: 'camera', targetId: camera.id, scopePath: camera.scopePath,
      details: { from: from.toISOString(), to: to.toISOString(), range: byteRange ?? null },
    });
    return { file, bytes: size, recorded: timelineOf(runsOf(segments), from, to).ranges };
  }

  /**
   * An HLS VOD playlist over the stored segments of [from, to): nothing is rendered, so a long range
   * starts at once. It starts precisely at `from` (EXT-X-START) and ends with the segment holding `to`.
   * A gap is a discontinuity with the wall-clock time of what follows.
   *
   * MP4 segments are listed as fMP4 media segments (HLS version 6, for EXT-X-MAP): the fragments of
   * each file by EXT-X-BYTERANGE, and its init segment (ftyp + moov) by EXT-X-MAP wherever that
   * differs from the previous segment's (a new stream). Each file's timestamps restart at 0, which
   * players can't join (ffmpeg ignores discontinuities and hls.js, with B-frames, leaves a hole of
   * the first frame's composition offset at every one), so `segment` serves the fragments moved to
   * their wall-clock start: one timeline, continuous like the MPEG-TS segments of earlier versions,
   * which keep their plain form. A range from MPEG-TS to MP4 works; back would not (an EXT-X-MAP
   * can't be cancelled for later segments).
   */
  async hlsPlaylist(actor: Actor, cameraId: string, from: Date, to: Date, segmentUri: (segmentId: number, container: SegmentContainer) => string): Promise<string> {
    checkPeriod(from, to, this.maxPlaybackSeconds);
    const camera = await this.cameras.getCameraForActor(actor, cameraId);
    const present = await recordedSegments(this.index, this.blobs, camera.id, from, to);
    // From the index where it has the init segment's size and digest; else read from the file.
    const layouts = await mapLimit(present, 16, async (s): Promise<PlaylistLayout | null | undefined> =>
      s.init_bytes != null && s.init_digest != null ? { initBytes: s.init_bytes, fileBytes: s.bytes, initDigest: s.init_digest } : this.layoutOf(s));
    // An MP4 file without an init segment and a fragment (cut short, damaged) is not recorded.
    const segments = present
      .map((segment, i) => ({ segment, layout: layouts[i] }))
      .filter((s) => s.layout !== null);
    if (!segments.length) throw new NotFoundError(`recording of camera ${camera.id} between ${from.toISOString()} and ${to.toISOString()}`);
    await this.audit.record(actor, {
      action: 'video.playback', targetType: 'camera', targetId: camera.id, scopePath: camera.scopePath,
      details: { from: from.toISOString(), to: to.toISOString(), format: 'hls', segments: segments.length },
    });
    const seconds = (s: StoredSegment) => (s.end_at.getTime() - s.start_at.getTime()) / 1000;
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...segments.map((s) => seconds(s.segment))))}`,
      '#EXT-X-MEDIA-SEQUENCE:0',
      `#EXT-X-START:TIME-OFFSET=${Math.max(0, (from.getTime() - segments[0].segment.start_at.getTime()) / 1000).toFixed(3)},PRECISE=YES`,
    ];
    segments.forEach(({ segment: s, layout }, i) => {
      const prev = segments[i - 1];
      const gap = prev && s.start_at.getTime() - prev.segment.end_at.getTime() > TOUCH_MS;
      const newInit = layout && layout.initDigest !== prev?.layout?.initDigest;
      // A new init segment is a new stream (or a change of container): its timestamps don't follow on.
      const discontinuity = prev && (gap || newInit || (!layout && prev.layout));
      if (discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      if (!prev || discontinuity) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.start_at.toISOString()}`);
      const uri = segmentUri(s.id, layout ? 'mp4' : 'ts');
      if (layout && newInit) lines.push(`#EXT-X-MAP:URI="${uri}",BYTERANGE="${layout.initBytes}@0"`);
      lines.push(`#EXTINF:${seconds(s).toFixed(3)},`);
      if (layout) lines.push(`#EXT-X-BYTERANGE:${layout.fileBytes - layout.initBytes}@${layout.initBytes}`);
      lines.push(uri);
    });
    lines.push('#EXT-X-ENDLIST');
    return lines.join('\n') + '\n';
  }

  /**
   * One stored segment of a camera, as an HLS playlist names it (`container` is the extension asked
   * for: only the file's own answers); audited like any playback. An MP4 one comes with the patches
   * that put its fragments at its wall-clock start (Unix epoch = 0), see `hlsPlaylist`.
   */
  async segment(actor: Actor, cameraId: string, segmentId: number, container: SegmentContainer): Promise<{ file: string; bytes: number; patches?: BytePatch[] }> {
    const camera = await this.cameras.getCameraForActor(actor, cameraId);
    const segment = await this.index.segment(camera.id, segmentId);
    if (!segment || containerOf(segment.path) !== container) throw new NotFoundError('segment', String(segmentId));
    const file = await segmentFile(this.blobs, segment).catch((err) => {
      throw err instanceof NotFoundError ? new NotFoundError('segment', String(segmentId)) : err;
    });
    const layout = container === 'mp4' ? await this.layoutOf(segment) : undefined;
    if (layout === null) throw new NotFoundError('segment', String(segmentId));
    await this.audit.record(actor, {
      action: 'video.playback', targetType: 'camera', targetId: camera.id, scopePath: camera.scopePath,
      details: { format: 'hls', segmentId, from: segment.start_at.toISOString(), to: segment.end_at.toISOString() },
    });
    if (!layout) return { file, bytes: (await stat(file)).size };
    return { file, bytes: layout.fileBytes, patches: await decodeTimePatches(file, layout, segment.start_at.getTime()) };
  }

  /** The init-segment layout of an MP4 segment (`undefined` for MPEG-TS; `null`: not a usable fMP4), cached. */
  private async layoutOf(s: StoredSegment): Promise<Fmp4Layout | null | undefined> {
    if (containerOf(s.path) === 'ts') return undefined;
    const cached = this.layouts.get(s.id);
    if (cached !== undefined) return cached;
    let layout: Fmp4Layout | null;
    try {
      layout = await readFmp4Layout(await segmentFile(this.blobs, s));
    } catch {
      return null; // unreadable now (deleted meanwhile, out of file handles): not remembered
    }
    if (this.layouts.size >= LAYOUTS_KEPT) this.layouts.delete(this.layouts.keys().next().value!);
    this.layouts.set(s.id, layout);
    return layout;
  }

  private async ensureRendered(file: string, key: string, plan: NonNullable<ReturnType<typeof planRange>>): Promise<void> {
    if (existsSync(file)) {
      // Recently used files are the last the retention sweep removes.
      const now = new Date();
      await utimes(file, now, now).catch(() => {});
      return;
    }
    let job = this.rendering.get(key);
    if (!job) {
      job = (async () => {
        await mkdir(this.cacheDir, { recursive: true });
        await renderRange(this.options.tools, plan, file);
      })().finally(() => this.rendering.delete(key));
      this.rendering.set(key, job);
    }
    await job;
  }
}
