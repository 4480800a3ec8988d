// Health of one camera as its ingest sees it. Online means frames are arriving; offline means none
// arrived for `offlineAfterMs` (from the last frame, or from the start of the ingest). A quick
// reconnect that brings frames back within that time never shows as offline, so the map doesn't
// flicker on a network hiccup.

export type CameraStatus = 'online' | 'offline';

export interface HealthSnapshot {
  /** Unknown until the first frame or the first offline timeout. */
  status: CameraStatus | 'unknown';
  statusSince: Date;
  /** Frames per second over the last window; 0 when offline. */
  fps: number | null;
  /** kbit/s of the latest recorded segment, or else of the live output over the last window. */
  bitrateKbps: number | null;
  lastFrameAt: Date | null;
  /** ffmpeg restarts since this ingest started. */
  reconnects: number;
}

export interface Transition {
  status: CameraStatus;
  at: Date;
  reason: string;
}

export interface HealthTrackerOptions {
  offlineAfterMs: number;
  /** Averaging window of fps and bitrate. Default 10 s. */
  windowMs?: number;
  onTransition?(transition: Transition): void;
  now?: () => number;
}

interface Sample {
  at: number;
  value: number;
}

export class HealthTracker {
  private status: CameraStatus | 'unknown' = 'unknown';
  private statusSince: number;
  private readonly startedAt: number;
  private lastFrameAt: number | null = null;
  private runFrames = 0;
  private totalFrames = 0;
  private totalBytes = 0;
  private reconnects = 0;
  private recordedKbps: number | null = null;
  private lastTickAt: number;
  /** Frame counts as progress reports them, and bytes as the segment grows: rates over a window. */
  private frameSamples: Sample[] = [];
  private byteSamples: Sample[] = [];
  private lastProblem = '';
  private readonly now: () => number;
  private readonly windowMs: number;

  constructor(private readonly options: HealthTrackerOptions) {
    this.now = options.now ?? Date.now;
    this.windowMs = options.windowMs ?? 10_000;
    this.startedAt = this.statusSince = this.lastTickAt = this.now();
  }

  /** An ffmpeg run starts; every run after the first is a reconnect. Frame counts restart at 0. */
  runStarted(run: number): void {
    if (run > 1) this.reconnects++;
    this.runFrames = 0;
  }

  /** The latest thing that went wrong (redacted), given as the reason when the camera goes offline. */
  problem(text: string): void {
    this.lastProblem = text.slice(0, 200);
  }

  /**
   * ffmpeg's running frame count for the current run, from its progress reports: the frame rate.
   * Not a pulse: a report comes every few seconds and may count frames of a camera that has since
   * gone quiet (ffmpeg prints one more as it exits), so only `written` says video is arriving now.
   */
  frames(runFrameCount: number): void {
    const added = runFrameCount - this.runFrames;
    if (added <= 0) return;
    this.runFrames = runFrameCount;
    this.totalFrames += added;
    this.sample(this.frameSamples, this.totalFrames);
  }

  /** Video was written just now (the segment being recorded grew by `bytes`): the camera's pulse. */
  written(bytes: number): void {
    this.totalBytes += bytes;
    this.alive();
    this.sample(this.byteSamples, this.totalBytes);
  }

  private alive(): void {
    const now = this.now();
    this.lastFrameAt = now;
    if (this.status !== 'online') this.transition('online', now, this.status === 'offline' ? 'video is back' : 'receiving video');
  }

  /** A recorded segment: its rate is the camera's bitrate (live may not be flowing). */
  segment(bytes: number, durationMs: number): void {
    if (durationMs > 0) this.recordedKbps = Math.round((bytes * 8) / durationMs * 100) / 100;
  }

  /**
   * Called about once a second: notices a camera that has gone quiet. A tick more than two seconds
   * after the last one means the event loop was blocked and the frames that arrived meanwhile are
   * not counted yet: it judges nothing.
   */
  tick(): void {
    const now = this.now();
    const late = now - this.lastTickAt > 2000;
    this.lastTickAt = now;
    if (late) return;
    if (this.status === 'offline') return;
    const quietSince = this.lastFrameAt ?? this.startedAt;
    if (now - quietSince >= this.options.offlineAfterMs) {
      const seconds = Math.round((now - quietSince) / 1000);
      const what = this.lastFrameAt === null ? `no video in ${seconds} s since the ingest started` : `no video for ${seconds} s`;
      this.transition('offline', now, this.lastProblem ? `${what}: ${this.lastProblem}` : what);
    }
  }

  snapshot(): HealthSnapshot {
    const rate = this.rate();
    return {
      status: this.status,
      statusSince: new Date(this.statusSince),
      fps: this.status === 'offline' ? 0 : rate?.fps ?? null,
      bitrateKbps: this.status === 'offline' ? 0 : (this.recordedKbps ?? rate?.kbps ?? null),
      lastFrameAt: this.lastFrameAt === null ? null : new Date(this.lastFrameAt),
      reconnects: this.reconnects,
    };
  }

  private sample(samples: Sample[], value: number): void {
    const now = this.now();
    samples.push({ at: now, value });
    while (samples.length > 2 && now - samples[1].at >= this.windowMs) samples.shift();
  }

  /** Change per second over the window, or null with less than half a second of samples. */
  private static perSecond(samples: Sample[]): number | null {
    const first = samples[0];
    const last = samples[samples.length - 1];
    if (!first || !last || last.at - first.at < 500) return null;
    return (last.value - first.value) / ((last.at - first.at) / 1000);
  }

  private rate(): { fps: number | null; kbps: number | null } | null {
    const fps = HealthTracker.perSecond(this.frameSamples);
    const bytes = HealthTracker.perSecond(this.byteSamples);
    if (fps === null && bytes === null) return null;
    return { fps: fps === null ? null : Math.round(fps * 100) / 100, kbps: bytes === null ? null : Math.round((bytes * 8) / 10) / 100 };
  }

  private transition(status: CameraStatus, at: number, reason: string): void {
    this.status = status;
    this.statusSince = at;
    if (status === 'online') this.lastProblem = '';
    this.options.onTransition?.({ status, at: new Date(at), reason });
  }
}

export interface Uptime {
  /** Share of the known time the camera was online, 0–100; null when nothing is known of the period. */
  percent: number | null;
  onlineMs: number;
  /** Time in the period after the first recorded status (before it, nobody watched the camera). */
  knownMs: number;
}

/** Uptime over [from, to) from a status log: the last transition before `from`, then those within. */
export function uptimeOf(log: ReadonlyArray<{ status: CameraStatus; at: Date }>, from: Date, to: Date): Uptime {
  let onlineMs = 0;
  let knownMs = 0;
  const end = to.getTime();
  for (let i = 0; i < log.length; i++) {
    const start = Math.max(log[i].at.getTime(), from.getTime());
    const until = Math.min(i + 1 < log.length ? log[i + 1].at.getTime() : end, end);
    if (until <= start) continue;
    knownMs += until - start;
    if (log[i].status === 'online') onlineMs += until - start;
  }
  return { percent: knownMs ? Math.round((onlineMs / knownMs) * 10_000) / 100 : null, onlineMs, knownMs };
}
