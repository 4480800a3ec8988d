import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPayload, subjectMatches } from './events.ts';

test('subject patterns match like NATS', () => {
  assert.equal(subjectMatches('video.>', 'video.camera.status'), true);
  assert.equal(subjectMatches('video.>', 'video'), false);
  assert.equal(subjectMatches('network.*.changed', 'network.camera.changed'), true);
  assert.equal(subjectMatches('network.*.changed', 'network.camera.changed.x'), false);
  assert.equal(subjectMatches('network.site.changed', 'network.camera.changed'), false);
});

test('a payload that breaks its schema is refused naming the field', () => {
  assert.throws(() => checkPayload('video.camera.status', { cameraId: 'c1', status: 'sideways', at: 'x' }), /status/);
  assert.deepEqual(checkPayload('video.camera.status', { cameraId: 'c1', status: 'online', at: 'x' }).status, 'online');
});
