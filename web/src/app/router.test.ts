import { test } from 'node:test';
import assert from 'node:assert/strict';
import { href, matchPath } from './router.ts';

test('matchPath matches literal segments and decodes params', () => {
  assert.deepEqual(matchPath('/cameras', '/cameras'), {});
  assert.deepEqual(matchPath('/cameras/:id', '/cameras/cam%2F1'), { id: 'cam/1' });
  assert.equal(matchPath('/cameras/:id', '/cameras'), null);
  assert.equal(matchPath('/cameras/:id', '/sites/x'), null);
  assert.equal(matchPath('/cameras/:id', '/cameras/%E0%A4%A'), null, 'a malformed escape is no match, not a crash');
});

test('href leaves empty query values out', () => {
  assert.equal(href('/map'), '#/map');
  assert.equal(href('/cameras', { status: 'offline', q: '', offset: 0, city: undefined }), '#/cameras?status=offline&offset=0');
  assert.equal(href('/cameras', new URLSearchParams('q=a b')), '#/cameras?q=a+b');
});
