// Fan-out of one camera's live fMP4 to any number of viewers. The ingest's ffmpeg writes the stream
// once; the hub parses it, keeps the current GOP so a new viewer starts at once, and hands every
// viewer the same buffers. The hub never pauses the ingest's pipe: a slow viewer loses fragments
// (up to the next keyframe), it never holds up recording or the other viewers.
import { Fmp4Error, Fmp4Parser, type InitSegment, type MediaFragment } from './fmp4.ts';

export interface LiveListener {
  /** A stream begins (first feed, or ffmpeg restarted): reset the decoder and append this first. */
  init(init: InitSegment): void;
  /** The next fragment for this viewer. After a skip the next one is always a keyframe fragment. */
  fragment(fragment: MediaFragment): void;
  /**
   * The stream stopped: ffmpeg exited or wrote unreadable data (an init follows if it restarts), or
   * with `final` the hub closed (the camera's ingest left this node) and the viewer was let go.
   */
  end?(reason: string, final: boolean): void;
  /** Bytes queued for this viewer and not yet sent. Over the hub's limit, fragments are skipped. */
  backlog?(): number;
}

export interface LiveHubOptions {
  /** A viewer with more than this many bytes unsent skips to the next keyframe. Default 4 MiB. */
  maxBacklogBytes?: number;
  /** Most bytes of the current GOP kept for new viewers; a longer GOP is not cached. Default 16 MiB. */
  maxGopBytes?: number;
  /** Told about streams the hub could not parse (the stream is still drained). */
  onError?(cameraId: string, err: Error): void;
}

export interface LiveHubStats {
  viewers: number;
  /** Fragments received from the current and earlier streams. */
  fragments: number;
  bytes: number;
  /** Fragments not sent to some viewer because it was too slow. */
  skipped: number;
  /** Streams fed so far (ffmpeg starts). */
  streams: number;
  lastFragmentAt?: Date;
}

interface Viewer {
  /** Waiting for a keyframe fragment: just joined with no GOP cached, or skipped while slow. */
  needKey: boolean;
  /** Waiting because it was too slow: what it misses counts as skipped. */
  skipping: boolean;
}

export class LiveHub {
  private readonly maxBacklog: number;
  private readonly maxGop: number;
  private readonly viewers = new Map<LiveListener, Viewer>();
  private stream?: NodeJS.ReadableStream;
  private detach?: () => void;
  private current?: InitSegment;
  private gop: MediaFragment[] = [];
  private gopBytes = 0;
  private counters = { fragments: 0, bytes: 0, skipped: 0, streams: 0, lastFragmentAt: undefined as Date | undefined };
  private closed = false;

  constructor(
    readonly cameraId: string,
    private readonly options: LiveHubOptions = {},
  ) {
    this.maxBacklog = options.maxBacklogBytes ?? 4 * 1024 * 1024;
    this.maxGop = options.maxGopBytes ?? 16 * 1024 * 1024;
  }

  /** The init segment of the running stream; undefined while no stream runs. */
  get init(): InitSegment | undefined {
    return this.current;
  }

  /** The newest fragment a decoder can start on, with its init: what a snapshot decodes. */
  get latestKeyframe(): { init: InitSegment; fragment: MediaFragment } | undefined {
    return this.current && this.gop[0] ? { init: this.current, fragment: this.gop[0] } : undefined;
  }

  get stats(): LiveHubStats {
    return { viewers: this.viewers.size, ...this.counters };
  }

