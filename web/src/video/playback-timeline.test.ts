import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barPieces, fileSeconds, fromLocalInput, nextRecorded, percentAt, timeAtFraction, toLocalInput, type Timeline } from './playback-timeline.ts';

const T = (min: number) => new Date(Date.UTC(2025, 2, 1, 10, min));
const window = { from: T(0), to: T(60) };
const timeline: Timeline = {
  ranges: [{ from: T(0).toISOString(), to: T(20).toISOString() }, { from: T(30).toISOString(), to: T(60).toISOString() }],
  gaps: [{ from: T(20).toISOString(), to: T(30).toISOString() }],
  segments: 300,
};

test('ranges and gaps become pieces of the bar in time order', () => {
  const pieces = barPieces(window, timeline);
  assert.deepEqual(pieces.map((p) => [p.kind, Math.round(p.left * 100) / 100, Math.round(p.width * 100) / 100]), [
    ['recorded', 0, 33.33],
    ['gap', 33.33, 16.67],
    ['recorded', 50, 50],
  ]);
});

test('bar position, wall-clock time and file position agree, clamped to the window', () => {
  assert.equal(percentAt(window, T(15)), 25);
  assert.equal(percentAt(window, T(-5)), 0);
  assert.equal(percentAt(window, T(90)), 100);
  assert.deepEqual(timeAtFraction(window, 0.25), T(15));
  assert.deepEqual(timeAtFraction(window, 2), T(60));
  assert.equal(fileSeconds(window, T(15)), 900);
  assert.equal(fileSeconds(window, T(61)), 3600);
});

test('a click in a gap plays from the next recorded moment; after the last range there is none', () => {
  assert.deepEqual(nextRecorded(timeline, T(25)), T(30));
  assert.deepEqual(nextRecorded(timeline, T(10)), T(10));
  assert.equal(nextRecorded({ ...timeline, ranges: timeline.ranges.slice(0, 1) }, T(25)), null);
});

test('datetime-local values round-trip to the minute', () => {
  const d = new Date(2025, 2, 1, 9, 5);
  assert.equal(toLocalInput(d), '2025-03-01T09:05');
  assert.deepEqual(fromLocalInput(toLocalInput(d)), d);
  assert.equal(fromLocalInput('not a date'), null);
});
