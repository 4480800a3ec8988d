import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GLYPH_COLS } from './font.ts';
import { readGlyphs } from './glyph-reader.ts';
import { PLATE_PATTERNS, PlateRegistry } from './plates.ts';
import { formatOverlayClock, SceneRenderer } from './renderer.ts';
import { Rng } from './rng.ts';
import { plateLettering } from './sprites.ts';
import { TruthRecorder, type VehicleTruth } from './truth.ts';

const ORIGIN = Date.UTC(2026, 10, 24, 9, 30, 0);

function renderer(width = 1280, height = 720, seed = 7) {
  return new SceneRenderer({ width, height, seed, cameraName: 'CAM-07 University Road' }, ORIGIN);
}

/** Reads a plate at the place the frame info says it is. */
function readPlate(luma: Uint8Array, width: number, box: { x0: number; y0: number; x1: number; y1: number }, charPx: number, length: number): string {
  return readGlyphs(luma, width, { ...plateLettering(box, charPx), count: length, darkInk: true });
}

test('the same seed draws the same street, another seed a different one', () => {
  const a = renderer(640, 360, 3).render(ORIGIN + 12_345).frame.data;
  const b = renderer(640, 360, 3).render(ORIGIN + 12_345).frame.data;
  const c = renderer(640, 360, 4).render(ORIGIN + 12_345).frame.data;
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

/** Runs a renderer like a camera for `seconds` at `fps` and returns its ground truth. */
function observe(r: SceneRenderer, seconds: number, fps = 10): VehicleTruth[] {
  const recorder = new TruthRecorder({
    camera: { cameraId: 'test', name: 'test', width: r.options.width, height: r.options.height, fps, seed: r.options.seed },
    traffic: r.traffic,
    originMs: ORIGIN,
  });
  for (let i = 0; i < seconds * fps; i++) recorder.frame(r.render(ORIGIN + (i * 1000) / fps).info);
  return recorder.all().filter((x): x is VehicleTruth => x.type === 'vehicle');
}

test('every plate the truth calls readable is drawn, legible, where the frame info puts it; ≥ 20 px high when nearest at 720p', () => {
  const r = renderer();
  const plated = observe(r, 60, 5).filter((v) => v.plateReadableFrames > 0);
  assert.ok(plated.length >= 6, `only ${plated.length} readable plates in a minute`);
  const big = plated.filter((v) => v.plateCharPx! >= 20);
  assert.ok(big.length >= plated.length * 0.8, `${big.length} of ${plated.length} plates reach 20 px`);
  const directions = new Set<string>();
  for (const v of plated) {
    const { frame, info } = r.render(Date.parse(v.plateBestAt!));
    const seen = info.vehicles.find((x) => x.id === v.id);
    assert.ok(seen?.plateBox, `${v.id} has no whole plate in its best frame`);
    assert.equal(seen.plateCharPx!.toFixed(1), v.plateCharPx!.toFixed(1));
    assert.equal(readPlate(frame.y, frame.width, seen.plateBox, seen.plateCharPx!, v.plate!.length), v.plate);
    directions.add(v.direction);
  }
  assert.deepEqual([...directions].sort(), ['away', 'toward'], 'front and rear plates are both exercised');
});

test('a plate is not where the truth does not put it, and a covered plate is not called readable', () => {
  const r = renderer();
  const v = observe(r, 30, 5).find((x) => x.plateReadableFrames > 0)!;
  const { frame, info } = r.render(Date.parse(v.plateBestAt!));
  const seen = info.vehicles.find((x) => x.id === v.id)!;
  const box = seen.plateBox!;
  const shifted = { ...box, y0: box.y0 - 3 * (box.y1 - box.y0), y1: box.y1 - 3 * (box.y1 - box.y0) };
  assert.notEqual(readPlate(frame.y, frame.width, shifted, seen.plateCharPx!, v.plate!.length), v.plate);
  // Find frames where a plate was whole but covered: the info says so and gives no box.
  let covered = 0;
  for (let t = 0; t < 60_000 && covered === 0; t += 100) {
    for (const x of r.render(ORIGIN + t).info.vehicles) if (x.plateOccluded) covered += x.plateBox === null ? 1 : -100;
  }
  assert.ok(covered > 0, 'some plate is covered by a nearer object within a minute, and then has no box');
});

test('plates are big enough at 1080p too', () => {
  const r = renderer(1920, 1080);
  const v = observe(r, 20, 5).find((x) => x.plateReadableFrames > 0)!;
  assert.ok(v.plateCharPx! >= 30, `${v.plateCharPx} px`);
  const { frame, info } = r.render(Date.parse(v.plateBestAt!));
  const seen = info.vehicles.find((x) => x.id === v.id)!;
  assert.equal(readPlate(frame.y, frame.width, seen.plateBox!, seen.plateCharPx!, v.plate!.length), v.plate);
});

test('plates follow Pakistani formats and are not repeated', () => {
  const registry = new PlateRegistry(new Rng(11));
  const plates = Array.from({ length: 400 }, () => registry.issue());
  assert.equal(new Set(plates).size, plates.length);
  for (const p of plates) assert.ok(Object.values(PLATE_PATTERNS).some((re) => re.test(p)), p);
  const formats = new Set(plates.map((p) => Object.entries(PLATE_PATTERNS).find(([, re]) => re.test(p))![0]));
  assert.deepEqual([...formats].sort(), ['islamabad', 'kp', 'punjab', 'sindh']);
});

test('the overlay shows the clock to the millisecond and says SIMULATED', () => {
  const r = renderer();
  const at = ORIGIN + 4_321;
  const { frame } = r.render(at);
  const { clockAt, scale, badgeBox } = r.layout;
  const clock = formatOverlayClock(at, 300);
  assert.equal(clock, '2026-11-24 14:30:04.321 PKT');
  const run = { cellW: scale, cellH: scale, advance: (GLYPH_COLS + 1) * scale, darkInk: false };
  assert.equal(readGlyphs(frame.y, frame.width, { ...run, ...clockAt, count: clock.length }), clock);
  assert.equal(readGlyphs(frame.y, frame.width, { ...run, x: badgeBox.x0 + 2 * scale, y: badgeBox.y0 + 2 * scale, count: 9 }), 'SIMULATED');
  assert.ok(scale * 7 >= 24, 'overlay characters are large');
});

test('the street has traffic of every kind and people on the walkways', () => {
  const r = renderer(640, 360);
  const kinds = new Set<string>();
  let people = 0;
  for (let t = 0; t < 60_000; t += 5_000) {
    const { info } = r.render(ORIGIN + t);
    for (const v of info.vehicles) kinds.add(v.kind);
    people = Math.max(people, info.people.length);
  }
  assert.deepEqual([...kinds].sort(), ['car', 'motorbike', 'rickshaw', 'truck']);
  assert.ok(people >= 5, `at most ${people} people in view`);
});