  /**
   * Takes the stdout of a (re)started ffmpeg. The previous stream, if any, is let go (its owner
   * ends it); viewers are reset by the new init segment when it arrives.
   */
  feed(stream: NodeJS.ReadableStream): void {
    if (this.closed) throw new Error(`live hub ${this.cameraId} is closed`);
    this.release('stream restarted', false);
    this.counters.streams++;
    let parser: Fmp4Parser | undefined = new Fmp4Parser();
    const onData = (chunk: Buffer | string): void => {
      if (!parser) return; // unreadable stream: drained so the ingest never blocks on its pipe
      try {
        for (const item of parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk)) {
          if (item.type === 'init') this.onInit(item.init);
          else this.onFragment(item.fragment);
        }
      } catch (err) {
        // Never thrown on: this runs in the pipe's 'data' event, where it would end the process.
        parser = undefined;
        const error = err instanceof Error ? err : new Error(String(err));
        this.options.onError?.(this.cameraId, error instanceof Fmp4Error ? error : new Fmp4Error(`parser failed: ${error.message}`));
        this.stopStream(`unreadable stream: ${error.message}`, false);
      }
    };
    const onEnd = (): void => {
      if (this.stream === stream) this.release('stream ended', false);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', (err: Error) => {
      if (this.stream === stream) this.options.onError?.(this.cameraId, err);
      onEnd();
    });
    this.stream = stream;
    // A stream let go of is still drained until its owner ends it, so its writer never blocks.
    this.detach = () => {
      parser = undefined;
    };
  }

  /**
   * Adds a viewer. It gets the init segment and the cached fragments from the latest keyframe at
   * once, then every new fragment. Returns the function that removes it.
   */
  subscribe(listener: LiveListener): () => void {
    if (this.closed) throw new Error(`live hub ${this.cameraId} is closed`);
    const viewer: Viewer = { needKey: true, skipping: false };
    this.viewers.set(listener, viewer);
    if (this.current) {
      this.call(listener, () => listener.init(this.current!));
      for (const fragment of this.gop) this.deliver(listener, viewer, fragment);
    }
    return () => {
      this.viewers.delete(listener);
    };
  }

  /** Ends the hub: viewers are told and removed; feeding it again is an error. */
  close(reason = 'camera stopped'): void {
    if (this.closed) return;
    this.release(reason, true);
    this.closed = true;
    this.viewers.clear();
  }

  private onInit(init: InitSegment): void {
    this.current = init;
    this.gop = [];
    this.gopBytes = 0;
    for (const [listener, viewer] of this.viewers) {
      viewer.needKey = true;
      viewer.skipping = false;
      this.call(listener, () => listener.init(init));
    }
  }

  private onFragment(fragment: MediaFragment): void {
    this.counters.fragments++;
    this.counters.bytes += fragment.data.length;
    this.counters.lastFragmentAt = new Date();
    if (fragment.keyframe) {
      this.gop = [];
      this.gopBytes = 0;
    }
    if (fragment.keyframe || this.gop.length) {
      this.gop.push(fragment);
      this.gopBytes += fragment.data.length;
      if (this.gopBytes > this.maxGop) {
        // A GOP too long to hold: later viewers wait for the next keyframe instead.
        this.gop = [];
        this.gopBytes = 0;
      }
    }
    for (const [listener, viewer] of this.viewers) this.deliver(listener, viewer, fragment);
  }

  private deliver(listener: LiveListener, viewer: Viewer, fragment: MediaFragment): void {
    if (viewer.needKey && !fragment.keyframe) {
      if (viewer.skipping) this.counters.skipped++;
      return;
    }
    if ((listener.backlog?.() ?? 0) > this.maxBacklog) {
      // Too slow: drop this fragment and the rest of its GOP, resume on the next keyframe.
      viewer.needKey = true;
      viewer.skipping = true;
      this.counters.skipped++;
      return;
    }
    viewer.needKey = false;
    viewer.skipping = false;
    this.call(listener, () => listener.fragment(fragment));
  }

  /** A listener that throws is removed; the other viewers go on. */
  private call(listener: LiveListener, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.viewers.delete(listener);
      this.options.onError?.(this.cameraId, err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Forgets the running stream's state and tells viewers; the stream keeps being drained. */
  private stopStream(reason: string, final: boolean): void {
    const started = this.current !== undefined;
    this.current = undefined;
    this.gop = [];
    this.gopBytes = 0;
    if (!started && !final) return;
    for (const [listener, viewer] of this.viewers) {
      viewer.needKey = true;
      if (listener.end) this.call(listener, () => listener.end!(reason, final));
    }
  }

  private release(reason: string, final: boolean): void {
    this.detach?.();
    this.detach = undefined;
    this.stream = undefined;
    this.stopStream(reason, final);
  }
}

/** cameraId → hub, shared by the ingest manager (which feeds hubs) and the live routes (which read them). */
export class LiveHubRegistry {
  private readonly hubs = new Map<string, LiveHub>();

  constructor(private readonly options: LiveHubOptions = {}) {}

  /** The camera's hub, created on first use: for the ingest, which runs the camera on this node. */
  obtain(cameraId: string): LiveHub {
    let hub = this.hubs.get(cameraId);
    if (!hub) {
      hub = new LiveHub(cameraId, this.options);
      this.hubs.set(cameraId, hub);
    }
    return hub;
  }

  /** The camera's hub when its ingest runs on this node. */
  get(cameraId: string): LiveHub | undefined {
    return this.hubs.get(cameraId);
  }

  /** The ingest stopped for good (camera removed, lease lost): viewers are told and let go. */
  remove(cameraId: string, reason?: string): void {
    this.hubs.get(cameraId)?.close(reason);
    this.hubs.delete(cameraId);
  }

  cameraIds(): string[] {
    return [...this.hubs.keys()];
  }

  closeAll(reason = 'server stopping'): void {
    for (const hub of this.hubs.values()) hub.close(reason);
    this.hubs.clear();
  }
}
