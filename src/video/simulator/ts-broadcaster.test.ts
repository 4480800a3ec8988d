import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { Rng } from './rng.ts';
import { SimulatedCamera } from './simulated-camera.ts';
import { TsBroadcaster } from './ts-broadcaster.ts';

const pid = (b: Buffer, o: number) => ((b[o + 1] & 0x1f) << 8) | b[o + 2];

test('clients joining mid-stream get PAT, PMT and then the stream from the next keyframe, whatever the chunking', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-sim-'));
  try {
    const camera = new SimulatedCamera({ id: 'ts', name: 'TS test', width: 640, height: 360, fps: 10, seed: 2 });
    const clip = await camera.renderToFile(3, join(dir, 'clip.ts'), Date.UTC(2026, 0, 1));
    const ts = readFileSync(clip.path);
    const hub = new TsBroadcaster();
    const rng = new Rng(1);
    const early = new PassThrough();
    const late = new PassThrough();
    const got = { early: [] as Buffer[], late: [] as Buffer[] };
    early.on('data', (c: Buffer) => got.early.push(c));
    late.on('data', (c: Buffer) => got.late.push(c));
    hub.add(early);
    let o = 0;
    while (o < ts.length) {
      const n = rng.int(1, 5000);
      hub.push(ts.subarray(o, o + n));
      o += n;
      // The second client connects 1.3 s into the stream, between keyframes.
      if (o > ts.length * 0.43 && hub.clientCount === 1) hub.add(late);
    }
    assert.equal(hub.keyframes, 3);
    for (const out of [Buffer.concat(got.early), Buffer.concat(got.late)]) {
      assert.equal(out.length % 188, 0);
      assert.equal(pid(out, 0), 0, 'PAT first');
      assert.equal(pid(out, 188), 0x1000, 'then the PMT');
      assert.equal(out[2 * 188 + 5] & 0x40, 0x40, 'then a random-access packet');
      for (let p = 0; p < out.length; p += 188) assert.equal(out[p], 0x47);
    }
    assert.ok(Buffer.concat(got.late).length < Buffer.concat(got.early).length * 0.5, 'the late client starts at the last keyframe');
    hub.close();
    assert.equal(hub.clientCount, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a client that stops reading is cut off instead of buffering without bound', () => {
  const hub = new TsBroadcaster();
  const stuck = new Writable({ highWaterMark: 1, write: () => {} });
  hub.add(stuck);
  const pat = Buffer.alloc(188, 0xff);
  pat.set([0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00]);
  const pmt = Buffer.alloc(188, 0xff);
  pmt.set([0x47, 0x50, 0x00, 0x10]);
  const key = Buffer.alloc(188, 0);
  key.set([0x47, 0x41, 0x00, 0x30, 0x07, 0x50]);
  const chunk = Buffer.concat([pat, pmt, key, Buffer.alloc(188 * 5000, 0).fill(0x47, 0, 1)]);
  for (let i = 0; i < 20 && hub.clientCount; i++) hub.push(chunk);
  assert.equal(hub.clientCount, 0);
  assert.equal(stuck.destroyed, true);
  assert.equal(hub.cutOff, 1);
});
