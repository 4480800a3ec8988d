import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../config/config.ts';
import type { Actor } from '../../identity/actor.ts';
import { buildHttpApp, type App } from '../../platform/http/app.ts';
import type { MediaTools } from './ffmpeg.ts';
import { actorFor, encodeSegments, fileSegments, insertSegments, recordingHarness, seedCameras, type RecordingHarness } from './recording.fixture.ts';
import { createRecordingServices, type RecordingServices } from './recording.module.ts';
import { registerRecordingRoutes } from './recording.routes.ts';

const execFileAsync = promisify(execFile);
const tools: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
const T0 = Date.parse('2025-03-01T10:00:00Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
// Bearer tokens of the test actors: the app's auth hook resolves them as identity would.
const ACTORS: Record<string, Actor> = {
  operator: actorFor('operator', 'kp'),
  investigator: actorFor('investigator', 'kp.test'),
  dispatcher: actorFor('dispatcher', 'kp'),
  swat: actorFor('investigator', 'kp.swat', 'inv-swat'),
};
let h: RecordingHarness;
let dataDir: string;
let app: App;
let recording: RecordingServices;
let base: string;

const auth = (who: string) => ({ authorization: `Bearer ${who}` });

before(async () => {
  h = await recordingHarness();
  dataDir = mkdtempSync(join(tmpdir(), 'safecity-routes-'));
  await seedCameras(h.database.db, ['cam-1', 'cam-3']);
  const encoded = encodeSegments({ seconds: 20 });
  const cam1 = fileSegments(dataDir, 'cam-1', encoded.files, T0);
  await insertSegments(h.database.db, cam1);
  rmSync(encoded.dir, { recursive: true, force: true });
  // cam-3: copies of three of those files, recorded 0–4 s and 10–12 s (a gap between).
  await insertSegments(h.database.db, [0, 2, 10].map((second, i) => {
    const path = `recordings/cam-3/2025-03-01/${T0 + second * 1000}.ts`;
    mkdirSync(join(dataDir, 'recordings/cam-3/2025-03-01'), { recursive: true });
    copyFileSync(join(dataDir, cam1[i].path), join(dataDir, path));
    return { ...cam1[i], camera_id: 'cam-3', start_at: new Date(T0 + second * 1000), end_at: new Date(T0 + (second + 2) * 1000), path };
  }));
  const config = parseConfig('logLevel: silent\n', { SAFECITY_DATA_DIR: dataDir });
  app = await buildHttpApp({ config, audit: h.audit, webDir: join(dataDir, 'no-web'), authenticate: async (token) => ACTORS[token] ?? null });
  recording = createRecordingServices({ db: h.database.db, audit: h.audit, cameras: h.network.network, config, tools });
  registerRecordingRoutes(app, recording);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await recording.close();
  await app.close();
  await h.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('timeline: ranges and gaps as ISO strings; bad input names the field; permission and scope apply', async () => {
  const url = `/api/cameras/cam-1/timeline?from=${iso(-10)}&to=${iso(30)}`;
  const ok = await app.inject({ url, headers: auth('operator') });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json(), {
    ranges: [{ from: iso(0), to: iso(20) }],
    gaps: [{ from: iso(-10), to: iso(0) }, { from: iso(20), to: iso(30) }],
    segments: 10,
  });

  const bad = await app.inject({ url: `/api/cameras/cam-1/timeline?from=yesterday&to=${iso(30)}`, headers: auth('operator') });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().field, 'querystring.from');
  const reversed = await app.inject({ url: `/api/cameras/cam-1/timeline?from=${iso(30)}&to=${iso(0)}`, headers: auth('operator') });
  assert.equal(reversed.statusCode, 400);
  assert.equal(reversed.json().field, 'to');

  assert.equal((await app.inject({ url })).statusCode, 401);
  assert.equal((await app.inject({ url, headers: auth('dispatcher') })).statusCode, 403);
  assert.equal((await app.inject({ url, headers: auth('swat') })).statusCode, 404);
  const nulId = await app.inject({ url: `/api/cameras/cam%00/timeline?from=${iso(0)}&to=${iso(1)}`, headers: auth('operator') });
  assert.equal(nulId.statusCode, 400);
  assert.equal(nulId.json().field, 'params.id');
});

test('playback: an MP4 of the range with byte ranges for seeking, token in the query, every request audited', async () => {
  const url = `/api/cameras/cam-1/playback.mp4?from=${iso(2.5)}&to=${iso(12.5)}`;
  const whole = await app.inject({ url, headers: auth('operator') });
  assert.equal(whole.statusCode, 200, whole.body);
  assert.equal(whole.headers['content-type'], 'video/mp4');
  assert.equal(whole.headers['accept-ranges'], 'bytes');
  assert.equal(whole.headers['x-recorded-ranges'], `${iso(2.5)}/${iso(12.5)}`);
  const size = whole.rawPayload.length;
  assert.equal(Number(whole.headers['content-length']), size);
  assert.equal(whole.rawPayload.toString('latin1', 4, 8), 'ftyp');

  const part = await app.inject({ url, headers: { ...auth('operator'), range: 'bytes=100-199' } });
  assert.equal(part.statusCode, 206);
  assert.equal(part.headers['content-range'], `bytes 100-199/${size}`);
  assert.deepEqual(part.rawPayload, whole.rawPayload.subarray(100, 200));
  const tail = await app.inject({ url: `${url}&token=operator`, headers: { range: 'bytes=-10' } });
  assert.equal(tail.statusCode, 206);
  assert.deepEqual(tail.rawPayload, whole.rawPayload.subarray(size - 10));
  const beyond = await app.inject({ url, headers: { ...auth('operator'), range: `bytes=${size}-` } });
  assert.equal(beyond.statusCode, 416);
  assert.equal(beyond.headers['content-range'], `bytes */${size}`);

  const audits = await h.audit.list({ action: 'video.playback', limit: 10 });
  assert.equal(audits.length, 4);
  assert.ok(audits.every((a) => a.actor_id === ACTORS.operator.userId && a.target_id === 'cam-1'));

  const none = await app.inject({ url: `/api/cameras/cam-1/playback.mp4?from=${iso(-100)}&to=${iso(-50)}`, headers: auth('operator') });
  assert.equal(none.statusCode, 404);
  assert.equal((await app.inject({ url, headers: auth('swat') })).statusCode, 404);
});

test('HLS: a VOD playlist over the stored segments, precise start, gaps as discontinuities; ffmpeg plays it', async () => {
  const list = await app.inject({ url: `/api/cameras/cam-1/playback.m3u8?from=${iso(2.5)}&to=${iso(12.5)}`, headers: auth('operator') });
  assert.equal(list.statusCode, 200, list.body);
  assert.equal(list.headers['content-type'], 'application/vnd.apple.mpegurl');
  const lines = list.body.trim().split('\n');
  assert.ok(lines.includes('#EXT-X-START:TIME-OFFSET=0.500,PRECISE=YES'));
  assert.ok(lines.includes(`#EXT-X-PROGRAM-DATE-TIME:${iso(2)}`));
  assert.equal(lines.filter((l) => l.startsWith('#EXTINF:2.000,')).length, 6);
  assert.equal(lines.at(-1), '#EXT-X-ENDLIST');
  const uri = lines.find((l) => l.startsWith('segments/'))!;
  const segment = await app.inject({ url: `/api/cameras/cam-1/${uri}`, headers: auth('operator') });
  assert.equal(segment.statusCode, 200);
  assert.equal(segment.headers['content-type'], 'video/mp2t');
  assert.equal(segment.rawPayload[0], 0x47, 'an MPEG-TS sync byte');

  const holed = await app.inject({ url: `/api/cameras/cam-3/playback.m3u8?from=${iso(0)}&to=${iso(12)}`, headers: auth('operator') });
  const holedLines = holed.body.split('\n');
  assert.equal(holedLines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  assert.ok(holedLines.includes(`#EXT-X-PROGRAM-DATE-TIME:${iso(10)}`));

  // A real player over HTTP (this process serves it, so not spawnSync), the token carried to every segment.
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', `${base}/api/cameras/cam-1/playback.m3u8?from=${iso(2.5)}&to=${iso(12.5)}&token=operator`], { timeout: 30_000 });
  assert.ok(Math.abs(Number(stdout) - 12) < 0.1, `ffprobe duration ${stdout}`);

  assert.equal((await app.inject({ url: '/api/cameras/cam-1/segments/999999.ts', headers: auth('operator') })).statusCode, 404);
  assert.equal((await app.inject({ url: `/api/cameras/cam-3/${uri}`, headers: auth('operator') })).statusCode, 404, 'another camera\'s segment');
  const bad = await app.inject({ url: '/api/cameras/cam-1/segments/abc.ts', headers: auth('operator') });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().field, 'params.segment');
  assert.equal((await app.inject({ url: `/api/cameras/cam-1/${uri}`, headers: auth('swat') })).statusCode, 404);
});

test('exports: reason required, 202 then done, download carries the SHA-256 of its bytes, both audited', async () => {
  const post = (who: string, body: unknown) => app.inject({ method: 'POST', url: '/api/cameras/cam-1/exports', headers: auth(who), payload: body as object });
  const noReason = await post('investigator', { from: iso(0), to: iso(10) });
  assert.equal(noReason.statusCode, 400);
  assert.equal(noReason.json().field, 'body.reason');
  const nul = await post('investigator', { from: iso(0), to: iso(10), reason: 'a\u0000b' });
  assert.equal(nul.statusCode, 400);
  assert.equal(nul.json().field, 'body.reason');
  const blank = await post('investigator', { from: iso(0), to: iso(10), reason: ' ' });
  assert.equal(blank.statusCode, 400);
  assert.equal(blank.json().field, 'reason');
  assert.equal((await post('operator', { from: iso(0), to: iso(10), reason: 'x' })).statusCode, 403);

  const created = await post('investigator', { from: iso(1), to: iso(11), reason: 'FIR 7/2025' });
  assert.equal(created.statusCode, 202, created.body);
  const id = created.json().id as string;
  await recording.exports.settled(id);
  const status = await app.inject({ url: `/api/exports/${id}`, headers: auth('investigator') });
  assert.equal(status.statusCode, 200);
  assert.equal(status.json().status, 'done', status.json().error);
  assert.equal(status.json().progress, 1);

  const download = await app.inject({ url: `/api/exports/${id}/download?token=investigator` });
  assert.equal(download.statusCode, 200);
  const sha256 = createHash('sha256').update(download.rawPayload).digest('hex');
  assert.equal(download.headers['x-content-sha256'], sha256);
  assert.equal(download.headers['repr-digest'], `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`);
  assert.equal(status.json().sha256, sha256);
  assert.equal(status.json().bytes, download.rawPayload.length);
  assert.match(String(download.headers['content-disposition']), /^attachment; filename="cam-1_20250301T100001Z_20250301T100011Z\.mp4"$/);

  const exportAudit = await h.audit.list({ action: 'video.export', limit: 5 });
  assert.equal(exportAudit[0].reason, 'FIR 7/2025');
  assert.equal((await h.audit.list({ action: 'video.export.download', limit: 5 })).length, 1);

  assert.equal((await app.inject({ url: `/api/exports/${id}`, headers: auth('swat') })).statusCode, 404);
  assert.equal((await app.inject({ url: `/api/exports/${randomUUID()}`, headers: auth('investigator') })).statusCode, 404);
  const notUuid = await app.inject({ url: '/api/exports/x', headers: auth('investigator') });
  assert.equal(notUuid.statusCode, 400);
  assert.equal(notUuid.json().field, 'params.id');
});

test('the routes are in the OpenAPI document', async () => {
  const spec = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
  for (const path of ['/api/cameras/{id}/timeline', '/api/cameras/{id}/playback.mp4', '/api/cameras/{id}/playback.m3u8', '/api/cameras/{id}/segments/{segment}', '/api/cameras/{id}/exports', '/api/exports/{id}', '/api/exports/{id}/download']) {
    assert.ok(spec.paths[path], `${path} missing`);
  }
});
