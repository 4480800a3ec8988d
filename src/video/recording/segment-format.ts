import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { shiftDecodeTimes } from '../live/fmp4.ts';

// The two containers a recording segment may be in, told apart by the file's extension:
//  - `.mp4`, what the ingest records: a self-contained fragmented MP4 (ftyp + moov, the init segment,
//    identical across one stream's files; then moof/mdat fragments, no trailer), whose timestamps
//    restart at 0 in every file;
//  - `.ts`, MPEG-TS from earlier versions, whose timestamps continue from file to file (90 kHz).

export type SegmentContainer = 'mp4' | 'ts';

export const SEGMENT_CONTENT_TYPES: Record<SegmentContainer, string> = { mp4: 'video/mp4', ts: 'video/mp2t' };

/** The container of a stored segment, from its path's extension; anything but `.ts` is MP4. */
export function containerOf(path: string): SegmentContainer {
  return extname(path) === '.ts' ? 'ts' : 'mp4';
}

/** Clock rate of MPEG-TS timestamps. */
export const MPEG_TS_TIMESCALE = 90_000;

export interface Fmp4Track {
  id: number;
  /** Ticks per second of the track's timestamps (mdhd). */
  timescale: number;
}

export interface Fmp4Layout {
  /** Bytes of the init segment (every top-level box before the first moof): the file's first bytes. */
  initBytes: number;
  fileBytes: number;
  /** SHA-256 (hex) of the init segment: files that share it can share one HLS EXT-X-MAP. */
  initDigest: string;
  tracks: Fmp4Track[];
}

const READ_BYTES = 4096;
// An init segment holds codec parameters only (~1 KB), a moof a fragment's sample table (~100 B for
// 200 ms); anything larger is not one.
const MAX_INIT_BYTES = 1024 * 1024;
const MAX_MOOF_BYTES = 1024 * 1024;

interface Box {
  type: string;
  /** Payload start and end within the buffer walked. */
  start: number;
  end: number;
}

function* boxes(buf: Buffer, start: number, end: number): Generator<Box> {
  for (let at = start; at + 8 <= end;) {
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) return;
    yield { type: buf.toString('latin1', at + 4, at + 8), start: at + header, end: at + size };
    at += size;
  }
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  for (const b of boxes(buf, parent.start, parent.end)) if (b.type === type) return b;
  return undefined;
}

/** Track id (tkhd) and timescale (mdhd) of every trak in a moov payload. */
function tracksOf(moov: Buffer): Fmp4Track[] {
  const out: Fmp4Track[] = [];
  for (const trak of boxes(moov, 0, moov.length)) {
    if (trak.type !== 'trak') continue;
    const tkhd = child(moov, trak, 'tkhd');
    const mdia = child(moov, trak, 'mdia');
    const mdhd = mdia && child(moov, mdia, 'mdhd');
    if (!tkhd || !mdhd) continue;
    // Version 1 boxes have 64-bit creation and modification times before these fields.
    const id = tkhd.start + (moov[tkhd.start] === 1 ? 20 : 12);
    const timescale = mdhd.start + (moov[mdhd.start] === 1 ? 20 : 12);
    if (id + 4 <= tkhd.end && timescale + 4 <= mdhd.end) out.push({ id: moov.readUInt32BE(id), timescale: moov.readUInt32BE(timescale) });
  }
  return out;
}

async function readAt(fd: FileHandle, at: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fd.read(buf, 0, length, at);
  return buf.subarray(0, bytesRead);
}

/** Type and total size of the top-level box at `at` (16 header bytes in `head`), or null. */
function topBox(head: Buffer): { type: string; size: number } | null {
  if (head.length < 8) return null;
  let size = head.readUInt32BE(0);
  if (size === 1) size = head.length >= 16 ? Number(head.readBigUInt64BE(8)) : 0;
  return size < 8 ? null : { type: head.toString('latin1', 4, 8), size };
}

/**
 * Where a fragmented MP4 segment's init segment ends, and its tracks, from its top-level box headers
 * (one small read for ffmpeg's ~900-byte init). `null` when the file is not a fragmented MP4 with an
 * init segment and at least one fragment.
 */
export async function readFmp4Layout(file: string): Promise<Fmp4Layout | null> {
  const fd = await open(file, 'r');
  try {
    const fileBytes = (await fd.stat()).size;
    let head = await readAt(fd, 0, Math.min(READ_BYTES, fileBytes));
    let moov: Buffer | undefined;
    for (let at = 0; at + 8 <= fileBytes && at <= MAX_INIT_BYTES;) {
      if (at + 16 > head.length && head.length < fileBytes) head = await readAt(fd, 0, Math.min(fileBytes, at + READ_BYTES));
      const box = topBox(head.subarray(at, at + 16));
      if (!box || at + box.size > fileBytes) return null;
      if (box.type === 'moof') {
        if (!moov) return null;
        return { initBytes: at, fileBytes, initDigest: createHash('sha256').update(head.subarray(0, at)).digest('hex'), tracks: tracksOf(moov) };
      }
      if (box.type === 'moov') {
        if (box.size > MAX_INIT_BYTES) return null;
        if (at + box.size + 16 > head.length) head = await readAt(fd, 0, Math.min(fileBytes, at + box.size + READ_BYTES));
        moov = head.subarray(at + 8, at + box.size);
      }
      at += box.size;
    }
    return null;
  } finally {
    await fd.close();
  }
}

/** Bytes to put in place of the file's own at `offset` when serving it. */
export interface BytePatch {
  offset: number;
  bytes: Buffer;
}

/**
 * Patches that move every fragment of an MP4 segment `ms` milliseconds later on the timeline: each
 * traf's base decode time (tfdt) gets that time in its track's timescale added. ffmpeg writes 64-bit
 * (version 1) tfdt boxes; a 32-bit one that would overflow is an error.
 */
export async function decodeTimePatches(file: string, layout: Fmp4Layout, ms: number): Promise<BytePatch[]> {
  const shift = new Map(layout.tracks.map((t) => [t.id, (BigInt(Math.round(ms)) * BigInt(t.timescale) + 500n) / 1000n]));
  const patches: BytePatch[] = [];
  const fd = await open(file, 'r');
  try {
    for (let at = layout.initBytes; at + 8 <= layout.fileBytes;) {
      const box = topBox(await readAt(fd, at, 16));
      if (!box) throw new Error(`${file}: damaged box at byte ${at}`);
      if (box.type === 'moof') {
        if (box.size > MAX_MOOF_BYTES) throw new Error(`${file}: a ${box.size}-byte moof at byte ${at}`);
        const moof = await readAt(fd, at, box.size);
        let written: Array<{ at: number; length: number }> = [];
        try {
          written = shiftDecodeTimes(moof, 8, moof.length, (id) => shift.get(id));
        } catch (err) {
          if ((err as Error).message.startsWith('shifted decode time')) throw new Error(`${file}: a 32-bit tfdt cannot be moved ${ms} ms`);
          // A moof whose boxes don't fit together is served as it is.
        }
        for (const w of written) patches.push({ offset: at + w.at, bytes: Buffer.from(moof.subarray(w.at, w.at + w.length)) });
      }
      at += box.size;
    }
    return patches;
  } finally {
    await fd.close();
  }
}

/**
 * `fn` over `items` with at most `limit` calls in flight; results in order. After a call fails no
 * more start, and it rejects with that failure once those in flight have ended.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return out;
}
