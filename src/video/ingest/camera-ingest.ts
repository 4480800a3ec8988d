import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ProgressParser } from '../../platform/media/ffmpeg-progress.ts';
import { SupervisedProcess, type BackoffOptions, type RunEnd } from '../../platform/media/process-supervisor.ts';
import { credentialRedactor } from '../../platform/media/redact.ts';
import { LIVE_FMP4_OUTPUT_ARGS } from '../live/fmp4.ts';
import { HealthTracker, type HealthSnapshot, type Transition } from './camera-health.ts';
import { buildIngestArgs, COPYABLE_CODECS, parseSource, type IngestSource } from './ingest-source.ts';
import { LiveOnDemand, liveSocketPath, type LiveSink } from './live-on-demand.ts';
import { SegmentRecorder, type SegmentIndex } from './segment-recorder.ts';

// One camera, one ffmpeg: it opens the camera once and feeds recording (segments, indexed as they
// close), live viewers (fMP4 on stdout, handed to the camera's live hub at every start, or on demand
// through a socket, see live-on-demand.ts) and health (progress on stderr). ffmpeg runs under a supervisor: restarted with backoff when it exits, killed
// when no frame arrives for stallTimeoutSeconds.

export type { LiveSink } from './live-on-demand.ts';

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
  segmentSeconds: number;
  stallTimeoutSeconds: number;
  ffmpegPath: string;
  index: SegmentIndex;
  live?: LiveSink;
  /** Muxer options of the live output; default the live domain's LIVE_FMP4_OUTPUT_ARGS. */
  liveArgs?: readonly string[];
  /**
   * Live only while the sink has viewers, and for lingerSeconds after the last leaves. Unset: live
   * always flows (a viewer starts at once on the hub's cached GOP). Stream-copied cameras only.
   */
  liveOnDemand?: { lingerSeconds: number };
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
  private tick?: NodeJS.Timeout;
  private runDir?: string;
  private parser = new ProgressParser();
  private inInputDump = false;
  private tail: string[] = [];
  private readonly onDemand?: LiveOnDemand;

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
        cameraId: this.cameraId, dataDir: options.dataDir, index: options.index, log: this.log,
        onFiled: (s) => this.health.segment(s.bytes, s.endAt.getTime() - s.startAt.getTime()),
      });
    }
    if (options.live && options.liveOnDemand) {
      this.onDemand = new LiveOnDemand(liveSocketPath(this.cameraId), options.live, options.liveOnDemand.lingerSeconds * 1000, (n) => this.health.bytes(n));
    }
    this.supervisor = new SupervisedProcess({
      name: `camera ${this.cameraId}`,
      command: options.ffmpegPath,
      args: () => this.args(),
      cwd: () => this.runDir,
      stdout: 'pipe',
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
    this.supervisor.start();
    this.tick = setInterval(() => {
      this.health.tick();
      if (!this.transcode) this.onDemand?.update();
    }, 1000);
  }

  /** Stops ffmpeg (it closes its last segment) and waits until every segment is indexed. */
  async stop(): Promise<void> {
    clearInterval(this.tick);
    await this.supervisor.stop();
    this.onDemand?.close();
    await this.recorder?.idle();
  }

  snapshot(): HealthSnapshot & { recording: { segments: number; bytes: number; lastSegmentEnd: Date | null } | null; transcoding: boolean; pid?: number } {
    return { ...this.health.snapshot(), recording: this.recorder?.stats ?? null, transcoding: this.transcode, pid: this.supervisor.pid };
  }

  private args(): readonly string[] {
    this.runDir = this.recorder?.beginRun();
    return buildIngestArgs({
      source: this.source,
      transcode: this.transcode,
      segmentSeconds: this.recorder ? this.options.segmentSeconds : undefined,
      liveArgs: this.options.liveArgs ?? LIVE_FMP4_OUTPUT_ARGS,
      liveSocket: this.onDemand && !this.transcode ? this.onDemand.path : undefined,
    });
  }

  private onStart(child: ChildProcess, run: number): void {
    this.parser = new ProgressParser();
    this.inInputDump = false;
    this.health.runStarted(run);
    const stdout = child.stdout as Readable;
    if (this.onDemand && !this.transcode) {
      stdout.resume();
    } else {
      stdout.on('data', (chunk: Buffer) => this.health.bytes(chunk.length));
      try {
        this.options.live?.feed(stdout);
      } catch (err) {
        this.log(`camera ${this.cameraId}: live: ${(err as Error).message}`);
      }
    }
    const list = child.stdio[3] as Readable | null;
    if (list && this.recorder) {
      const recorder = this.recorder;
      createInterface({ input: list, crlfDelay: Infinity }).on('line', (line) => recorder.onListLine(line));
    } else {
      list?.resume();
    }
  }

  private onStderr(line: string): void {
    const item = this.parser.push(line);
    if (!item) return;
    if ('block' in item) {
      if (this.health.frames(item.block.frame)) this.supervisor.markProgress();
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
      this.onDemand?.close();
      this.recorder?.discardRun();
      this.log(`camera ${this.cameraId}: sends ${video[1]}, which browsers and MPEG-TS copy can't take; transcoding to H.264 (costs CPU)`);
      this.supervisor.restart();
    }
  }

  private onRunEnd(end: RunEnd): void {
    void this.recorder?.endRun();
    if (end.reason === 'stopped' || end.reason === 'restarted') return;
    const how = end.reason === 'stalled' ? 'stalled (no frames), killed' : end.reason === 'spawn-failed' ? `could not start: ${end.error?.message}` : `exited (${end.signal ?? `code ${end.code}`})`;
    const last = this.tail.slice(-3).join(' | ');
    this.tail = [];
    if (end.reason === 'stalled') this.health.problem('stream stalled');
    this.log(`camera ${this.cameraId}: ffmpeg ${how} after ${Math.round(end.runMs / 1000)} s${last ? `: ${last}` : ''}; restarting in ${((end.restartInMs ?? 0) / 1000).toFixed(1)} s`);
  }
}
