import { createHash, createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';

// AWS Signature Version 4 for requests signed in the Authorization header, as S3 and the stores that
// speak its protocol check them. Written with node:crypto alone; sigv4.test.ts pins it to AWS's
// published example. S3 rules: the path is not encoded a second time, and the payload's SHA-256 is
// sent in x-amz-content-sha256 and signed.

/** SHA-256 of no bytes: the payload hash of GET, HEAD and DELETE. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Request {
  method: string;
  /** The URL as it will be sent: its path already URI-encoded (see uriEncodePath). */
  url: URL;
  /** Headers to sign besides host, x-amz-date and x-amz-content-sha256 (names in any case). */
  headers?: Record<string, string>;
  /** Hex SHA-256 of the body. */
  payloadHash: string;
  region: string;
  service: string;
  /** The signing time; now when left out. */
  date?: Date;
}

export interface SigV4Signed {
  /** Headers to send with the request: x-amz-date, x-amz-content-sha256, authorization and the given ones. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

/** RFC 3986 encoding of one value, as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A path of `/`-separated names with each name encoded and the slashes kept. */
export function uriEncodePath(path: string): string {
  return path.split('/').map(uriEncode).join('/');
}

/** 20130524T000000Z */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex SHA-256 of a file, read as a stream (files here run to gigabytes). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The key for one day, region and service, derived from the secret. */
export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** Signs a request; what comes back holds the headers to send and, for tests and diagnosis, the steps. */
export function signV4(request: SigV4Request, credentials: SigV4Credentials): SigV4Signed {
  const time = amzDate(request.date ?? new Date());
  const day = time.slice(0, 8);
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) given[name.toLowerCase()] = value;
  given['x-amz-date'] = time;
  given['x-amz-content-sha256'] = request.payloadHash;
  const signing: Record<string, string> = { ...given, host: given.host ?? request.url.host };
  const names = Object.keys(signing).sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    request.url.pathname || '/',
    canonicalQuery(request.url),
    ...names.map((name) => `${name}:${signing[name].trim().replace(/\s+/g, ' ')}`),
    '',
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  const scope = `${day}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', time, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, request.region, request.service))
    .update(stringToSign, 'utf8')
    .digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope},`
    + `SignedHeaders=${signedHeaders},Signature=${signature}`;
  return { headers: { ...given, authorization }, canonicalRequest, stringToSign, signature };
}
