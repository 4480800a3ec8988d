// Plays a camera's live fMP4 WebSocket (see src/video/live/live.routes.ts) through Media Source
// Extensions, close to the live edge. No React and no imports: the live browser test and the
// latency benchmark bundle this file alone.
//
// Latency: fragments are appended in `segments` mode as they arrive; when the playhead falls more
// than `maxLatencySec` behind the newest buffered frame (tab in background, a skip on a slow link,
// the cached GOP a new viewer starts on) it jumps to just behind the edge; a lag above
// `targetLatencySec` is caught up by playing slightly fast. Media older than `keepSec` is removed.

export type LiveState =
  /** Opening the socket, or waiting for the first picture. */
  | 'connecting'
  | 'live'
  /** Connected; the camera's stream is not running (the server says why). */
  | 'waiting'
  /** Disconnected or refused; retrying with backoff. */
  | 'offline'
  /** This browser can't decode the camera's codec: no retry. */
  | 'unsupported'
  | 'stopped';

export interface LiveStatus {
  state: LiveState;
  /** Why, for every state but live: shown to the operator. */
  message?: string;
}

export interface MsePlayerOptions {
  /** ws:// or wss:// URL of the camera's live socket, token included. */
  url: string;
  video: HTMLVideoElement;
  onStatus?: (status: LiveStatus) => void;
  /** Called after a socket is refused (or lost before any picture): the reason to show, if known. */
  explainRefusal?: () => Promise<string | undefined>;
  /** Jump to the live edge when this far behind it, seconds. Default 1. */
  maxLatencySec?: number;
  /** Behind the edge by more than this, play slightly fast to catch up, seconds. Default 0.3. */
  targetLatencySec?: number;
  /** Where a jump lands, behind the newest frame, seconds. Default 0.1. */
  jumpBehindSec?: number;
  /** Seconds of media kept behind the playhead. Default 10. */
  keepSec?: number;
  /** Reconnect delays grow from this, doubling, to `maxRetryMs`. Defaults 500 and 15000. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** No media for this long while live: the connection is dead, reconnect. Default 8000. */
  stallMs?: number;
}

export interface PlayerStats {
  /** Newest buffered frame minus the playhead, seconds. */
  bufferSec: number;
  bytes: number;
  fragments: number;
  jumps: number;
  reconnects: number;
}

interface ControlMessage {
  type: 'init' | 'end';
  mimeType?: string;
  reason?: string;
}

/** Closed by the server when the camera's ingest left its node: find it again at once. */
const CLOSE_GONE = 4410;

export class MsePlayer {
  private readonly o: Required<Omit<MsePlayerOptions, 'onStatus' | 'explainRefusal'>> & Pick<MsePlayerOptions, 'onStatus' | 'explainRefusal'>;
  private ws?: WebSocket;
  private mediaSource?: MediaSource;
  private objectUrl?: string;
  private buffer?: SourceBuffer;
  private queue: ArrayBuffer[] = [];
  private expectInit = false;
  private mimeType?: string;
  private status: LiveStatus = { state: 'stopped' };
  private attempt = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private tick?: ReturnType<typeof setInterval>;
  private lastMediaAt = 0;
  private stopped = true;
  private counters = { bytes: 0, fragments: 0, jumps: 0, reconnects: 0 };

  constructor(options: MsePlayerOptions) {
    this.o = { maxLatencySec: 1, targetLatencySec: 0.3, jumpBehindSec: 0.1, keepSec: 10, minRetryMs: 500, maxRetryMs: 15000, stallMs: 8000, ...options };
  }

