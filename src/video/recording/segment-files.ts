import { existsSync } from 'node:fs';
import { BlobNotFoundError, type BlobStore } from '../../platform/blob/blob-store.ts';
import { LocalBlobStore } from '../../platform/blob/local-blob-store.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
import type { StoredSegment } from './range-render.ts';
import { mapLimit } from './segment-format.ts';

// Segment rows and their blobs, for playback and export: which rows have their video, and local
// files of them for ffmpeg.

/**
 * The segments whose video is there. On local disk the files are looked at (a disk can be lost, a
 * file deleted by hand); in S3 the index is the truth, since a row is written only after its upload.
 */
export function presentSegments<S extends StoredSegment>(blobs: BlobStore, segments: S[]): S[] {
  if (!(blobs instanceof LocalBlobStore)) return segments;
  return segments.filter((s) => existsSync(blobs.pathOf(s.path)));
}

/** A local file of one segment's blob; a missing blob is a 404 naming it. */
export async function segmentFile(blobs: BlobStore, segment: Pick<StoredSegment, 'path'>): Promise<string> {
  try {
    return await blobs.localFile(segment.path);
  } catch (err) {
    if (err instanceof BlobNotFoundError) throw new NotFoundError('recording file', segment.path);
    throw err;
  }
}

/** Local files of these segments (downloaded from S3 where needed, 8 at a time), by blob key. */
export async function segmentFiles(blobs: BlobStore, segments: readonly StoredSegment[], onProgress?: (done: number) => void): Promise<Map<string, string>> {
  let done = 0;
  const files = await mapLimit([...segments], 8, async (s) => {
    const file = await segmentFile(blobs, s);
    onProgress?.(++done);
    return file;
  });
  return new Map(segments.map((s, i) => [s.path, files[i]]));
}
