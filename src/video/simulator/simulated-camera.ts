// A simulated network camera: renders its street in real time, encodes it with ffmpeg and serves the
// live MPEG-TS over HTTP on loopback, so ingest opens it exactly like a real HTTP camera. It also
// renders clips to files for tests and benchmarks. Everything it shows and serves says SIMULATED.
import { defaultBitrateKbps, exited, spawnEncoder, stopEncoder, type EncoderProcess } from './encoder.ts';
import { I420Frame } from './frame.ts';
import { paintBackdrop, SceneRenderer, type RendererOptions } from './renderer.ts';
import { StreamServer } from './stream-server.ts';
import { TruthRecorder, type TruthRecord } from './truth.ts';
import { TsBroadcaster } from './ts-broadcaster.ts';

export interface SimulatedCameraOptions {
  id: string;
  name: string;
  width?: number;
  height?: number;
  fps?: number;
  seed?: number;
  bitrateKbps?: number;
  /** Folder for `<id>.truth.jsonl`; truth stays in memory only when absent. */
  dir?: string;
  /** Also record every object's box in every frame (large). */
  frameTruth?: boolean;
  /** Serve on this server; without one the camera opens its own on `port` (0: any free port). */
  server?: StreamServer;
  port?: number;
  utcOffsetMinutes?: number;
  vehicleHeadwaySeconds?: number;
  pedestrianHeadwaySeconds?: number;
  /** The ffmpeg that encodes; default SAFECITY_FFMPEG or the system one. */
  ffmpegPath?: string;
}

export interface CameraStats {
  framesRendered: number;
  /** Frame slots skipped because rendering or ffmpeg could not keep up. */
  framesDropped: number;
  /** Mean milliseconds to render one frame. */
  renderMs: number;
  clients: number;
  encoderRestarts: number;
}

export interface ClipResult {
  path: string;
  frames: number;
  /** Wall-clock time shown by the first frame; frame i shows startMs + i·1000/fps. */
  startMs: number;
  truth: TruthRecord[];
}

const POOL = 3;
const RESTART_DELAY_MS = 1000;

export class SimulatedCamera {
  readonly id: string;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly seed: number;
  private readonly bitrateKbps: number;
  private server: StreamServer | null;
  private ownServer = false;
  private readonly stream = new TsBroadcaster();
  private encoder: EncoderProcess | null = null;
  private renderer: SceneRenderer | null = null;
  private painted: I420Frame | null = null;
  private recorder: TruthRecorder | null = null;
  private readonly pool: { frame: I420Frame; busy: boolean }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private startMs = 0;
  private slot = 0;
  private lastError = '';
  private readonly counters = { framesRendered: 0, framesDropped: 0, renderTotalMs: 0, encoderRestarts: 0 };

  constructor(private readonly options: SimulatedCameraOptions) {
    if (!/^[A-Za-z0-9._-]+$/.test(options.id)) throw new Error(`simulated camera id "${options.id}" may use letters, digits, '.', '_' and '-' only`);
    this.id = options.id;
    this.name = options.name;
    this.width = options.width ?? 1280;
    this.height = options.height ?? 720;
    this.fps = options.fps ?? 10;
    this.seed = options.seed ?? 1;
    if (this.fps <= 0 || this.fps > 60) throw new Error(`fps ${this.fps} of simulated camera ${this.id} is outside 1–60`);
    this.bitrateKbps = options.bitrateKbps ?? defaultBitrateKbps(this.width, this.height);
    this.server = options.server ?? null;
  }

  get url(): string {
    if (!this.server) throw new Error(`simulated camera ${this.id} is not started`);
    return this.server.urlFor(this.id);
  }

  /** The ffmpeg process id while running, so callers can check it is gone after stop(). */
  get encoderPid(): number | null {
    return this.encoder?.pid ?? null;
  }

  get isRunning(): boolean {
    return this.running;
  }

  truth(): TruthRecord[] {
    return this.recorder?.all() ?? [];
  }

