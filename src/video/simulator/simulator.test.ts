import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ffmpegPath } from './encoder.ts';
import { startSimulator } from './simulator.ts';

const run = promisify(execFile);
const FFPROBE = ffmpegPath().replace(/ffmpeg$/, 'ffprobe');

test('startSimulator serves several cameras on one loopback port, says they are simulated, and stops them all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-sim-'));
  const sim = await startSimulator({
    dir,
    cameras: [
      { id: 'sim-north', name: 'North Gate', width: 640, height: 360, fps: 5 },
      { id: 'sim-south', name: 'South Gate', width: 640, height: 360, fps: 5 },
    ],
  });
  try {
    assert.equal(sim.simulated, true);
    assert.equal(sim.urlFor('sim-north'), `http://127.0.0.1:${sim.port}/sim-north.ts`);
    assert.equal(sim.urlFor('sim-south'), `http://127.0.0.1:${sim.port}/sim-south.ts`);
    assert.throws(() => sim.urlFor('nope'), /no simulated camera nope; there are sim-north, sim-south/);

    const listing = await (await fetch(`http://127.0.0.1:${sim.port}/`)).json();
    assert.equal(listing.simulated, true);
    assert.deepEqual(
      listing.cameras.map((c: { id: string; simulated: boolean }) => [c.id, c.simulated]),
      [['sim-north', true], ['sim-south', true]],
    );
    assert.equal((await fetch(`http://127.0.0.1:${sim.port}/other.ts`)).status, 404);

    // Both streams are live H.264 at once (ffprobe runs beside us: the server is in this process).
    const probe = (url: string) => run(FFPROBE, ['-v', 'error', '-rw_timeout', '5000000', '-analyzeduration', '500000', '-show_entries', 'stream=codec_name,width', '-of', 'csv=p=0', url], { timeout: 15_000 });
    const streams = await Promise.all(['sim-north', 'sim-south'].map((id) => probe(sim.urlFor(id))));
    for (const s of streams) assert.deepEqual([...new Set(s.stdout.split('\n').filter(Boolean))], ['h264,640']);

    const truth = sim.truth('sim-north');
    assert.equal(truth[0].type, 'camera');
    assert.equal(truth[0].simulated, true);
    const served = await (await fetch(`http://127.0.0.1:${sim.port}/sim-north.truth.json`)).json();
    assert.equal(served[0].cameraId, 'sim-north');
    assert.ok(existsSync(join(dir, 'sim-south.truth.jsonl')));
    assert.ok(sim.stats('sim-north').framesRendered > 0);
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const children = spawnSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout;
  assert.ok(!children.includes('ffmpeg'), `ffmpeg left behind:\n${children}`);
  await assert.rejects(fetch(`http://127.0.0.1:${sim.port}/`));
});
