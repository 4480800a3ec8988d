import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasRedactedSecret, keepRedactedSecrets, redactStreamUrl, streamUrlProblem } from './stream-url.ts';

test('accepts the stream schemes cameras use, refuses the rest', () => {
  for (const ok of ['rtsp://10.0.0.5:554/Streaming/101', 'rtsps://cam.local/s', 'http://nvr/live.flv', 'https://nvr/hls/1.m3u8', 'file:///srv/demo/junction.mp4']) {
    assert.equal(streamUrlProblem(ok), null, ok);
  }
  assert.match(streamUrlProblem('ftp://cam/1')!, /scheme "ftp" is not supported/);
  assert.match(streamUrlProblem('rtsp:///path')!, /must name a host/);
  assert.match(streamUrlProblem('not a url')!, /spaces/);
  assert.match(streamUrlProblem('cam1')!, /not a valid URL/);
  assert.match(streamUrlProblem('file:///')!, /must name a file/);
});

test('redaction hides passwords and secret query values, keeps the rest', () => {
  assert.equal(redactStreamUrl('rtsp://admin:p%40ss@10.0.0.5:554/Streaming/101?transport=tcp'), 'rtsp://admin:***@10.0.0.5:554/Streaming/101?transport=tcp');
  assert.equal(redactStreamUrl('rtsp://10.0.0.5/s'), 'rtsp://10.0.0.5/s');
  assert.equal(redactStreamUrl('https://nvr/live?channel=2&token=abc&Password=x'), 'https://nvr/live?channel=2&token=***&Password=***');
  assert.equal(redactStreamUrl('garbage'), '(invalid url)');
});

test('a redacted URL sent back unchanged keeps the stored secret; anything else is taken as sent', () => {
  const stored = 'rtsp://admin:hunter2@10.0.0.5/s';
  assert.equal(keepRedactedSecrets('rtsp://admin:***@10.0.0.5/s', stored), stored);
  assert.equal(keepRedactedSecrets('rtsp://admin:new@10.0.0.5/s', stored), 'rtsp://admin:new@10.0.0.5/s');
  assert.equal(keepRedactedSecrets('rtsp://admin:***@10.0.0.6/s', stored), 'rtsp://admin:***@10.0.0.6/s');
  assert.equal(keepRedactedSecrets('rtsp://admin:***@10.0.0.5/s', undefined), 'rtsp://admin:***@10.0.0.5/s');
  assert.equal(hasRedactedSecret('rtsp://admin:***@10.0.0.6/s'), true);
  assert.equal(hasRedactedSecret('https://nvr/live?token=***'), true);
  assert.equal(hasRedactedSecret(stored), false);
});
