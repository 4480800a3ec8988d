import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addCamera, clearTile, emptyWall, parseWall, placeCamera, resizeWall, type Wall } from './wall-layout.ts';

const wall = (size: Wall['size'], ...slots: Array<string | null>): Wall => ({ size, slots });

test('a dropped camera fills the tile; one already on the wall moves and swaps', () => {
  let w = placeCamera(emptyWall(2), 1, 'c1');
  assert.deepEqual(w, wall(2, null, 'c1', null, null));
  w = placeCamera(w, 3, 'c2');
  w = placeCamera(w, 3, 'c1');
  assert.deepEqual(w, wall(2, null, 'c2', null, 'c1'), 'never the same camera twice');
  assert.deepEqual(placeCamera(w, 0, 'c9'), wall(2, 'c9', 'c2', null, 'c1'));
  assert.equal(placeCamera(w, 3, 'c1'), w, 'dropped on its own tile: nothing changes');
});

test('bad drops change nothing', () => {
  const w = wall(2, 'c1', null, null, null);
  for (const index of [-1, 4, 1.5, NaN]) assert.equal(placeCamera(w, index, 'c2'), w);
  assert.equal(placeCamera(w, 1, ''), w);
});

test('clearing a tile empties it', () => {
  assert.deepEqual(clearTile(wall(1, 'c1'), 0), wall(1, null));
});

test('a smaller grid keeps tile numbers where it can and packs the rest into free tiles', () => {
  const big = wall(3, 'a', null, 'c', null, null, 'f', null, 'h', null);
  assert.deepEqual(resizeWall(big, 2), wall(2, 'a', 'f', 'c', 'h'));
  assert.deepEqual(resizeWall(big, 1), wall(1, 'a'));
  assert.deepEqual(resizeWall(wall(1, 'a'), 4).slots.filter(Boolean), ['a']);
  assert.equal(resizeWall(wall(1, 'a'), 4).slots.length, 16);
});

test('a stored wall is read back only when it is well formed', () => {
  const w = wall(2, 'c1', null, null, 'c4');
  assert.deepEqual(parseWall(JSON.stringify(w)), w);
  for (const bad of [null, '', '{', '[]', '{"size":5,"slots":[]}', '{"size":2,"slots":[null]}', '{"size":1,"slots":[7]}', '{"size":1,"slots":[""]}']) {
    assert.equal(parseWall(bad), undefined, String(bad));
  }
});

test('adding a camera takes the first free tile, grows a full grid, and never shows a camera twice', () => {
  let w = addCamera(wall(2, 'a', null, 'c', null), 'b');
  assert.deepEqual(w, wall(2, 'a', 'b', 'c', null));
  assert.equal(addCamera(w, 'a'), w, 'already on the wall');
  w = addCamera(addCamera(w, 'd'), 'e');
  assert.deepEqual(w, wall(3, 'a', 'b', 'c', 'd', 'e', null, null, null, null), '2×2 full: grows to 3×3');
  const full = { size: 4 as const, slots: Array.from({ length: 16 }, (_, i) => `c${i}`) };
  assert.equal(addCamera(full, 'x'), full, 'a full 4×4 has no room');
});
