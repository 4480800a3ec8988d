import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { blobContract } from './blob.contract.ts';
import { LocalBlobStore } from './local-blob-store.ts';

const root = mkdtempSync(join(tmpdir(), 'safecity-blobs-'));
after(() => rmSync(root, { recursive: true, force: true }));
blobContract('local disk', async () => new LocalBlobStore(root));
