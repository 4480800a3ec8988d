// Blob storage for what every node must be able to read: recording segments and exports. Keys are
// relative, `/`-separated paths (recordings/<camera>/<day>/<start>.mp4, exports/<id>.mp4). One node
// on one machine keeps them on local disk under the data folder; at province scale they go to an
// S3-compatible store, chosen by configuration (storage.s3), and any node can read any of them.
//
// ffmpeg reads and writes local files, so the interface is file-shaped: `put` takes a finished local
// file, `localFile` gives back a local file holding the blob (local storage's own; for S3 a copy
// downloaded into <dataDir>/cache/blobs, which the cache sweep removes when unused).

export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Where blobs are, for logs: a folder, or endpoint and bucket (never credentials). */
  readonly location: string;
  /**
   * Stores the finished file `file` under `key`, replacing any blob there. Local: moves the file into
   * place (a file already at the key's path stays). S3: uploads it, then removes `file`. `known.sha256`
   * (hex), when the caller has hashed the file already, spares the store hashing it again.
   */
  put(key: string, file: string, known?: { sha256: string }): Promise<void>;
  /** A local file with the blob's bytes. Rejects with BlobNotFoundError when there is no such blob. */
  localFile(key: string): Promise<string>;
  /** Whether a blob is stored under `key`. */
  exists(key: string): Promise<boolean>;
  /** Removes the blob and any local copy; a key with no blob is not an error. */
  delete(key: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  override name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`no blob "${key}"`);
  }
}

/** Refuses keys that could leave the store's root: absolute, empty segments, `.` or `..`, NUL, backslash. */
export function checkBlobKey(key: string): string {
  const bad = !key || key.length > 1024 || key.startsWith('/') || key.includes('\\') || key.includes('\0')
    || key.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad) throw new Error(`blob key ${JSON.stringify(key)} is not a relative path of plain names`);
  return key;
}
