import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditService } from '../../audit/audit.service.ts';
import type { Actor } from '../../identity/actor.ts';
import { NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import type { NetworkService } from '../../network/network.service.ts';
import type { MediaTools } from './ffmpeg.ts';
import type { PlaybackRepository } from './playback.repository.ts';
import type { RecordingRepository } from './recording.repository.ts';
import { planRange, renderRange, segmentFile, type StoredSegment } from './range-render.ts';
import { TOUCH_MS, runsOf, timelineOf, type Timeline } from './timeline.ts';

/** Who may reach which camera is the network domain's rule: NotFoundError when absent or out of scope. */
export type CameraAccess = Pick<NetworkService, 'getCameraForActor'>;

export interface PlaybackOptions {
  dataDir: string;
  tools: MediaTools;
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

/** Segments whose file is missing (lost disk, mid-deletion) are treated as not recorded. */
export function presentSegments(dataDir: string, segments: StoredSegment[]): StoredSegment[] {
  return segments.filter((s) => existsSync(segmentFile(dataDir, s.path)));
}

export type SegmentIndex = Pick<RecordingRepository, 'list'>;

// More than a day of the shortest segments (2 s); a period holding more is refused, not cut short.
const MOST_SEGMENTS = 50_000;

/** The segments of [from, to) whose files are here, oldest first. */
export async function recordedSegments(index: SegmentIndex, dataDir: string, cameraId: string, from: Date, to: Date): Promise<StoredSegment[]> {
  const rows = await index.list(cameraId, from, to, MOST_SEGMENTS + 1);
  if (rows.length > MOST_SEGMENTS) throw new ValidationError(`the period holds more than ${MOST_SEGMENTS} segments; ask for a shorter one`, 'to');
  return presentSegments(dataDir, rows);
}

/** Timeline and browser playback of recordings. */
export class PlaybackService {
  private readonly cacheDir: string;
  private readonly maxPlaybackSeconds: number;
  private readonly maxTimelineSeconds: number;
  // Requests for the same range while it renders share one ffmpeg; the file itself is the shared cache.
  private readonly rendering = new Map<string, Promise<void>>();

  constructor(
    private readonly index: SegmentIndex,
    private readonly segments: PlaybackRepository,
    private readonly cameras: CameraAccess,
    private readonly audit: AuditService,
    private readonly options: PlaybackOptions,
  ) {
    this.cacheDir = join(options.dataDir, 'cache', 'playback');
    this.maxPlaybackSeconds = options.maxPlaybackSeconds ?? 6 * 3600;
    this.maxTimelineSeconds = (options.maxTimelineDays ?? 31) * 86400;
  }

  async timeline(actor: Actor, cameraId: string, from: Date, to: Date): Promise<Timeline> {
    checkPeriod(from, to, this.maxTimelineSeconds);
    const camera = await this.cameras.getCameraForActor(actor, cameraId);
    // What lies in the future is not missing yet: gaps end now.
    const end = new Date(Math.max(from.getTime(), Math.min(to.getTime(), Date.now())));
    const timeline = timelineOf(await this.segments.recordedRuns(camera.id, from, to, TOUCH_MS), from, end);
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
    const segments = await recordedSegments(this.index, this.options.dataDir, camera.id, from, to);
    const plan = planRange(this.options.dataDir, segments, from, to);
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
   * starts at once. It starts precisely at `from` (EXT-X-START) and ends with the segment holding `to`;
   * a gap is a discontinuity with the wall-clock time of what follows.
   */
  async hlsPlaylist(actor: Actor, cameraId: string, from: Date, to: Date, segmentUri: (segmentId: number) => string): Promise<string> {
    checkPeriod(from, to, this.maxPlaybackSeconds);
    const camera = await this.cameras.getCameraForActor(actor, cameraId);
    const segments = await recordedSegments(this.index, this.options.dataDir, camera.id, from, to);
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
      `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...segments.map(seconds)))}`,
      '#EXT-X-MEDIA-SEQUENCE:0',
      `#EXT-X-START:TIME-OFFSET=${Math.max(0, (from.getTime() - segments[0].start_at.getTime()) / 1000).toFixed(3)},PRECISE=YES`,
    ];
    segments.forEach((s, i) => {
      const prev = segments[i - 1];
      const gap = prev && s.start_at.getTime() - prev.end_at.getTime() > TOUCH_MS;
      if (gap) lines.push('#EXT-X-DISCONTINUITY');
      if (!prev || gap) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.start_at.toISOString()}`);
      lines.push(`#EXTINF:${seconds(s).toFixed(3)},`, segmentUri(s.id));
    });
    lines.push('#EXT-X-ENDLIST');
    return lines.join('\n') + '\n';
  }

  /** One stored segment (MPEG-TS) of a camera, as an HLS playlist names it; audited like any playback. */
  async segment(actor: Actor, cameraId: string, segmentId: number): Promise<{ file: string; bytes: number }> {
    const camera = await this.cameras.getCameraForActor(actor, cameraId);
    const segment = await this.segments.segment(camera.id, segmentId);
    const file = segment && presentSegments(this.options.dataDir, [segment]).length ? segmentFile(this.options.dataDir, segment.path) : undefined;
    if (!segment || !file) throw new NotFoundError('segment', String(segmentId));
    await this.audit.record(actor, {
      action: 'video.playback', targetType: 'camera', targetId: camera.id, scopePath: camera.scopePath,
      details: { format: 'hls', segmentId, from: segment.start_at.toISOString(), to: segment.end_at.toISOString() },
    });
    return { file, bytes: (await stat(file)).size };
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
