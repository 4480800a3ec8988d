import { readdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Fmp4Parser, shiftFragment, type InitSegment, type MediaFragment } from '../live/fmp4.ts';
import type { LiveSource, LiveStreamSink } from '../live/live-hub.ts';
import { segmentFileName as segmentName, segmentIndexOf } from './ingest-source.ts';

// Live video read from the recording itself. A camera's ffmpeg writes fragmented-MP4 segments
// (000000.mp4, 000001.mp4 … in its run folder), flushing each fragment (≤ 200 ms of video) as soon
// as it is complete; while someone watches, this tail follows the segment being written and hands
// its fragments to the camera's live hub. Nobody watching: nothing is read, so live costs an
// unwatched camera nothing beyond its recording (measured: bench/recording.bench.ts).
//
// Each segment file starts with its own init segment and with timestamps at 0: the tail splices the
// files into one stream, dropping a repeated init and shifting each next file's fragments to start
// where the previous file ended. Joining, it reads the current file to its end and starts viewers
// on its last keyframe, so they see the present, not the start of the segment.

const READ_BYTES = 1024 * 1024;

export interface SegmentTailOptions {
  /** How often the file is looked at for new fragments. Default 40 ms. */
  pollMs?: number;
  log?: (message: string) => void;
}

interface OpenFile {
  index: number;
  handle: FileHandle;
  offset: number;
  parser: Fmp4Parser;
  /** Seconds added to this file's timestamps; undefined until its first fragment. */
  shift?: number;
}

/** The segment files in a run folder, by number. */
function segmentIndexes(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const index = segmentIndexOf(n);
    return index === undefined ? [] : [index];
  }).sort((a, b) => a - b);
}

export class SegmentTail implements LiveSource {
  private readonly pollMs: number;
  private readonly buffer = Buffer.allocUnsafe(READ_BYTES);
  private runDir?: string;
  private sink?: LiveStreamSink;
  private timer?: NodeJS.Timeout;
  private file?: OpenFile;
  private busy = false;
  /** Bumped on every start/stop/run change: a poll that began before it lets its results go. */
  private epoch = 0;
  /** The stream delivered so far: its init and where its timeline ends (seconds). */
  private init?: InitSegment;
  private end = 0;
  /** Joining: fragments from the last keyframe, held until the file's end is reached. */
  private catchUp?: MediaFragment[];

  constructor(private readonly options: SegmentTailOptions = {}) {
    this.pollMs = options.pollMs ?? 40;
  }

  /** A new ffmpeg run writes its segments into `dir`. */
  runStarted(dir: string): void {
    this.runDir = dir;
    this.restart();
  }

  /** The run's ffmpeg is gone: viewers are told; the next runStarted begins a new stream. */
  runEnded(reason: string): void {
    this.runDir = undefined;
    this.restart();
    this.sink?.streamEnd(reason);
  }

  start(sink: LiveStreamSink): void {
    this.sink = sink;
    this.restart();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    void this.poll();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sink = undefined;
    this.restart();
  }

  /** Forgets the open file; the next poll joins the newest segment as a new stream. */
  private restart(): void {
    this.epoch++;
    void this.file?.handle.close().catch(() => {});
    this.file = undefined;
    this.init = undefined;
    this.end = 0;
    this.catchUp = undefined;
  }

  private async poll(): Promise<void> {
    if (this.busy || !this.sink || !this.runDir) return;
    this.busy = true;
    const epoch = this.epoch;
    try {
      await this.follow(this.runDir, epoch);
    } catch (err) {
      if (epoch === this.epoch) {
        this.options.log?.(`live: ${(err as Error).message}; joining the stream again`);
        this.restart();
      }
    } finally {
      this.busy = false;
    }
  }

  private async follow(dir: string, epoch: number): Promise<void> {
    if (!this.file) {
      const newest = segmentIndexes(dir).at(-1);
      if (newest === undefined) return; // ffmpeg has not written its first segment yet
      await this.openSegment(dir, newest, epoch);
      if (epoch !== this.epoch) return;
      this.file!.shift = 0; // the first file of a stream keeps its own times
      this.sink?.streamBegin();
      this.catchUp = [];
    }
    for (;;) {
      const file = this.file!;
      await this.readToEnd(file, epoch);
      if (epoch !== this.epoch) return;
      if (this.catchUp) {
        // At the end of the file: the viewers start on its last keyframe, now.
        const held = this.catchUp;
        this.catchUp = undefined;
        for (const fragment of held) this.sink?.streamFragment(fragment);
      }
      // ffmpeg opens the next segment only after closing this one: once it exists, what is left of
      // this file is on disk, and one more read gets it.
      const later = segmentIndexes(dir).filter((i) => i > file.index);
      if (!later.length) return;
      await this.readToEnd(file, epoch);
      if (epoch !== this.epoch) return;
      if (later[0] !== file.index + 1) throw new Error(`segment ${segmentName(file.index + 1)} was gone before it was read`);
      await file.handle.close();
      await this.openSegment(dir, later[0], epoch);
      if (epoch !== this.epoch) return;
    }
  }

  private async openSegment(dir: string, index: number, epoch: number): Promise<void> {
    const handle = await open(join(dir, segmentName(index)), 'r');
    if (epoch !== this.epoch) {
      await handle.close();
      return;
    }
    this.file = { index, handle, offset: 0, parser: new Fmp4Parser() };
  }

  private async readToEnd(file: OpenFile, epoch: number): Promise<void> {
    for (;;) {
      const { bytesRead } = await file.handle.read(this.buffer, 0, READ_BYTES, file.offset);
      if (epoch !== this.epoch || !bytesRead) return;
      file.offset += bytesRead;
      // The parser keeps what it is given until a box is complete: hand it a copy.
      for (const item of file.parser.push(Buffer.from(this.buffer.subarray(0, bytesRead)))) {
        if (item.type === 'init') this.onInit(item.init);
        else this.onFragment(file, item.fragment);
      }
      if (bytesRead < READ_BYTES) return;
    }
  }

  private onInit(init: InitSegment): void {
    // An init unlike the last (the camera changed its picture size or codec) resets the viewers: the
    // hub passes it on; a repeated one it drops.
    this.init = init;
    this.sink?.streamInit(init);
  }

  private onFragment(file: OpenFile, fragment: MediaFragment): void {
    if (!this.init) return;
    // Each next file of the stream continues where the one before ended.
    file.shift ??= this.end - (fragment.decodeTime ?? 0);
    const shifted = shiftFragment(fragment, this.init, file.shift);
    this.end = (shifted.decodeTime ?? this.end) + shifted.duration;
    if (!this.catchUp) {
      this.sink?.streamFragment(shifted);
    } else if (shifted.keyframe) {
      this.catchUp = [shifted];
    } else if (this.catchUp.length) {
      this.catchUp.push(shifted);
    }
  }
}
