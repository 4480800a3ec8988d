import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BlobNotFoundError, type BlobStore } from './blob-store.ts';

// The one suite every BlobStore adapter runs: what recording, playback, retention and export may rely on.

export function blobContract(name: string, open: () => Promise<BlobStore>): void {
  describe(`blob store contract: ${name}`, () => {
    const scratch = mkdtempSync(join(tmpdir(), 'safecity-blob-contract-'));
    after(() => rmSync(scratch, { recursive: true, force: true }));
    /** A finished local file of `bytes` random bytes, as ffmpeg would leave one. */
    const fileOf = (bytes: number): { file: string; data: Buffer } => {
      const data = randomBytes(bytes);
      const file = join(scratch, `${randomBytes(6).toString('hex')}.mp4`);
      writeFileSync(file, data);
      return { file, data };
    };
    const token = randomBytes(4).toString('hex');
    const key = (name: string) => `recordings/contract-${token}/2026-11-25/${name}.mp4`;

    test('put then localFile gives back the same bytes; exists says so', async () => {
      const store = await open();
      const { file, data } = fileOf(300_000);
      await store.put(key('a'), file);
      assert.equal(await store.exists(key('a')), true);
      const local = await store.localFile(key('a'));
      assert.ok(readFileSync(local).equals(data), 'the bytes put come back');
      // Asked again, the same bytes (S3: from its local copy).
      assert.ok(readFileSync(await store.localFile(key('a'))).equals(data), 'the bytes come back again');
    });

    test('put replaces what a key held', async () => {
      const store = await open();
      await store.put(key('b'), fileOf(1000).file);
      const second = fileOf(2000);
      await store.put(key('b'), second.file);
      assert.ok(readFileSync(await store.localFile(key('b'))).equals(second.data), 'the second put is what the key holds');
    });

    test('a missing key: exists is false, localFile rejects with BlobNotFoundError, delete is fine', async () => {
      const store = await open();
      assert.equal(await store.exists(key('never')), false);
      await assert.rejects(store.localFile(key('never')), (err: unknown) => err instanceof BlobNotFoundError && err.key === key('never'));
      await store.delete(key('never'));
    });

    test('delete removes the blob and any local copy', async () => {
      const store = await open();
      await store.put(key('c'), fileOf(5000).file);
      const local = await store.localFile(key('c'));
      await store.delete(key('c'));
      assert.equal(await store.exists(key('c')), false);
      assert.equal(existsSync(local), false);
      await assert.rejects(store.localFile(key('c')), BlobNotFoundError);
    });

    test('an empty file is a blob too', async () => {
      const store = await open();
      await store.put(key('empty'), fileOf(0).file);
      assert.equal(readFileSync(await store.localFile(key('empty'))).length, 0);
    });

    test('keys that could leave the store are refused', async () => {
      const store = await open();
      for (const bad of ['../etc/passwd', '/abs/path', 'a//b', 'a/./b', 'a\\b', '']) {
        await assert.rejects(store.exists(bad), /is not a relative path of plain names/, bad);
        await assert.rejects(store.put(bad, fileOf(1).file), /is not a relative path of plain names/, bad);
      }
    });
  });
}
