import { test } from 'node:test';
import assert from 'node:assert/strict';
import { href } from '../app/router.ts';
import { DEFAULT_LIMIT, cameraQueryFrom, cameraQueryParams } from './camera-query.ts';

test('cameraQueryFrom keeps known values and drops what the API would reject', () => {
  const q = cameraQueryFrom(new URLSearchParams('status=offline&kind=laser&owner=commercial&limit=5000&offset=-3&q=gate'));
  assert.equal(q.status, 'offline');
  assert.equal(q.kind, undefined);
  assert.equal(q.owner, 'commercial');
  assert.equal(q.limit, DEFAULT_LIMIT);
  assert.equal(q.offset, 0);
  assert.equal(q.q, 'gate');
});

test('cameraQueryParams round-trips and leaves defaults out of the address', () => {
  const q = cameraQueryFrom(new URLSearchParams('city=pes&limit=250&offset=500'));
  const address = href('/cameras', cameraQueryParams(q));
  assert.equal(address, '#/cameras?city=pes&limit=250&offset=500');
  assert.deepEqual(cameraQueryFrom(new URLSearchParams(address.split('?')[1])), q);
  const defaults = cameraQueryParams(cameraQueryFrom(new URLSearchParams()));
  assert.equal(defaults.limit, undefined);
  assert.equal(defaults.offset, undefined);
});
