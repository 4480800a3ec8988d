import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import { ExportRepository } from './export.repository.ts';
import { ExportService } from './export.service.ts';
import { probe, type MediaTools } from './ffmpeg.ts';
import { actorFor, encodeSegments, fileSegments, insertSegments, recordingHarness, seedCameras, type RecordingHarness } from './recording.fixture.ts';

const tools: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
const T0 = Date.parse('2025-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const investigator = actorFor('investigator', 'kp');
let h: RecordingHarness;
let dataDir: string;
let repo: ExportRepository;

function exportService(options: { heartbeatMs?: number; staleSeconds?: number } = {}): ExportService {
  return new ExportService(repo, h.network.network, h.audit, { dataDir, tools, ...options });
}

before(async () => {
  h = await recordingHarness();
  dataDir = mkdtempSync(join(tmpdir(), 'safecity-export-'));
  await seedCameras(h.database.db, ['cam-1']);
  const encoded = encodeSegments({ seconds: 30 });
  await insertSegments(h.database.db, fileSegments(dataDir, 'cam-1', encoded.files, T0));
  rmSync(encoded.dir, { recursive: true, force: true });
  repo = new ExportRepository(h.database.db);
});
after(async () => {
  await h.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The real repository, remembering every progress write. */
class WatchedExports extends ExportRepository {
  readonly writes: number[] = [];
  override async progress(id: string, progress: number): Promise<void> {
    this.writes.push(progress);
    await super.progress(id, progress);
  }
}

test('an export runs in the background to one MP4 with its SHA-256, reported by any node', async () => {
  const watched = new WatchedExports(h.database.db);
  const node = new ExportService(watched, h.network.network, h.audit, { dataDir, tools, heartbeatMs: 10 });
  const job = await node.request(investigator, 'cam-1', { from: at(3.5), to: at(23.5), reason: 'FIR 112/2025 Saddar' });
  assert.equal(job.status, 'pending');
  assert.equal(job.reason, 'FIR 112/2025 Saddar');
  await node.settled(job.id);

  // Another node (another service over the same database) reports the same state.
  const other = exportService();
  const done = await other.status(investigator, job.id);
  assert.equal(done.status, 'done', done.error ?? '');
  assert.equal(done.progress, 1);
  const file = join(dataDir, 'exports', `${job.id}.mp4`);
  const bytes = readFileSync(file);
  assert.equal(done.bytes, bytes.length);
  assert.equal(done.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.ok(Math.abs((await probe(tools, file)).durationSeconds - 20) < 0.1);
  // While it ran, the job wrote its progress (its heartbeat), never claiming 1 before the file was hashed.
  assert.ok(watched.writes.length > 0);
  assert.ok(watched.writes.every((p) => p >= 0 && p < 1), `progress writes ${watched.writes}`);

  const download = await other.download(investigator, job.id);
  assert.equal(download.file, file);
  assert.equal(download.sha256, done.sha256);
  assert.equal(download.filename, 'cam-1_20250301T100003Z_20250301T100023Z.mp4');
  const audits = await h.audit.list({ targetId: 'cam-1', limit: 10 });
  const actions = audits.map((a) => a.action);
  assert.ok(actions.includes('video.export') && actions.includes('video.export.download'));
  assert.equal(audits.find((a) => a.action === 'video.export')!.reason, 'FIR 112/2025 Saddar');
});

test('a reason is required; bad periods and missing recordings are refused before a job exists', async () => {
  const node = exportService();
  await assert.rejects(node.request(investigator, 'cam-1', { from: at(0), to: at(10), reason: '  ' }), (e: ValidationError) => e.field === 'reason');
  await assert.rejects(node.request(investigator, 'cam-1', { from: at(10), to: at(0), reason: 'x' }), (e: ValidationError) => e.field === 'to');
  await assert.rejects(node.request(investigator, 'cam-1', { from: at(-100), to: at(-10), reason: 'x' }), NotFoundError);
  const elsewhere = actorFor('investigator', 'kp.swat', 'inv-swat');
  await assert.rejects(node.request(elsewhere, 'cam-1', { from: at(0), to: at(10), reason: 'x' }), NotFoundError);
});

test('an export is invisible outside its camera\'s scope and cannot be downloaded before it is done', async () => {
  const node = exportService();
  const job = await node.request(investigator, 'cam-1', { from: at(0), to: at(4), reason: 'check' });
  const elsewhere = actorFor('investigator', 'kp.swat', 'inv-swat');
  await assert.rejects(node.status(elsewhere, job.id), NotFoundError);
  await node.settled(job.id);
  await assert.rejects(node.download(elsewhere, job.id), NotFoundError);
  await assert.rejects(node.status(investigator, 'no-such-export'), NotFoundError);
  const pending = await repo.insert({ id: 'never-started', camera_id: 'cam-1', from_at: at(0), to_at: at(4), requested_by: 'x', reason: 'r' });
  await assert.rejects(node.download(investigator, pending.id), ConflictError);
});

test('a job whose node stopped is reported failed, not running forever', async () => {
  await repo.insert({ id: 'orphan', camera_id: 'cam-1', from_at: at(0), to_at: at(4), requested_by: 'x', reason: 'r' });
  assert.ok(await repo.claim('orphan'));
  const node = exportService({ staleSeconds: 60 });
  assert.equal((await node.status(investigator, 'orphan')).status, 'running');
  await h.database.db.updateTable('video_exports').set({ updated_at: sql`now() - interval '5 minutes'` }).where('id', '=', 'orphan').execute();
  const seen = await node.status(investigator, 'orphan');
  assert.equal(seen.status, 'failed');
  assert.match(seen.error ?? '', /interrupted/);
});

test('shutting down aborts a running export; it ends failed and leaves no partial file', async () => {
  const node = exportService();
  const job = await node.request(investigator, 'cam-1', { from: at(0), to: at(30), reason: 'shutdown test' });
  await node.close();
  const row = await repo.get(job.id);
  assert.equal(row?.status, 'failed');
  assert.match(row?.error ?? '', /shut down/);
  assert.ok(!existsSync(join(dataDir, 'exports', `${job.id}.mp4`)));
  await assert.rejects(node.request(investigator, 'cam-1', { from: at(0), to: at(4), reason: 'late' }), ConflictError);
});
