import { join } from 'node:path';
import type { Config } from '../../config/config.schema.ts';
import type { BlobStore } from './blob-store.ts';
import { LocalBlobStore } from './local-blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

/**
 * The blob store the configuration names: S3-compatible storage when storage.s3 is set (its bucket
 * reached with its credentials before the node goes on, so a misconfiguration fails at start), else
 * local disk under the data folder.
 */
export async function createBlobStore(config: Config): Promise<BlobStore> {
  const s3 = config.storage.s3;
  if (!s3) return new LocalBlobStore(config.dataDir);
  if (!s3.accessKeyId || !s3.secretAccessKey) {
    throw new Error('storage.s3: accessKeyId and secretAccessKey are required (in the file, or S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY)');
  }
  return S3BlobStore.open({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    prefix: s3.prefix,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    cacheDir: join(config.dataDir, 'cache', 'blobs'),
  });
}
