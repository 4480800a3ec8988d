import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { amzDate, EMPTY_SHA256, sha256File, sha256Hex, signV4, uriEncode, uriEncodePath } from './sigv4.ts';

// The examples published in AWS's S3 documentation, "Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)": bucket examplebucket,
// region us-east-1, 2013-05-24T00:00:00Z, and AWS's example key pair.
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const example = { region: 'us-east-1', service: 's3', date: new Date('2013-05-24T00:00:00Z') };
const host = 'https://examplebucket.s3.amazonaws.com';

test('the AWS GET Object example (Range bytes=0-9): canonical request, string to sign, signature, header', () => {
  const signed = signV4({
    ...example,
    method: 'GET',
    url: new URL(`${host}/test.txt`),
    headers: { Range: 'bytes=0-9' },
    payloadHash: EMPTY_SHA256,
  }, credentials);
  assert.equal(signed.canonicalRequest, [
    'GET',
    '/test.txt',
    '',
    'host:examplebucket.s3.amazonaws.com',
    'range:bytes=0-9',
    'x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-amz-date:20130524T000000Z',
    '',
    'host;range;x-amz-content-sha256;x-amz-date',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ].join('\n'));
  assert.equal(signed.stringToSign, [
    'AWS4-HMAC-SHA256',
    '20130524T000000Z',
    '20130524/us-east-1/s3/aws4_request',
    '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
  ].join('\n'));
  assert.equal(signed.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  assert.equal(
    signed.headers.authorization,
    'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,'
      + 'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,'
      + 'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  );
  assert.equal(signed.headers['x-amz-date'], '20130524T000000Z');
  assert.equal(signed.headers['x-amz-content-sha256'], EMPTY_SHA256);
  assert.equal(signed.headers.range, 'bytes=0-9');
});

test('the AWS PUT Object example: a key needing encoding, a payload hash, extra signed headers', () => {
  const body = 'Welcome to Amazon S3.';
  assert.equal(sha256Hex(body), '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
  const signed = signV4({
    ...example,
    method: 'PUT',
    url: new URL(`${host}/${uriEncodePath('test$file.text')}`),
    headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
    payloadHash: sha256Hex(body),
  }, credentials);
  assert.match(signed.canonicalRequest, /^PUT\n\/test%24file\.text\n\n/);
  assert.match(signed.headers.authorization, /SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,/);
  assert.equal(signed.signature, '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
});

test('the AWS examples with a query: GET ?lifecycle and GET ?max-keys=2&prefix=J', () => {
  const lifecycle = signV4({ ...example, method: 'GET', url: new URL(`${host}/?lifecycle`), payloadHash: EMPTY_SHA256 }, credentials);
  assert.match(lifecycle.canonicalRequest, /^GET\n\/\nlifecycle=\n/);
  assert.equal(lifecycle.signature, 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  // Given out of order: the canonical query sorts them.
  const list = signV4({ ...example, method: 'GET', url: new URL(`${host}/?prefix=J&max-keys=2`), payloadHash: EMPTY_SHA256 }, credentials);
  assert.match(list.canonicalRequest, /^GET\n\/\nmax-keys=2&prefix=J\n/);
  assert.equal(sha256Hex(list.canonicalRequest), 'df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7');
  assert.equal(list.signature, '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
});

test('a host with a port is signed as sent; the date is formatted without separators', () => {
  const signed = signV4({
    method: 'HEAD', url: new URL('http://127.0.0.1:9000/bucket'), payloadHash: EMPTY_SHA256,
    region: 'us-east-1', service: 's3', date: new Date('2026-11-25T13:04:05.678Z'),
  }, credentials);
  assert.match(signed.canonicalRequest, /\nhost:127\.0\.0\.1:9000\n/);
  assert.equal(amzDate(new Date('2026-11-25T13:04:05.678Z')), '20261125T130405Z');
  assert.equal(signed.headers['x-amz-date'], '20261125T130405Z');
  assert.equal(signed.headers.host, undefined, 'host is left for fetch to send');
});

test('URI encoding follows RFC 3986 and keeps the slashes of a path', () => {
  assert.equal(uriEncode("AZaz09-._~ !'()*+=&$/é"), "AZaz09-._~%20%21%27%28%29%2A%2B%3D%26%24%2F%C3%A9");
  assert.equal(uriEncodePath('recordings/cam 1/2026-11-25/a+b.mp4'), 'recordings/cam%201/2026-11-25/a%2Bb.mp4');
});

test('sha256File streams a file to the same hash as hashing its bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-sigv4-'));
  try {
    const data = Buffer.alloc(3 * 1024 * 1024 + 7, 'x');
    writeFileSync(join(dir, 'f'), data);
    assert.equal(await sha256File(join(dir, 'f')), sha256Hex(data));
    writeFileSync(join(dir, 'empty'), '');
    assert.equal(await sha256File(join(dir, 'empty')), EMPTY_SHA256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
