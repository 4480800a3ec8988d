import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeSegments } from './recording.fixture.ts';
import { containerOf, decodeTimePatches, mapLimit, readFmp4Layout } from './segment-format.ts';

let mp4: { dir: string; files: string[] };
let ts: { dir: string; files: string[] };

before(() => {
  mp4 = encodeSegments({ seconds: 4 });
  ts = encodeSegments({ seconds: 2, container: 'mpegts' });
});
after(() => {
  rmSync(mp4.dir, { recursive: true, force: true });
  rmSync(ts.dir, { recursive: true, force: true });
});

test('the init segment of a recorded MP4 segment is its ftyp + moov, the same in every file of a stream', async () => {
  const [a, b] = await Promise.all(mp4.files.map((f) => readFmp4Layout(f)));
  assert.ok(a && b);
  const bytes = readFileSync(mp4.files[0]);
  assert.equal(bytes.toString('latin1', 4, 8), 'ftyp');
  const ftyp = bytes.readUInt32BE(0);
  assert.equal(bytes.toString('latin1', ftyp + 4, ftyp + 8), 'moov');
  assert.equal(a.initBytes, ftyp + bytes.readUInt32BE(ftyp));
  assert.equal(bytes.toString('latin1', a.initBytes + 4, a.initBytes + 8), 'moof');
  assert.equal(a.fileBytes, bytes.length);
  assert.deepEqual(a.tracks, [{ id: 1, timescale: 12800 }], 'one 25 fps video track');
  assert.equal(a.initDigest, b.initDigest);
  assert.deepEqual(readFileSync(mp4.files[1]).subarray(0, b.initBytes), bytes.subarray(0, a.initBytes));

  // Boxes past the first read (here a 6 KB free box before the moov) are read too.
  const free = Buffer.alloc(6000);
  free.writeUInt32BE(free.length, 0);
  free.write('free', 4, 'latin1');
  const padded = join(mp4.dir, 'padded.mp4');
  writeFileSync(padded, Buffer.concat([bytes.subarray(0, ftyp), free, bytes.subarray(ftyp)]));
  const paddedLayout = await readFmp4Layout(padded);
  assert.deepEqual({ ...paddedLayout, initDigest: '' }, { initBytes: a.initBytes + free.length, fileBytes: a.fileBytes + free.length, initDigest: '', tracks: a.tracks });
});

test('decode-time patches move every fragment of a segment to a wall-clock start', async () => {
  const file = mp4.files[1];
  const layout = (await readFmp4Layout(file))!;
  const startMs = Date.parse('2025-03-01T10:00:02.040Z');
  const patches = await decodeTimePatches(file, layout, startMs);
  assert.equal(patches.length, 10, 'one tfdt per 200 ms fragment of 2 s');
  const patched = readFileSync(file);
  for (const p of patches) p.bytes.copy(patched, p.offset);
  const out = join(mp4.dir, 'moved.mp4');
  writeFileSync(out, patched);
  const pts = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts', '-of', 'csv=p=0', out], { encoding: 'utf8' })
    .stdout.trim().split('\n').map(Number).sort((x, y) => x - y);
  assert.equal(pts.length, 50);
  // 12800 ticks a second: the first frame at exactly startMs, each next 512 ticks (40 ms) on.
  assert.equal(pts[0], (startMs * 128) / 10);
  assert.ok(pts.every((t, i) => t === pts[0] + i * 512));
});

test('a file that is not a fragmented MP4 with a fragment has no layout', async () => {
  assert.equal(await readFmp4Layout(ts.files[0]), null, 'MPEG-TS');
  const layout = (await readFmp4Layout(mp4.files[0]))!;
  const cut = join(mp4.dir, 'cut.mp4');
  writeFileSync(cut, readFileSync(mp4.files[0]).subarray(0, layout.initBytes));
  assert.equal(await readFmp4Layout(cut), null, 'init segment only (ffmpeg killed before the first fragment)');
  writeFileSync(cut, Buffer.alloc(100, 0xff));
  assert.equal(await readFmp4Layout(cut), null, 'garbage');
  writeFileSync(cut, Buffer.alloc(0));
  assert.equal(await readFmp4Layout(cut), null, 'empty');
});

test('container by extension; mapLimit keeps order and bounds concurrency', async () => {
  assert.equal(containerOf('recordings/c/2025-03-01/1.mp4'), 'mp4');
  assert.equal(containerOf('recordings/c/2025-03-01/1.ts'), 'ts');
  let inFlight = 0;
  let most = 0;
  const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, n));
    inFlight--;
    return n * 10 + i;
  });
  assert.deepEqual(out, [50, 11, 42, 23, 34]);
  assert.equal(most, 2);
  // A failure stops new calls and is reported once the calls in flight have ended.
  const started: number[] = [];
  let ended = 0;
  await assert.rejects(mapLimit([1, 2, 3, 4], 2, async (n) => {
    started.push(n);
    await new Promise((r) => setTimeout(r, n === 1 ? 1 : 20));
    ended++;
    if (n === 1) throw new Error('one');
  }), /one/);
  assert.deepEqual(started, [1, 2]);
  assert.equal(ended, 2);
});
