import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundsOf, graticule, pad } from './graticule.ts';

test('graticule draws every step inside the bounds and marks 10-degree lines major', () => {
  const g = graticule(1, { west: 70, south: 33, east: 72, north: 34 });
  const meridians = g.features.filter((f) => f.geometry.coordinates[0][0] === f.geometry.coordinates[1][0]);
  assert.deepEqual(meridians.map((f) => f.geometry.coordinates[0][0]), [70, 71, 72]);
  assert.equal(g.features.length, 3 + 2);
  assert.deepEqual(g.features.filter((f) => f.properties.major).map((f) => f.geometry.coordinates[0][0]), [70]);
});

test('a tenth-of-a-degree graticule lands on round values', () => {
  const g = graticule(0.1, { west: 71.51, south: 33.95, east: 71.8, north: 34.05 });
  const lons = g.features.filter((f) => f.geometry.coordinates[0][0] === f.geometry.coordinates[1][0]).map((f) => f.geometry.coordinates[0][0]);
  assert.deepEqual(lons, [71.6, 71.7, 71.8]);
});

test('boundsOf skips non-finite points and pad clamps to the world', () => {
  assert.equal(boundsOf([]), null);
  const b = boundsOf([[71.5, 34], [NaN, 1], [71.7, 33.9]])!;
  assert.deepEqual(b, { west: 71.5, south: 33.9, east: 71.7, north: 34 });
  assert.deepEqual(pad({ west: -179.5, south: 84, east: 179.9, north: 84.5 }, 1), { west: -180, south: 83, east: 180, north: 85 });
});
