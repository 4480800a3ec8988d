// Fan-out of one camera's live fMP4 to any number of viewers. The ingest's ffmpeg writes the stream
// once; the hub keeps the current GOP so a new viewer starts at once, and hands every viewer the same
// buffers. The hub never holds up its source: a slow viewer loses fragments (up to the next
// keyframe), it never holds up recording or the other viewers.
//
// Where the stream comes from: a LiveSource the ingest attaches (it reads the recording segment
// being written, see ingest/segment-tail.ts), started when the first viewer subscribes and stopped a
// linger after the last one leaves, so an unwatched camera costs the node nothing; or a byte stream
// handed to feed() (tests, tools).
import { Fmp4Error, Fmp4Parser, type InitSegment, type MediaFragment } from './fmp4.ts';

/** What a LiveSource delivers into: a stream begins, its init segment, its fragments, its end. */
export interface LiveStreamSink {
  /** A new stream begins (viewers are reset by the init that follows). */
  streamBegin(): void;
  /** The stream's init segment; one equal to the current one continues the same stream. */
  streamInit(init: InitSegment): void;
  streamFragment(fragment: MediaFragment): void;
  /** The stream stopped (ffmpeg exited): viewers are told; a streamBegin may follow. */
  streamEnd(reason: string): void;
}

/** A camera's stream on demand: start delivering into the sink, stop when told. */
export interface LiveSource {
  start(sink: LiveStreamSink): void;
  stop(): void;
}

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
  /** An attached source keeps running this long after the last viewer leaves. Default 15 s. */
  lingerMs?: number;
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

export class LiveHub implements LiveStreamSink {
  private readonly maxBacklog: number;
  private readonly lingerMs: number;
  private source?: LiveSource;
  private sourceRunning = false;
  private idleTimer?: NodeJS.Timeout;
  private keyframeWaiters: Array<() => void> = [];
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
    this.lingerMs = options.lingerMs ?? 15_000;
  }

  /**
   * Where the stream comes from from now on (the ingest's segment tail). It runs while someone
   * watches or warm() asks, and for the linger after; undefined detaches the current one.
   */
  attach(source: LiveSource | undefined): void {
    this.stopSource();
    this.source = source;
    if (source && this.viewers.size) this.startSource();
  }

  /**
   * Makes sure a picture is at hand (for a snapshot or a status): starts the source if it isn't
   * running and waits for a keyframe, at most timeoutMs. True when there is one.
   */
  async warm(timeoutMs = 3000): Promise<boolean> {
    if (this.closed || (!this.source && !this.current)) return false;
    if (this.source && !this.viewers.size) {
      this.startSource();
      this.scheduleIdle();
    }
    if (this.latestKeyframe) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.keyframeWaiters;
      function done(): void {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
    return this.latestKeyframe !== undefined;
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
    this.streamBegin();
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
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.startSource();
    return () => {
      if (this.viewers.delete(listener) && !this.viewers.size) this.scheduleIdle();
    };
  }

  streamBegin(): void {
    if (this.closed) return;
    this.release('stream restarted', false);
    this.counters.streams++;
  }

  streamInit(init: InitSegment): void {
    // The next segment file of the same stream repeats the same init: nothing for viewers to reset.
    if (this.current && this.current.data.equals(init.data)) return;
    this.onInit(init);
  }

  streamFragment(fragment: MediaFragment): void {
    if (this.current) this.onFragment(fragment);
  }

  streamEnd(reason: string): void {
    this.stopStream(reason, false);
  }

  private startSource(): void {
    if (!this.source || this.sourceRunning || this.closed) return;
    this.sourceRunning = true;
    try {
      this.source.start(this);
    } catch (err) {
      this.sourceRunning = false;
      this.options.onError?.(this.cameraId, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.viewers.size) this.stopSource();
    }, this.lingerMs);
    this.idleTimer.unref();
  }

  /** Nobody watches: the source stops and what it delivered is forgotten (it would go stale). */
  private stopSource(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.sourceRunning) return;
    this.sourceRunning = false;
    this.source?.stop();
    this.stopStream('nobody watching', false);
  }

  /** Ends the hub: viewers are told and removed; feeding it again is an error. */
  close(reason = 'camera stopped'): void {
    if (this.closed) return;
    this.stopSource();
    this.source = undefined;
    this.release(reason, true);
    this.closed = true;
    this.viewers.clear();
    for (const wake of [...this.keyframeWaiters]) wake();
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
    if (fragment.keyframe && this.keyframeWaiters.length) for (const wake of [...this.keyframeWaiters]) wake();
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