  stats(): CameraStats {
    const c = this.counters;
    return {
      framesRendered: c.framesRendered,
      framesDropped: c.framesDropped,
      renderMs: c.framesRendered ? c.renderTotalMs / c.framesRendered : 0,
      clients: this.stream.clientCount,
      encoderRestarts: c.encoderRestarts,
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    const backdrop = this.backdrop();
    this.pool.length = 0;
    for (let i = 0; i < POOL; i++) this.pool.push({ frame: new I420Frame(this.width, this.height), busy: false });
    if (!this.server) {
      this.server = await StreamServer.listen(this.options.port ?? 0);
      this.ownServer = true;
    }
    try {
      this.startEncoder();
    } catch (err) {
      if (this.ownServer) await this.server.close();
      if (this.ownServer) this.server = null;
      this.ownServer = false;
      throw err;
    }
    this.startMs = Date.now();
    this.renderer = this.makeRenderer(this.startMs, backdrop);
    this.recorder = this.makeRecorder(this.renderer, this.startMs);
    this.server.add({ id: this.id, name: this.name, width: this.width, height: this.height, fps: this.fps, stream: this.stream, truth: () => this.truth() });
    this.running = true;
    this.slot = 0;
    this.tick();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const encoder = this.encoder;
    this.encoder = null;
    if (encoder) await stopEncoder(encoder);
    this.server?.remove(this.id);
    if (this.ownServer) {
      await this.server?.close();
      this.server = null;
      this.ownServer = false;
    }
    await this.recorder?.finish();
  }

  /**
   * Renders `seconds` of this camera to a file (the extension picks the container: .ts, .mp4, .mkv)
   * as fast as the machine allows, with the clock starting at `startMs`. Ground truth goes to the
   * camera's dir as for a live run, and is returned.
   */
  async renderToFile(seconds: number, path: string, startMs = Date.now()): Promise<ClipResult> {
    if (this.running) throw new Error(`simulated camera ${this.id} is running live; stop it before rendering a clip`);
    const renderer = this.makeRenderer(startMs, this.backdrop());
    const recorder = this.makeRecorder(renderer, startMs);
    const encoder = spawnEncoder({ width: this.width, height: this.height, fps: this.fps, bitrateKbps: this.bitrateKbps, title: this.name, output: path, ffmpeg: this.options.ffmpegPath });
    let stderr = '';
    encoder.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    encoder.stdout.resume();
    const done = exited(encoder);
    const frames = Math.round(seconds * this.fps);
    const frame = new I420Frame(this.width, this.height);
    let gone = false;
    void done.then(() => (gone = true));
    for (let i = 0; i < frames && !gone; i++) {
      const { info } = renderer.render(startMs + Math.round((i * 1000) / this.fps), frame);
      recorder.frame(info);
      // The frame buffer is reused, so hand ffmpeg a copy: write() keeps a reference until flushed.
      if (!encoder.stdin.write(Buffer.from(frame.data))) await Promise.race([new Promise((resolve) => encoder.stdin.once('drain', resolve)), done]);
    }
    encoder.stdin.end();
    const code = await done;
    await recorder.finish();
    if (code !== 0) throw new Error(`ffmpeg could not write the clip ${path} (exit ${code}): ${stderr.trim()}`);
    return { path, frames, startMs, truth: recorder.all() };
  }

  private rendererOptions(): RendererOptions {
    const o = this.options;
    return {
      width: this.width,
      height: this.height,
      seed: this.seed,
      cameraName: this.name,
      utcOffsetMinutes: o.utcOffsetMinutes,
      vehicleHeadwaySeconds: o.vehicleHeadwaySeconds,
      pedestrianHeadwaySeconds: o.pedestrianHeadwaySeconds,
    };
  }

  // Painted once per camera, before the clock starts, so the first frames are not late.
  private backdrop(): I420Frame {
    this.painted ??= paintBackdrop(this.rendererOptions());
    return this.painted;
  }

  private makeRenderer(originMs: number, backdrop: I420Frame): SceneRenderer {
    return new SceneRenderer(this.rendererOptions(), originMs, backdrop);
  }

  private makeRecorder(renderer: SceneRenderer, originMs: number): TruthRecorder {
    return new TruthRecorder({
      camera: { cameraId: this.id, name: this.name, width: this.width, height: this.height, fps: this.fps, seed: this.seed },
      traffic: renderer.traffic,
      originMs,
      dir: this.options.dir,
      frames: this.options.frameTruth,
    });
  }

  private startEncoder(): void {
    const encoder = spawnEncoder({ width: this.width, height: this.height, fps: this.fps, bitrateKbps: this.bitrateKbps, title: this.name, output: 'pipe:1', ffmpeg: this.options.ffmpegPath });
    this.encoder = encoder;
    this.lastError = '';
    encoder.stdout.on('data', (chunk: Buffer) => this.stream.push(chunk));
    encoder.stderr.on('data', (d: Buffer) => (this.lastError = (this.lastError + d.toString()).slice(-2000)));
    void exited(encoder).then((code) => {
      if (!this.running || this.encoder !== encoder) return;
      // A camera that loses its encoder comes back, like a rebooted IP camera: clients reconnect.
      console.error(`simulated camera ${this.id}: ffmpeg exited (${code}) ${this.lastError.trim()}; restarting`);
      this.encoder = null;
      this.stream.close();
      for (const slot of this.pool) slot.busy = false;
      this.restartEncoderLater();
    });
  }

  private restartEncoderLater(): void {
    setTimeout(() => {
      if (!this.running || this.encoder) return;
      this.counters.encoderRestarts++;
      try {
        this.startEncoder();
      } catch (err) {
        console.error(`simulated camera ${this.id}: ${(err as Error).message}; retrying`);
        this.restartEncoderLater();
      }
    }, RESTART_DELAY_MS);
  }

  // Frame slots are fixed to the start time, so the stream keeps its rate however the timer jitters;
  // a slot that comes round while the previous frames are still with ffmpeg is skipped, not queued.
  private tick(): void {
    if (!this.running) return;
    const interval = 1000 / this.fps;
    const now = Date.now();
    const due = Math.floor((now - this.startMs) / interval);
    if (due > this.slot) {
      this.counters.framesDropped += due - this.slot;
      this.slot = due;
    }
    this.renderSlot();
    this.slot++;
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.startMs + this.slot * interval - Date.now()));
  }

  private renderSlot(): void {
    const encoder = this.encoder;
    const buffer = this.pool.find((b) => !b.busy);
    if (!encoder || !buffer || !this.renderer || !this.recorder) {
      this.counters.framesDropped++;
      return;
    }
    const t0 = performance.now();
    // The frame shows the moment it is drawn: what a latency benchmark compares against.
    const { info } = this.renderer.render(Date.now(), buffer.frame);
    this.counters.renderTotalMs += performance.now() - t0;
    this.counters.framesRendered++;
    this.recorder.frame(info);
    buffer.busy = true;
    encoder.stdin.write(buffer.frame.data, () => (buffer.busy = false));
  }
}
