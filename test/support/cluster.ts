import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { seedCameras } from '../../src/video/ingest/ingest.fixture.ts';

// Multi-node tests: a PostgreSQL database (createTempDatabase) seeded with one file camera, before
// the nodes start on it.

/**
 * Migrates the database at `url` and registers camera `cameraId` streaming a 4 s H.264 clip (keyframe
 * every second) made in `dir`, on a site inside the province, where the bootstrap admin's scope reaches.
 */
export async function seedFileCamera(url: string, cameraId: string, dir: string): Promise<void> {
  const clip = join(dir, `${cameraId}.mp4`);
  const made = spawnSync('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '4',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p', clip]);
  assert.equal(made.status, 0, String(made.stderr));
  const seed = await openDatabase({ url });
  try {
    await migrate(seed.db);
    await seedCameras(seed.db, [{ id: cameraId, streams: [{ role: 'record', url: `file://${clip}` }] }]);
    await seed.db.updateTable('sites').set({ scope_path: 'kp.fx' }).where('id', '=', 'fx-site').execute();
  } finally {
    await seed.close();
  }
}
