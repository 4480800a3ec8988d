import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../platform/db/database.ts';

// For tests: real recordings made the way the ingest makes them (H.264 in MPEG-TS, cut by ffmpeg's
// segment muxer), filed under <dataDir>/recordings/<camera>/<day>/<epochMs>.ts, plus the rows for a
// camera to own them.

export interface FixtureSegment {
  camera_id: string;
  start_at: Date;
  end_at: Date;
  bytes: number;
  path: string;
}

export interface EncodeOptions {
  /** Total seconds of video; a multiple of segmentSeconds. */
  seconds: number;
  segmentSeconds?: number;
  /** Adds an MPEG audio (mp2) track: valid in MPEG-TS, not playable by browsers. */
  mp2Audio?: boolean;
}

/** Encodes testsrc2 (keyframe every second) into segment files in a new temp folder; returns it. */
export function encodeSegments(options: EncodeOptions): { dir: string; files: string[] } {
  const segmentSeconds = options.segmentSeconds ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'safecity-seg-'));
  const audio = options.mp2Audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000'] : [];
  const result = spawnSync('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', ...audio,
    '-t', String(options.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p',
    ...(options.mp2Audio ? ['-c:a', 'mp2'] : []),
    '-f', 'segment', '-segment_time', String(segmentSeconds), '-segment_format', 'mpegts',
    join(dir, 'seg%05d.ts'),
  ], { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`ffmpeg could not make test segments: ${result.stderr}`);
  }
  return { dir, files: readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().map((f) => join(dir, f)) };
}

/** Moves encoded segment files into dataDir as one camera's recordings starting at `startMs`. */
export function fileSegments(dataDir: string, cameraId: string, files: string[], startMs: number, segmentSeconds = 2): FixtureSegment[] {
  return files.map((file, i) => {
    const start = startMs + i * segmentSeconds * 1000;
    const day = new Date(start).toISOString().slice(0, 10);
    const path = `recordings/${cameraId}/${day}/${start}.ts`;
    mkdirSync(join(dataDir, 'recordings', cameraId, day), { recursive: true });
    renameSync(file, join(dataDir, path));
    return {
      camera_id: cameraId,
      start_at: new Date(start),
      end_at: new Date(start + segmentSeconds * 1000),
      bytes: statSync(join(dataDir, path)).size,
      path,
    };
  });
}

/** An org unit, a site and cameras in scope `kp.test`, so segment rows have owners. */
export async function seedCameras(db: Db, cameraIds: string[], retentionDays: Array<number | null> = []): Promise<void> {
  await db.insertInto('org_units').values({ id: 'kp', parent_id: null, kind: 'province', name: 'KP', path: 'kp' }).onConflict((c) => c.doNothing()).execute();
  await db.insertInto('org_units').values({ id: 'test', parent_id: 'kp', kind: 'city', name: 'Test', path: 'kp.test' }).onConflict((c) => c.doNothing()).execute();
  await db.insertInto('sites').values({ id: 'site-1', code: 'S1', name: 'Site 1', city_id: 'test', scope_path: 'kp.test', lat: 34, lon: 71.5 }).onConflict((c) => c.doNothing()).execute();
  for (const [i, id] of cameraIds.entries()) {
    await db.insertInto('cameras').values({
      id, code: id.toUpperCase(), site_id: 'site-1', name: id, kind: 'fixed', resolution: '640x360', owner: 'government',
      streams: '[]', lat: 34, lon: 71.5, heading: null, retention_days: retentionDays[i] ?? null,
    }).execute();
  }
}

export async function insertSegments(db: Db, rows: FixtureSegment[]): Promise<void> {
  if (rows.length) await db.insertInto('recording_segments').values(rows).execute();
}
