import { existsSync } from 'node:fs';
import { mkdir, rename, unlink, copyFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BlobNotFoundError, checkBlobKey, type BlobStore } from './blob-store.ts';

/** Blobs as files under one folder (the data folder): the key is the path. */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = resolve(root);
  }

  /** The file a key is stored in. */
  pathOf(key: string): string {
    return join(this.root, checkBlobKey(key));
  }

  async put(key: string, file: string): Promise<void> {
    const target = this.pathOf(key);
    if (resolve(file) === resolve(target)) return;
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(target), { recursive: true });
      try {
        await rename(file, target);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // The folder went in between (retention removes emptied day folders): make it again, once.
        if (code === 'ENOENT' && attempt === 1 && existsSync(file)) continue;
        // Another file system (a data folder on a second disk): copy, then remove the original.
        if (code !== 'EXDEV') throw err;
        await copyFile(file, target);
        await unlink(file);
        return;
      }
    }
  }

  async localFile(key: string): Promise<string> {
    const path = this.pathOf(key);
    if (!existsSync(path)) throw new BlobNotFoundError(key);
    return path;
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(this.pathOf(key));
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
