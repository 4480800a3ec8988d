import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { BlobNotFoundError, checkBlobKey, type BlobStore } from './blob-store.ts';
import { EMPTY_SHA256, sha256File, signV4, uriEncode, uriEncodePath } from './sigv4.ts';

// Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …), addressed path-style as
// <endpoint>/<bucket>/<prefix><key>, each request signed with SigV4 (sigv4.ts). ffmpeg needs files,
// so localFile downloads a blob once into <cacheDir>/<key> and hands that copy out until the cache
// sweep removes it; blobs are written whole and not changed in place, so a copy stays good.

export interface S3BlobStoreOptions {
  /** e.g. http://127.0.0.1:9000 (a path after the host is kept: <endpoint>/<bucket>/…). */
  endpoint: string;
  region: string;
  bucket: string;
  /** '' or a `/`-separated path ending in '/', put before every key. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Where local copies go: <cacheDir>/<key>. */
  cacheDir: string;
  /** The fetch to use (tests count requests with it); global fetch when left out. */
  fetch?: typeof fetch;
}

/** fetch's options as Node's fetch (undici) takes them: a streamed body needs duplex 'half'. */
type NodeRequestInit = RequestInit & { duplex?: 'half' };

interface SendOptions {
  body?: Readable;
  payloadHash?: string;
  headers?: Record<string, string>;
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  readonly location: string;
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;
  /** Downloads under way, by key: a second localFile for the same key waits on the first. */
  private readonly downloads = new Map<string, Promise<string>>();
  /** Keys that put or delete changed while they were being downloaded: that download is not kept. */
  private readonly changedWhileDownloading = new Set<string>();

