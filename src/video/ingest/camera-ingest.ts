import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../platform/blob/blob-store.ts';
import { ProgressParser } from '../../platform/media/ffmpeg-progress.ts';
import { everySecond } from '../../platform/media/ticker.ts';
import { onLines, SupervisedProcess, type BackoffOptions, type RunEnd } from '../../platform/media/process-supervisor.ts';
import { credentialRedactor } from '../../platform/media/redact.ts';
import type { LiveSource } from '../live/live-hub.ts';
import { HealthTracker, type HealthSnapshot, type Transition } from './camera-health.ts';
import { buildIngestArgs, COPYABLE_CODECS, parseSource, segmentFileName, segmentIndexOf, type IngestSource } from './ingest-source.ts';
import { parseSegmentListLine, SegmentRecorder, type SegmentIndex } from './segment-recorder.ts';
import { SegmentTail } from './segment-tail.ts';

// One camera, one ffmpeg: it opens the camera once and writes fragmented-MP4 segments, which are the
// recording (indexed as each one closes) and, while someone watches, the live stream (the segment
// being written is followed by a SegmentTail attached to the camera's live hub). Health: the segment's
// growth is the pulse, ffmpeg's progress on stderr gives the frame rate. ffmpeg runs under a supervisor: restarted with backoff when it exits,
// killed when no frame arrives for stallTimeoutSeconds. A camera that is not recorded still writes
// short segments, for live, and each is deleted as it closes.

/** The camera's live hub, as the ingest sees it: it is given the source of its stream. */
export interface LiveSink {
  attach(source: LiveSource | undefined): void;
}

/** Segment length of a camera that is not recorded: its segments only carry live video. */
const LIVE_ONLY_SEGMENT_SECONDS = 2;

/**
 * Retrying a dead camera every few seconds costs one refused connection; capping the backoff low
 * is what lets a camera show online again within seconds of coming back.
 */
export const CAMERA_BACKOFF: Partial<BackoffOptions> = { initialMs: 500, maxMs: 4000, stableMs: 30_000 };

export interface CameraIngestOptions {
  cameraId: string;
  /** The stream URL (credentials included) or file path. */
  url: string;
  /** Record segments; false: live and health only. */
  record: boolean;
  dataDir: string;
  /** Where closed segments are stored (SegmentRecorderOptions.blobs). Default: local disk under dataDir. */
  blobs?: BlobStore;
  segmentSeconds: number;
  stallTimeoutSeconds: number;
  ffmpegPath: string;
  index: SegmentIndex;
  live?: LiveSink;
  onTransition?(cameraId: string, transition: Transition): void;
  log?: (message: string) => void;
  backoff?: Partial<BackoffOptions>;
}

/** A log line with `-loglevel level+…`: `[tcp @ 0x5…] [error] Connection … refused`. */
const LEVELLED = /^(?:\[[^\]]+ @ [^\]]+\] )?\[(panic|fatal|error|warning|info|verbose|debug|trace)\] (.*)$/;
/** Lines ffmpeg prints about input streams, e.g. `  Stream #0:0[0x100]: Video: h264 (High), …`. */
const VIDEO_STREAM = /^\s*Stream #0:\d+\S*: Video: (\w+)/;
/** Warnings every camera produces at start (first packets without timestamps): not worth keeping. */
const ROUTINE = /Timestamps are unset|Non-monotonous DTS|pts has no value/;

export class CameraIngest {
  readonly cameraId: string;
  readonly source: IngestSource;
  private readonly supervisor: SupervisedProcess;
  private readonly recorder?: SegmentRecorder;
  private readonly health: HealthTracker;
  private readonly redact: (text: string) => string;
  private readonly log: (message: string) => void;
  private transcode: boolean;
  private stopTick?: () => void;
  private runDir?: string;
  private parser = new ProgressParser();
  private inInputDump = false;
  private tail: string[] = [];
  private readonly liveTail: SegmentTail;
  /** The segment ffmpeg is writing in this run, and its size when last looked at. */
  private segment = { index: 0, size: 0 };

