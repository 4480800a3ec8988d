import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { AuditRepository } from '../../audit/audit.repository.ts';
import { AuditService } from '../../audit/audit.service.ts';
import type { Actor } from '../../identity/actor.ts';
import { ROLE_PERMISSIONS, type Role } from '../../identity/permissions.ts';
import { createNetworkServices, type NetworkServices } from '../../network/network.module.ts';
import { MemoryBus } from '../../platform/bus/memory-bus.ts';
import { openDatabase, type Database, type Db } from '../../platform/db/database.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { SEGMENT_MP4_OPTIONS } from '../live/fmp4.ts';
import { RecordingRepository } from './recording.repository.ts';

// For tests: real recordings made the way the ingest makes them (H.264 cut by ffmpeg's segment muxer
// into self-contained fragmented MP4 files whose timestamps restart at 0), filed under
// <dataDir>/recordings/<camera>/<day>/<epochMs>.mp4, plus the rows for a camera to own them. Legacy
// MPEG-TS segments (.ts, from earlier versions) can be made too.

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
  /** 'mp4' (default) as the ingest records now; 'mpegts' as earlier versions did. */
  container?: 'mp4' | 'mpegts';
  /** B-frames, as many cameras send (the segments then start at the first frame's composition offset). */
  bFrames?: boolean;
  /** Adds an MPEG audio (mp2) track, not playable by browsers (with 'mpegts': MP4 stores it so it probes as mp3). */
  mp2Audio?: boolean;
}

/** Encodes testsrc2 (keyframe every second) into segment files in a new temp folder; returns it. */
export function encodeSegments(options: EncodeOptions): { dir: string; files: string[] } {
  const segmentSeconds = options.segmentSeconds ?? 2;
  const ext = options.container === 'mpegts' ? '.ts' : '.mp4';
  const dir = mkdtempSync(join(tmpdir(), 'safecity-seg-'));
  const audio = options.mp2Audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000'] : [];
  const result = spawnSync('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', ...audio,
    '-t', String(options.seconds),
    '-map', '0:v:0', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '32', '-g', '25', '-pix_fmt', 'yuv420p',
    ...(options.bFrames ? ['-bf', '2'] : []),
    ...(options.mp2Audio ? ['-map', '1:a:0', '-c:a', 'mp2'] : []),
    '-f', 'segment', '-segment_time', String(segmentSeconds),
    // The ingest's own muxer options (ingest-source.ts).
    ...(ext === '.ts' ? ['-segment_format', 'mpegts'] : ['-segment_format', 'mp4', '-segment_format_options', SEGMENT_MP4_OPTIONS]),
    join(dir, `%05d${ext}`),
  ], { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`ffmpeg could not make test segments: ${result.stderr}`);
  }
  return { dir, files: readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f)) };
}

/** Moves encoded segment files into dataDir as one camera's recordings starting at `startMs`; each keeps its extension. */
export function fileSegments(dataDir: string, cameraId: string, files: string[], startMs: number, segmentSeconds = 2): FixtureSegment[] {
  return files.map((file, i) => {
    const start = startMs + i * segmentSeconds * 1000;
    const day = new Date(start).toISOString().slice(0, 10);
    const path = `recordings/${cameraId}/${day}/${start}${extname(file)}`;
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

/** Indexes segments as the ingest does, through the recording index. */
export async function insertSegments(db: Db, rows: FixtureSegment[]): Promise<void> {
  const index = new RecordingRepository(db);
  for (const r of rows) await index.insert({ cameraId: r.camera_id, startAt: r.start_at, endAt: r.end_at, bytes: r.bytes, path: r.path });
}

/** An actor of `role` in `scopePath`, as the auth hook would build it. */
export function actorFor(role: Role, scopePath = 'kp', userId = `${role}-1`): Actor {
  return { userId, username: userId, role, scopePath, permissions: new Set(ROLE_PERMISSIONS[role]) };
}

export interface RecordingHarness {
  database: Database;
  audit: AuditService;
  network: NetworkServices;
  close(): Promise<void>;
}

/** A migrated in-memory database with the real audit and network services over it. */
/** Recording services' surroundings on PGlite, or on the PostgreSQL database at `url`. */
export async function recordingHarness(url?: string): Promise<RecordingHarness> {
  const database = await openDatabase(url ? { url } : {});
  await migrate(database.db);
  const audit = new AuditService(new AuditRepository(database.db));
  const bus = new MemoryBus();
  const network = createNetworkServices({ db: database.db, audit, bus });
  return {
    database, audit, network,
    async close() {
      await bus.close();
      await database.close();
    },
  };
}