  constructor(private readonly options: S3BlobStoreOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new Error(`S3 endpoint ${JSON.stringify(options.endpoint)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`S3 endpoint ${url.origin} is not http(s)`);
    if (url.username || url.password || url.search || url.hash) {
      throw new Error('S3 endpoint must be a plain http(s) URL (no credentials, query or fragment)');
    }
    this.endpoint = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    if (!options.bucket || /[/\\?#\s]/.test(options.bucket)) throw new Error(`S3 bucket ${JSON.stringify(options.bucket)} is not a bucket name`);
    if (!options.region) throw new Error('S3 region is required');
    if (options.prefix !== '') {
      if (!options.prefix.endsWith('/')) throw new Error(`S3 prefix ${JSON.stringify(options.prefix)} must be empty or end in '/'`);
      checkBlobKey(options.prefix.slice(0, -1));
    }
    this.location = `${this.endpoint}/${options.bucket}/${options.prefix}`;
    this.fetch = options.fetch ?? fetch;
  }

  /** A store whose bucket has been reached with its credentials: the platform's way to make one. */
  static async open(options: S3BlobStoreOptions): Promise<S3BlobStore> {
    const store = new S3BlobStore(options);
    await store.check();
    return store;
  }

  /**
   * HEAD on the bucket: resolves when it is there and the credentials are taken, else throws an error
   * that says which (a HEAD answer has no body, so the reason comes from the status).
   */
  async check(): Promise<void> {
    const res = await this.send('HEAD', undefined);
    if (res.ok) return;
    const hint = res.status === 404 ? 'the bucket does not exist'
      : res.status === 403 ? 'the access key or secret key is refused, or they may not use this bucket'
      : res.status === 301 || res.status === 400
        ? `the bucket is in another region${res.headers.get('x-amz-bucket-region') ? ` (${res.headers.get('x-amz-bucket-region')})` : ''} or the endpoint is wrong`
        : 'the store did not accept the request';
    throw await this.failure('HEAD', undefined, res, hint);
  }

  /** The local copy's path for a key. */
  cachePath(key: string): string {
    return join(this.options.cacheDir, checkBlobKey(key));
  }

  async put(key: string, file: string, known?: { sha256: string }): Promise<void> {
    checkBlobKey(key);
    const { size } = await stat(file);
    // The body's SHA-256 signs the upload: the caller's, when it hashed the file already (an export).
    const payloadHash = known?.sha256 ?? (await sha256File(file));
    const body = createReadStream(file);
    try {
      const res = await this.send('PUT', key, {
        body,
        payloadHash,
        headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' },
      });
      if (!res.ok) throw await this.failure('PUT', key, res);
      await res.body?.cancel();
    } finally {
      // S3 answers a PUT once it has the whole body, or early to refuse it: either way, done reading.
      body.destroy();
    }
    this.changed(key);
    await removeFile(file);
    await removeFile(this.cachePath(key));
  }

  async localFile(key: string): Promise<string> {
    const path = this.cachePath(key);
    if (await touch(path)) return path;
    const running = this.downloads.get(key);
    if (running) return running;
    const download = this.download(key, path).finally(() => {
      this.downloads.delete(key);
      this.changedWhileDownloading.delete(key);
    });
    this.downloads.set(key, download);
    return download;
  }

  async exists(key: string): Promise<boolean> {
    checkBlobKey(key);
    const res = await this.send('HEAD', key);
    if (res.status === 404) return false;
    if (!res.ok) throw await this.failure('HEAD', key, res);
    return true;
  }

  async delete(key: string): Promise<void> {
    checkBlobKey(key);
    const res = await this.send('DELETE', key);
    if (!res.ok && res.status !== 404) throw await this.failure('DELETE', key, res);
    await res.body?.cancel();
    this.changed(key);
    await removeFile(this.cachePath(key));
  }

  private changed(key: string): void {
    if (this.downloads.has(key)) this.changedWhileDownloading.add(key);
  }

  /** GETs the blob into a temporary file beside `path`, then renames it into place. */
  private async download(key: string, path: string): Promise<string> {
    for (;;) {
      this.changedWhileDownloading.delete(key);
      const res = await this.send('GET', key);
      if (!res.ok) {
        // 404 NoSuchKey is "no blob"; 404 NoSuchBucket is a misconfiguration and said as one.
        const error = await this.failure('GET', key, res);
        if (res.status === 404 && !/NoSuchBucket/.test(error.message)) throw new BlobNotFoundError(key);
        throw error;
      }
      await mkdir(dirname(path), { recursive: true });
      const partial = `${path}.${randomBytes(6).toString('hex')}.part`;
      try {
        if (res.body) {
          await pipeline(Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), createWriteStream(partial));
        } else {
          await pipeline(Readable.from([]), createWriteStream(partial));
        }
      } catch (err) {
        await removeFile(partial);
        throw new Error(`S3 GET ${this.objectName(key)} at ${this.endpoint}/${this.options.bucket}: download broke off: ${(err as Error).message}`, { cause: err });
      }
      if (this.changedWhileDownloading.has(key)) {
        // put or delete ran meanwhile: what came down may be the old bytes, so ask again.
        await removeFile(partial);
        continue;
      }
      await rename(partial, path);
      return path;
    }
  }

  private objectName(key: string | undefined): string {
    return key === undefined ? `bucket ${this.options.bucket}` : `${this.options.prefix}${key}`;
  }

  /** Signs and sends one request; network failures become errors naming the endpoint. */
  private async send(method: string, key: string | undefined, options: SendOptions = {}): Promise<Response> {
    const path = key === undefined
      ? `/${uriEncode(this.options.bucket)}`
      : `/${uriEncode(this.options.bucket)}/${uriEncodePath(this.options.prefix + key)}`;
    const url = new URL(this.endpoint + path);
    const { headers } = signV4({
      method,
      url,
      headers: options.headers,
      payloadHash: options.payloadHash ?? EMPTY_SHA256,
      region: this.options.region,
      service: 's3',
    }, this.options);
    const init: NodeRequestInit = { method, headers, redirect: 'manual' };
    // Bodiless requests answer at once or not at all: a black-holed store fails them in 30 s, not after
    // undici's 5-minute header timeout (uploads and downloads keep undici's idle timeouts).
    if (method === 'HEAD' || method === 'DELETE') init.signal = AbortSignal.timeout(30_000);
    if (options.body) {
      init.body = Readable.toWeb(options.body) as unknown as ReadableStream<Uint8Array>;
      init.duplex = 'half';
    }
    try {
      return await this.fetch(url, init);
    } catch (err) {
      options.body?.destroy();
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new Error(`S3 ${method} ${this.objectName(key)} at ${this.endpoint}/${this.options.bucket}: cannot reach the store: ${reason}`, { cause: err });
    }
  }

  /** An error for a non-2xx answer: status, S3's error code and message (from the XML body or headers). */
  private async failure(method: string, key: string | undefined, res: Response, hint?: string): Promise<Error> {
    let body = '';
    try {
      body = method === 'HEAD' ? '' : (await res.text()).slice(0, 64 * 1024);
    } catch {
      // The reason is in the status then.
    }
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? res.headers.get('x-amz-error-code') ?? res.statusText;
    const said = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? res.headers.get('x-amz-error-message');
    const message = said ? decodeXml(said) : hint;
    const detail = message ? `${code}: ${message}` : code;
    return new Error(`S3 ${method} ${this.objectName(key)} at ${this.endpoint}/${this.options.bucket}: ${res.status} ${detail}`);
  }
}

function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name] ?? _);
}

/** Sets a file's times to now; false when there is no such file. */
async function touch(path: string): Promise<boolean> {
  const now = new Date();
  try {
    if (!(await stat(path)).isFile()) return false;
    await utimes(path, now, now);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw err;
  }
}

async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