  constructor(private readonly options: CameraIngestOptions) {
    this.cameraId = options.cameraId;
    this.source = parseSource(options.url, `camera ${options.cameraId} stream url`);
    this.redact = credentialRedactor(this.source.input);
    this.log = options.log ?? (() => {});
    this.transcode = this.source.kind === 'mjpeg';
    const stallMs = options.stallTimeoutSeconds * 1000;
    this.health = new HealthTracker({ offlineAfterMs: stallMs, onTransition: (t) => options.onTransition?.(this.cameraId, t) });
    if (options.record) {
      this.recorder = new SegmentRecorder({
        cameraId: this.cameraId, dataDir: options.dataDir, index: options.index, blobs: options.blobs, log: this.log,
        onFiled: (s) => this.health.segment(s.bytes, s.endAt.getTime() - s.startAt.getTime()),
      });
    }
    this.liveTail = new SegmentTail({ log: (m) => this.log(`camera ${this.cameraId}: ${m}`) });
    this.supervisor = new SupervisedProcess({
      name: `camera ${this.cameraId}`,
      command: options.ffmpegPath,
      args: () => this.args(),
      cwd: () => this.runDir,
      extraPipes: 1,
      stallTimeoutMs: stallMs,
      backoff: { ...CAMERA_BACKOFF, ...options.backoff },
      onStart: (child, run) => this.onStart(child, run),
      onStderrLine: (line) => this.onStderr(line),
      onRunEnd: (end) => this.onRunEnd(end),
    });
  }

  /** Files segments an earlier process left behind, then starts ffmpeg. */
  async start(): Promise<void> {
    await this.recorder?.recoverLeftovers();
    this.log(`camera ${this.cameraId}: ingest ${this.source.kind} ${this.source.display}${this.options.record ? ', recording' : ''}`);
    this.options.live?.attach(this.liveTail);
    this.supervisor.start();
    this.stopTick = everySecond(() => this.onTick());
  }

  /** Stops ffmpeg (it closes its last segment) and waits until every segment is indexed. */
  async stop(): Promise<void> {
    this.stopTick?.();
    await this.supervisor.stop();
    this.options.live?.attach(undefined);
    this.liveTail.stop();
    await this.recorder?.idle();
  }

  snapshot(): HealthSnapshot & { recording: { segments: number; bytes: number; lastSegmentEnd: Date | null } | null; transcoding: boolean; pid?: number } {
    return { ...this.health.snapshot(), recording: this.recorder?.stats ?? null, transcoding: this.transcode, pid: this.supervisor.pid };
  }

  private args(): readonly string[] {
    this.runDir = this.recorder?.beginRun() ?? this.liveOnlyRunDir();
    return buildIngestArgs({
      source: this.source,
      transcode: this.transcode,
      segmentSeconds: this.recorder ? this.options.segmentSeconds : LIVE_ONLY_SEGMENT_SECONDS,
    });
  }

  /**
   * Once a second: has the segment being written grown? ffmpeg flushes a fragment to it at least
   * every 200 ms while video arrives, so growth is the camera's pulse (online, last frame, the stall
   * watchdog, bitrate); one stat a second costs less than reading progress reports that often
   * (they come every 5 s, for the frame rate).
   */
  private onTick(): void {
    const dir = this.runDir;
    if (dir && this.supervisor.status === 'running') {
      const size = statSync(join(dir, segmentFileName(this.segment.index)), { throwIfNoEntry: false })?.size;
      if (size !== undefined && size > this.segment.size) {
        this.health.written(size - this.segment.size);
        this.supervisor.markProgress();
        this.segment.size = size;
      }
    }
    this.health.tick();
  }

  /** A segment closed: the next one is being written now. */
  private onSegmentClosed(name: string): void {
    const index = segmentIndexOf(name);
    if (index === undefined || index < this.segment.index) return;
    this.segment = { index: index + 1, size: 0 };
  }

