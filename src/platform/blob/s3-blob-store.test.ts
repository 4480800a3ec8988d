import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { blobContract } from './blob.contract.ts';
import { BlobNotFoundError } from './blob-store.ts';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.ts';
import { sha256Hex, signV4, uriEncode } from './sigv4.ts';

// S3BlobStore against s3rver, an S3 server in this process with its files in a temporary folder.
//
// s3rver 3 parses SigV4 Authorization headers and refuses unknown access keys, but does not check V4
// signatures itself ("Signature version 4 calculation is unimplemented" in its authentication
// middleware). So the test puts a checking middleware in front of its routes that does what S3 does:
// it rebuilds the canonical request from what arrived on the wire (method, raw path and query, the
// signed headers as received), signs it with the secret it knows for that key, and answers
// 403 SignatureDoesNotMatch when the signatures differ; for a PUT it also hashes the body and answers
// 400 XAmzContentSHA256Mismatch when x-amz-content-sha256 is not its SHA-256. The hashing steps it
// shares with the client are pinned to AWS's published examples in sigv4.test.ts; what this adds is
// that the request fetch really sends (host with port, encoded path, headers) is the one we signed.

const require = createRequire(import.meta.url);

interface KoaContext {
  method: string;
  status: number;
  headers: Record<string, string | undefined>;
  req: NodeJS.ReadableStream & { url?: string };
  params?: { bucket?: string; key?: string };
  store: { getResourcePath(bucket: string, key: string, resource: string): string };
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverServer {
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverServer;
const S3Error = require('s3rver/lib/models/error.js') as new (code: string, message: string, detail?: Record<string, string>) => Error;
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js') as {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
};

const BUCKET = 'safecity-test';
const ACCESS_KEY = 'SAFECITYTESTKEY';
const SECRET = `safecity-test-secret-${randomBytes(8).toString('hex')}`;
const secrets = new Map([[ACCESS_KEY, SECRET]]);
DUMMY_ACCOUNT.createKeyPair(ACCESS_KEY, SECRET);

const scratch = mkdtempSync(join(tmpdir(), 'safecity-s3-test-'));
/** Requests whose signature the checking middleware found good, and those it refused. */
const verdicts = { good: 0, refused: 0 };

/** Checks a SigV4 Authorization header the way S3 does; throws S3's error when it does not hold. */
const checkSignature: Middleware = async (ctx, next) => {
  const authorization = ctx.headers.authorization;
  if (!authorization) throw new S3Error('AccessDenied', 'Access Denied');
  const parsed = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/
    .exec(authorization);
  if (!parsed) throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed');
  const [, accessKeyId, day, region, service, signedHeaders, signature] = parsed as unknown as string[];
  const secretAccessKey = secrets.get(accessKeyId!);
  if (!secretAccessKey) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  const time = ctx.headers['x-amz-date'] ?? '';
  const payloadHash = ctx.headers['x-amz-content-sha256'];
  if (!/^\d{8}T\d{6}Z$/.test(time) || time.slice(0, 8) !== day || !payloadHash) {
    throw new S3Error('InvalidRequest', 'x-amz-date and x-amz-content-sha256 are required and must match the credential scope');
  }
  const names = signedHeaders!.split(';');
  for (const required of ['host', 'x-amz-content-sha256', 'x-amz-date']) {
    if (!names.includes(required)) throw new S3Error('AccessDenied', `${required} must be signed`);
  }
  const headers: Record<string, string> = {};
  for (const name of names) headers[name] = ctx.headers[name] ?? '';
  const date = new Date(`${time.slice(0, 4)}-${time.slice(4, 6)}-${time.slice(6, 8)}T${time.slice(9, 11)}:${time.slice(11, 13)}:${time.slice(13, 15)}Z`);
  // As S3 does: the path as received, each segment decoded and encoded again the RFC 3986 way.
  const url = new URL(ctx.req.url ?? '/', `http://${ctx.headers.host}`);
  url.pathname = url.pathname.split('/').map((segment) => uriEncode(decodeURIComponent(segment))).join('/');
  const expected = signV4({
    method: ctx.method,
    url,
    headers,
    payloadHash,
    region: region!,
    service: service!,
    date,
  }, { accessKeyId: accessKeyId!, secretAccessKey });
  if (expected.signature !== signature) {
    verdicts.refused += 1;
    throw new S3Error('SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  if (ctx.method === 'PUT') {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (sha256Hex(body) !== payloadHash) {
      verdicts.refused += 1;
      throw new S3Error('BadDigest', "XAmzContentSHA256Mismatch: the provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    // s3rver's PUT handler reads the body from ctx.req: hand it the bytes already read.
    ctx.req = Object.assign(Readable.from([body]), { url: ctx.req.url });
    verdicts.good += 1;
    await next();
    // s3rver 3 answers a PUT when its hashing stream has seen the bytes, not when its file is written
    // (stores/filesystem.js resolves on the Transform's 'finish'), so a GET right after can read a
    // short file. S3 is read-after-write consistent: wait here until the file holds every byte.
    if (ctx.status === 200 && ctx.params?.bucket && ctx.params.key) {
      const file = ctx.store.getResourcePath(ctx.params.bucket, ctx.params.key, 'object');
      for (let waited = 0; waited < 10_000; waited += 5) {
        if ((await stat(file).catch(() => undefined))?.size === body.length) return;
        await sleep(5);
      }
      throw new Error(`s3rver never finished writing ${file}`);
    }
    return;
  }
  verdicts.good += 1;
  await next();
};

let server: Promise<{ s3: S3rverServer; endpoint: string }> | undefined;
/** The s3rver of this file, started on first use on a free loopback port. */
function s3rver(): Promise<{ s3: S3rverServer; endpoint: string }> {
  server ??= (async () => {
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: join(scratch, 's3rver'),
      configureBuckets: [{ name: BUCKET }],
    });
    // Before its router (the last middleware), so every S3 request passes the check.
    s3.middleware.splice(s3.middleware.length - 1, 0, checkSignature);
    const { port } = await s3.run();
    return { s3, endpoint: `http://127.0.0.1:${port}` };
  })();
  return server;
}
after(async () => {
  if (server) await (await server).s3.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function options(change: Partial<S3BlobStoreOptions> = {}): Promise<S3BlobStoreOptions> {
  const { endpoint } = await s3rver();
  return {
    endpoint,
    region: 'us-east-1',
    bucket: BUCKET,
    prefix: '',
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET,
    cacheDir: mkdtempSync(join(scratch, 'cache-')),
    ...change,
  };
}

/** A fetch that counts requests by method. */
function countingFetch(): { fetch: typeof fetch; count: Record<string, number> } {
  const count: Record<string, number> = {};
  return {
    count,
    fetch: (input, init) => {
      const method = init?.method ?? 'GET';
      count[method] = (count[method] ?? 0) + 1;
      return fetch(input, init);
    },
  };
}

/** A store whose requests are counted, holding `bytes` random bytes under `key`. */
async function countedStoreHolding(key: string, bytes: number) {
  const counter = countingFetch();
  const store = new S3BlobStore(await options({ fetch: counter.fetch }));
  const data = randomBytes(bytes);
  await store.put(key, fileOf(data));
  return { store, counter, data };
}

/** Compares by length and hash: a failing message stays short for 12 MB. */
function sameBytes(actual: Buffer, expected: Buffer): void {
  assert.equal(actual.length, expected.length, 'length');
  assert.equal(sha256Hex(actual), sha256Hex(expected), 'SHA-256 of the bytes');
}

function fileOf(data: Buffer): string {
  const file = join(scratch, `${randomBytes(6).toString('hex')}.mp4`);
  writeFileSync(file, data);
  return file;
}

blobContract('S3 (s3rver)', async () => S3BlobStore.open(await options()));

describe('S3BlobStore against s3rver', () => {
  test('the signature check is in force: good requests pass it, a bad one is refused', async () => {
    const before = { ...verdicts };
    const store = await S3BlobStore.open(await options());
    assert.equal(await store.exists('recordings/none/x.mp4'), false);
    assert.ok(verdicts.good >= before.good + 2, 'the check saw the HEADs of open and exists');
    const bad = signV4({
      method: 'HEAD', url: new URL(`${(await s3rver()).endpoint}/${BUCKET}`), payloadHash: sha256Hex(''),
      region: 'us-east-1', service: 's3',
    }, { accessKeyId: ACCESS_KEY, secretAccessKey: 'not-the-secret' });
    const res = await fetch(`${(await s3rver()).endpoint}/${BUCKET}`, { method: 'HEAD', headers: bad.headers });
    assert.equal(res.status, 403);
    assert.equal(verdicts.refused, before.refused + 1);
  });

  test('a wrong secret key: a clear error with the endpoint, bucket and S3 code, never the secret', async () => {
    const wrongSecret = `wrong-secret-${randomBytes(8).toString('hex')}`;
    const opts = await options({ secretAccessKey: wrongSecret });
    const notLeaking = (err: unknown) => {
      const text = `${(err as Error).message} ${(err as Error).stack ?? ''}`;
      assert.ok(!text.includes(wrongSecret) && !text.includes(SECRET), text);
      assert.ok(!/AWS4-HMAC-SHA256|Signature=/.test(text), text);
      return true;
    };
    await assert.rejects(S3BlobStore.open(opts), (err: unknown) => {
      const { message } = err as Error;
      assert.match(message, /^S3 HEAD bucket safecity-test at http:\/\/127\.0\.0\.1:\d+\/safecity-test: 403 /);
      assert.match(message, /access key or secret key is refused/);
      return notLeaking(err);
    });
    const store = new S3BlobStore(opts);
    const key = 'recordings/cam-1/2026-11-25/wrong.mp4';
    // Large enough that the 403 comes back while the body is still being sent.
    await assert.rejects(store.put(key, fileOf(randomBytes(8 * 1024 * 1024))), (err: unknown) => {
      assert.match((err as Error).message, new RegExp(`^S3 PUT ${key} at ${opts.endpoint}/safecity-test: 403 SignatureDoesNotMatch: The request signature`));
      return notLeaking(err);
    });
    await assert.rejects(store.localFile(key), (err: unknown) => {
      assert.ok(!(err instanceof BlobNotFoundError), 'not reported as a missing blob');
      assert.match((err as Error).message, /403 SignatureDoesNotMatch/);
      return notLeaking(err);
    });
    // An access key the store does not know at all.
    await assert.rejects(new S3BlobStore({ ...opts, accessKeyId: 'NOSUCHKEY' }).delete(key), /403 InvalidAccessKeyId/);
  });

  test('a bucket that does not exist: open fails, naming it; a GET says NoSuchBucket, not "no blob"', async () => {
    const opts = await options({ bucket: 'no-such-bucket' });
    await assert.rejects(S3BlobStore.open(opts), (err: unknown) => {
      assert.match((err as Error).message, /^S3 HEAD bucket no-such-bucket at http:\/\/127\.0\.0\.1:\d+\/no-such-bucket: 404 .*the bucket does not exist/);
      return true;
    });
    const store = new S3BlobStore(opts);
    await assert.rejects(store.localFile('exports/x.mp4'), (err: unknown) => {
      assert.ok(!(err instanceof BlobNotFoundError), 'not reported as a missing blob');
      assert.match((err as Error).message, /404 NoSuchBucket/);
      return true;
    });
    await assert.rejects(store.put('exports/x.mp4', fileOf(randomBytes(10))), /404 NoSuchBucket/);
  });

  test('an endpoint nobody answers on: the error names it', async () => {
    const { endpoint } = await s3rver();
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const opts = await options({ endpoint: endpoint.replace(/:\d+$/, `:${closed}`) });
    await assert.rejects(S3BlobStore.open(opts), new RegExp(`^Error: S3 HEAD bucket safecity-test at http://127\\.0\\.0\\.1:${closed}/safecity-test: cannot reach the store: ECONNREFUSED`));
  });

  test('the local copy is reused: a second localFile downloads nothing and keeps the copy fresh', async () => {
    const key = 'recordings/cam-1/2026-11-25/reuse.mp4';
    const { store, counter, data } = await countedStoreHolding(key, 50_000);
    const first = await store.localFile(key);
    assert.equal(counter.count.GET, 1);
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(first, old, old);
    const second = await store.localFile(key);
    assert.equal(second, first);
    assert.equal(counter.count.GET, 1, 'no second download');
    assert.ok(statSync(second).mtimeMs > Date.now() - 60_000, 'the copy was touched, so the cache sweep keeps it');
    sameBytes(readFileSync(second), data);
  });

  test('concurrent localFile calls for one key download it once', async () => {
    const key = 'recordings/cam-2/2026-11-25/together.mp4';
    const { store, counter, data } = await countedStoreHolding(key, 400_000);
    const paths = await Promise.all(Array.from({ length: 6 }, () => store.localFile(key)));
    assert.equal(counter.count.GET, 1);
    assert.equal(new Set(paths).size, 1);
    sameBytes(readFileSync(paths[0]!), data);
    // Nothing half-written is left beside it.
    assert.deepEqual(readdirSync(dirname(paths[0]!)), ['together.mp4']);
  });

  test('put after a download drops the stale local copy; the next localFile has the new bytes', async () => {
    const store = new S3BlobStore(await options());
    const key = 'exports/replaced.mp4';
    await store.put(key, fileOf(Buffer.from('first version')));
    const local = await store.localFile(key);
    assert.equal(readFileSync(local, 'utf8'), 'first version');
    const file = fileOf(Buffer.from('second version'));
    await store.put(key, file);
    assert.equal(existsSync(file), false, 'put removes the uploaded file');
    assert.equal(existsSync(local), false, 'the stale copy is gone');
    assert.equal(readFileSync(await store.localFile(key), 'utf8'), 'second version');
  });

  test('a put while the key is being downloaded: the old bytes are not kept', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let gets = 0;
    const store = new S3BlobStore(await options({
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if ((init?.method ?? 'GET') === 'GET' && ++gets === 1) await gate;
        return res;
      },
    }));
    const key = 'exports/raced.mp4';
    await store.put(key, fileOf(Buffer.from('old bytes')));
    const reading = store.localFile(key);
    await store.put(key, fileOf(Buffer.from('new bytes')));
    release();
    assert.equal(readFileSync(await reading, 'utf8'), 'new bytes');
    assert.equal(gets, 2, 'downloaded again after the put');
  });

  test('keys needing URI encoding and a prefix are stored where they should be', async () => {
    const store = new S3BlobStore(await options({ prefix: 'site-a/' }));
    const plain = new S3BlobStore(await options());
    const key = "exports/cam 1/a+b=c&d(1)~'!*$é.mp4";
    const data = randomBytes(2000);
    await store.put(key, fileOf(data));
    assert.equal(await store.exists(key), true);
    assert.equal(await plain.exists(key), false);
    assert.equal(await plain.exists(`site-a/${key}`), true);
    sameBytes(readFileSync(await plain.localFile(`site-a/${key}`)), data);
    assert.match(store.location, /\/safecity-test\/site-a\/$/);
    await store.delete(key);
    assert.equal(await plain.exists(`site-a/${key}`), false);
  });

  test('a larger file streams up and down intact', async () => {
    const store = new S3BlobStore(await options());
    const data = randomBytes(12 * 1024 * 1024 + 3);
    await store.put('recordings/cam-3/2026-11-25/big.mp4', fileOf(data));
    sameBytes(readFileSync(await store.localFile('recordings/cam-3/2026-11-25/big.mp4')), data);
  });

  test('options that cannot work are refused at construction', () => {
    const base: S3BlobStoreOptions = {
      endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'b', prefix: '',
      accessKeyId: 'a', secretAccessKey: 's', cacheDir: scratch,
    };
    assert.throws(() => new S3BlobStore({ ...base, endpoint: 'not a url' }), /is not a URL/);
    assert.throws(() => new S3BlobStore({ ...base, endpoint: 'http://user:pw@host' }), /plain http\(s\) URL/);
    assert.throws(() => new S3BlobStore({ ...base, prefix: 'site-a' }), /must be empty or end in '\/'/);
    assert.throws(() => new S3BlobStore({ ...base, prefix: '../x/' }), /not a relative path/);
    assert.throws(() => new S3BlobStore({ ...base, bucket: 'a/b' }), /not a bucket name/);
    assert.equal(new S3BlobStore({ ...base, endpoint: 'http://127.0.0.1:9000/' }).location, 'http://127.0.0.1:9000/b/');
  });
});