  get stats(): PlayerStats {
    return { bufferSec: this.bufferAhead(), ...this.counters };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.o.video.muted = true; // muted video may autoplay; live camera views have no sound anyway
    this.o.video.playsInline = true;
    this.tick = setInterval(() => this.onTick(), 500);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.tick);
    this.closeSocket();
    this.resetMedia();
    this.setStatus({ state: 'stopped' });
  }

  private connect(): void {
    this.setStatus({ state: 'connecting' });
    let opened = false;
    let gotMedia = false;
    const ws = new WebSocket(this.o.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
    };
    ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
      if (typeof ev.data === 'string') return this.onControl(JSON.parse(ev.data) as ControlMessage);
      gotMedia = true;
      this.onMedia(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.stopped || this.status.state === 'unsupported') return;
      if (ev.code === CLOSE_GONE) this.attempt = 0;
      void this.retry(opened && gotMedia ? 'connection lost' : opened ? 'disconnected' : 'cannot connect', !gotMedia);
    };
  }

  private async retry(message: string, ask: boolean): Promise<void> {
    const reason = ask && this.o.explainRefusal ? await this.o.explainRefusal().catch(() => undefined) : undefined;
    if (this.stopped) return;
    const delay = Math.min(this.o.maxRetryMs, this.o.minRetryMs * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt++;
    this.setStatus({ state: 'offline', message: `${reason ?? message}; retrying in ${Math.round(delay / 1000)} s` });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.counters.reconnects++;
      this.connect();
    }, delay);
  }

  private onControl(msg: ControlMessage): void {
    if (msg.type === 'end') {
      this.expectInit = false;
      this.setStatus({ state: 'waiting', message: msg.reason ?? 'camera stream stopped' });
      return;
    }
    if (msg.type !== 'init' || !msg.mimeType) return;
    if (typeof MediaSource === 'undefined' || !MediaSource.isTypeSupported(msg.mimeType)) {
      this.setStatus({ state: 'unsupported', message: `this browser cannot play ${msg.mimeType}` });
      this.closeSocket();
      return;
    }
    // A new stream (first, or ffmpeg restarted): its timestamps start over, so start a new MediaSource.
    this.resetMedia();
    this.setStatus({ state: 'connecting' });
    this.mimeType = msg.mimeType;
    this.expectInit = true;
    const ms = new MediaSource();
    this.mediaSource = ms;
    this.objectUrl = URL.createObjectURL(ms);
    ms.addEventListener('sourceopen', () => {
      if (this.mediaSource !== ms || !this.mimeType) return;
      const sb = ms.addSourceBuffer(this.mimeType);
      sb.mode = 'segments';
      sb.addEventListener('updateend', () => this.pump());
      sb.addEventListener('error', () => this.fail('media buffer error'));
      this.buffer = sb;
      this.pump();
    }, { once: true });
    this.o.video.src = this.objectUrl;
  }

  private onMedia(data: ArrayBuffer): void {
    if (!this.mediaSource) return; // media with no stream announced: ignored until the next init
    if (this.expectInit) this.expectInit = false;
    else this.counters.fragments++;
    this.counters.bytes += data.byteLength;
    this.lastMediaAt = Date.now();
    this.queue.push(data);
    // A tab that can't keep up (hidden, starved CPU) would queue without end: start over instead.
    if (this.queue.length > 200) return this.fail('fell behind');
    this.pump();
  }

  private pump(): void {
    const sb = this.buffer;
    if (!sb || sb.updating || this.mediaSource?.readyState !== 'open') return;
    const next = this.queue.shift();
    if (next) {
      try {
        sb.appendBuffer(next);
      } catch (err) {
        if ((err as DOMException).name === 'QuotaExceededError') {
          this.queue.unshift(next);
          this.trim(1);
        } else {
          this.fail(`cannot append: ${(err as Error).message}`);
        }
      }
      return;
    }
    this.followLiveEdge();
    this.trim(this.o.keepSec);
  }

  /** Stay near the newest frame: jump when far behind, play a little fast when slightly behind. */
  private followLiveEdge(): void {
    const video = this.o.video;
    const ranges = video.buffered;
    if (!ranges.length) return;
    const last = ranges.length - 1;
    const edge = ranges.end(last);
    const lag = edge - video.currentTime;
    if (video.currentTime < ranges.start(last) || lag > this.o.maxLatencySec) {
      video.currentTime = Math.max(ranges.start(last), edge - this.o.jumpBehindSec);
      this.counters.jumps++;
    } else {
      video.playbackRate = lag > this.o.targetLatencySec ? 1.15 : 1;
    }
    if (video.paused) video.play().catch(() => {});
    if (this.status.state === 'connecting' && video.readyState >= 2) {
      this.attempt = 0;
      this.setStatus({ state: 'live' });
    }
  }

  /** Removes media more than `keep` seconds behind the playhead. */
  private trim(keep: number): void {
    const sb = this.buffer;
    const ranges = this.o.video.buffered;
    if (!sb || sb.updating || !ranges.length) return;
    const cut = this.o.video.currentTime - keep;
    if (cut - ranges.start(0) > 2) sb.remove(0, cut);
  }

  private onTick(): void {
    if (this.status.state === 'live' && Date.now() - this.lastMediaAt > this.o.stallMs) {
      this.fail('no video for a while');
      return;
    }
    this.pump();
  }

  private bufferAhead(): number {
    const r = this.o.video.buffered;
    return r.length ? Math.max(0, r.end(r.length - 1) - this.o.video.currentTime) : 0;
  }

  /** Something broke in this connection: drop it and reconnect (a new socket starts on a keyframe). */
  private fail(reason: string): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
    this.resetMedia();
    if (!this.stopped) void this.retry(reason, false);
  }

  private closeSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
  }

  private resetMedia(): void {
    this.queue = [];
    this.buffer = undefined;
    this.mimeType = undefined;
    this.expectInit = false;
    const ms = this.mediaSource;
    this.mediaSource = undefined;
    if (ms?.readyState === 'open') {
      try {
        ms.endOfStream();
      } catch {
        // already ending: nothing to do
      }
    }
    if (this.objectUrl) {
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = undefined;
      this.o.video.removeAttribute('src');
      this.o.video.load();
    }
  }

  private setStatus(status: LiveStatus): void {
    if (status.state === this.status.state && status.message === this.status.message) return;
    this.status = status;
    this.o.onStatus?.(status);
  }
}
