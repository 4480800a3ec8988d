import { existsSync } from 'node:fs';
import { BlobNotFoundError, type BlobStore } from '../../platform/blob/blob-store.ts';
import { LocalBlobStore } from '../../platform/blob/local-blob-store.ts';
import { AppError, NotFoundError } from '../../platform/http/errors.ts';
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

/** A store that failed (unreachable, refused) is the server's trouble, said as 502 with its reason. */
function storageFailure(blobs: BlobStore, err: unknown): AppError {
  return new AppError(502, 'storage_failed', `recording storage (${blobs.location}) failed: ${(err as Error).message}`);
}

/** A local file of one segment's blob; a missing blob is a 404 naming it. */
export async function segmentFile(blobs: BlobStore, segment: Pick<StoredSegment, 'path'>): Promise<string> {
  try {
    return await blobs.localFile(segment.path);
  } catch (err) {
    if (err instanceof BlobNotFoundError) throw new NotFoundError('recording file', segment.path);
    if (err instanceof AppError) throw err;
    throw storageFailure(blobs, err);
  }
}

/**
 * Local files of these segments (downloaded from S3 where needed, 8 at a time), by blob key. A
 * segment whose blob is missing (deleted by retention meanwhile, lost) is left out, so it plays as a
 * gap, as a missing file on local disk does.
 */
export async function segmentFiles(blobs: BlobStore, segments: readonly StoredSegment[], onProgress?: (done: number) => void): Promise<Map<string, string>> {
  let done = 0;
  const files = await mapLimit([...segments], 8, async (s) => {
    const file = await blobs.localFile(s.path).catch((err: unknown) => {
      if (err instanceof BlobNotFoundError) return undefined;
      throw storageFailure(blobs, err);
    });
    onProgress?.(++done);
    return file;
  });
  return new Map(segments.flatMap((s, i) => (files[i] === undefined ? [] : [[s.path, files[i]] as const])));
}