  /** A run folder for a camera that is not recorded: <dataDir>/live/<camera>/<runStartMs>. */
  private liveOnlyRunDir(): string {
    const cameraDir = join(this.options.dataDir, 'live', this.cameraId);
    rmSync(cameraDir, { recursive: true, force: true });
    const dir = join(cameraDir, String(Date.now()));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A closed segment of a camera that is not recorded: its size tells the bitrate, then it goes. */
  private onLiveOnlySegment(dir: string, name: string, durationMs: number): void {
    if (!name) return;
    const file = join(dir, name);
    try {
      this.health.segment(statSync(file).size, durationMs);
    } catch {
      // already gone
    }
    rmSync(file, { force: true });
  }

  private onStart(child: ChildProcess, run: number): void {
    this.parser = new ProgressParser();
    this.inInputDump = false;
    this.health.runStarted(run);
    const dir = this.runDir;
    if (dir) this.liveTail.runStarted(dir);
    const list = child.stdio[3] as Readable | null;
    if (!list) return;
    const recorder = this.recorder;
    this.segment = { index: 0, size: 0 };
    onLines(list, (line) => {
      const { name, durationMs } = parseSegmentListLine(line);
      this.onSegmentClosed(name);
      if (recorder) recorder.onListLine(line);
      else if (dir) this.onLiveOnlySegment(dir, name, durationMs);
    });
  }

  private onStderr(line: string): void {
    const item = this.parser.push(line);
    if (!item) return;
    if ('block' in item) {
      this.health.frames(item.block.frame);
      return;
    }
    // The on-demand live output retrying a socket nobody listens on: by design, not a problem.
    if (item.log.startsWith('[fifo @ ')) return;
    const m = LEVELLED.exec(item.log);
    const level = m?.[1] ?? 'info';
    const message = m?.[2] ?? item.log;
    if (level === 'info') {
      this.onInfo(message);
      return;
    }
    if (level === 'verbose' || level === 'debug' || level === 'trace' || ROUTINE.test(message)) return;
    const text = this.redact(item.log);
    this.tail.push(text);
    if (this.tail.length > 10) this.tail.shift();
    if (level !== 'warning') this.health.problem(text);
  }

  /** Info lines tell the input's codec: one that can't be copied switches this camera to transcoding. */
  private onInfo(message: string): void {
    if (/^Input #/.test(message)) this.inInputDump = true;
    else if (/^(Output #|Stream mapping)/.test(message)) this.inInputDump = false;
    const video = this.inInputDump ? VIDEO_STREAM.exec(message) : null;
    if (video && !this.transcode && !COPYABLE_CODECS.has(video[1])) {
      // Found out from the stream itself: MJPEG over a URL that didn't say so, MPEG-4 part 2 …
      this.transcode = true;
      this.recorder?.discardRun();
      this.log(`camera ${this.cameraId}: sends ${video[1]}, which browsers can't play; transcoding to H.264 (costs CPU)`);
      this.supervisor.restart();
    }
  }

  private onRunEnd(end: RunEnd): void {
    this.liveTail.runEnded(end.reason === 'stopped' ? 'camera stopped' : 'camera stream restarting');
    void this.recorder?.endRun();
    if (!this.recorder && this.runDir) rmSync(this.runDir, { recursive: true, force: true });
    if (end.reason === 'stopped' || end.reason === 'restarted') return;
    const how = end.reason === 'stalled' ? 'stalled (no frames), killed' : end.reason === 'spawn-failed' ? `could not start: ${end.error?.message}` : `exited (${end.signal ?? `code ${end.code}`})`;
    const last = this.tail.slice(-3).join(' | ');
    this.tail = [];
    if (end.reason === 'stalled') this.health.problem('stream stalled');
    this.log(`camera ${this.cameraId}: ffmpeg ${how} after ${Math.round(end.runMs / 1000)} s${last ? `: ${last}` : ''}; restarting in ${((end.restartInMs ?? 0) / 1000).toFixed(1)} s`);
  }
}
