import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FfmpegNotFoundError, locateFfmpeg } from './ffmpeg.ts';
import { credentialRedactor, redactCredentials } from './redact.ts';

test('ffmpeg on PATH is preferred and reports its version and ffprobe', async () => {
  const found = await locateFfmpeg({ searchPath: '/usr/bin' });
  assert.equal(found.source, 'system');
  assert.equal(found.ffmpeg, '/usr/bin/ffmpeg');
  assert.equal(found.ffprobe, '/usr/bin/ffprobe');
  assert.match(found.version, /^\d+\.\d+/);
});

test('without ffmpeg on PATH the npm build is used, which has no ffprobe', async () => {
  const found = await locateFfmpeg({ searchPath: '/nonexistent' });
  assert.equal(found.source, 'npm');
  assert.match(found.ffmpeg, /@ffmpeg-installer\/linux-x64\/ffmpeg$/);
  assert.equal(found.ffprobe, null);
  assert.ok(found.version.length > 0);
});

test('no ffmpeg anywhere, or one that does not run, is a clear error', async () => {
  await assert.rejects(locateFfmpeg({ searchPath: '/nonexistent', npmFallback: false }), (err: Error) => {
    assert.ok(err instanceof FfmpegNotFoundError);
    assert.match(err.message, /ffmpeg not found on PATH/);
    return true;
  });
  const dir = mkdtempSync(join(tmpdir(), 'safecity-ffmpeg-'));
  try {
    const fake = join(dir, 'ffmpeg');
    writeFileSync(fake, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    await assert.rejects(locateFfmpeg({ ffmpegPath: fake }), /ffmpeg did not run \(tried .*\/ffmpeg\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('credentials are removed from URLs in any text', () => {
  assert.equal(
    redactCredentials("[rtsp @ 0x1] method DESCRIBE failed: 401 rtsp://admin:s3cret@10.1.2.3:554/Streaming/101"),
    '[rtsp @ 0x1] method DESCRIBE failed: 401 rtsp://***@10.1.2.3:554/Streaming/101',
  );
  assert.equal(redactCredentials('http://cam/mjpg?user=admin&pwd=s3cret&res=hd'), 'http://cam/mjpg?user=admin&pwd=***&res=hd');
  assert.equal(redactCredentials('rtsp://u:p@ss@host/x'), 'rtsp://***@host/x');
});

test("a source's redactor also removes its password wherever ffmpeg prints it", () => {
  const redact = credentialRedactor('rtsp://admin:p%40ssw0rd@10.0.0.9/live');
  assert.equal(redact('Input #0, rtsp, from rtsp://admin:p%40ssw0rd@10.0.0.9/live:'), 'Input #0, rtsp, from rtsp://***@10.0.0.9/live:');
  assert.equal(redact('auth with user admin password p@ssw0rd failed'), 'auth with user admin password *** failed');
  assert.equal(credentialRedactor('/var/cams/a.mp4')('opened /var/cams/a.mp4'), 'opened /var/cams/a.mp4');
});
