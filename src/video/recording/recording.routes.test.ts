import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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
  await seedCameras(h.database.db, ['cam-1', 'cam-3', 'cam-ts']);
  const encoded = encodeSegments({ seconds: 20 });
  const cam1 = fileSegments(dataDir, 'cam-1', encoded.files, T0);
  await insertSegments(h.database.db, cam1);
  rmSync(encoded.dir, { recursive: true, force: true });
  // cam-3: copies of two of those files, recorded 0–4 s; 4–6 s from another stream (B-frames, so
  // another init segment); then a gap and a copy recorded 10–12 s.
  const otherStream = encodeSegments({ seconds: 2, bFrames: true });
  const cam3 = [[0, join(dataDir, cam1[0].path)], [2, join(dataDir, cam1[1].path)], [4, otherStream.files[0]], [10, join(dataDir, cam1[2].path)]] as const;
  mkdirSync(join(dataDir, 'recordings/cam-3/2025-03-01'), { recursive: true });
  await insertSegments(h.database.db, cam3.map(([second, source]) => {
    const path = `recordings/cam-3/2025-03-01/${T0 + second * 1000}.mp4`;
    copyFileSync(source, join(dataDir, path));
    return { camera_id: 'cam-3', start_at: new Date(T0 + second * 1000), end_at: new Date(T0 + (second + 2) * 1000), bytes: statSync(join(dataDir, path)).size, path };
  }));
  rmSync(otherStream.dir, { recursive: true, force: true });
  // cam-ts: 0–4 s in legacy MPEG-TS segments, as earlier versions recorded; then, upgraded, MP4 from 4 s.
  const legacy = encodeSegments({ seconds: 4, container: 'mpegts' });
  await insertSegments(h.database.db, fileSegments(dataDir, 'cam-ts', legacy.files, T0));
  rmSync(legacy.dir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'recordings/cam-ts/2025-03-01'), { recursive: true });
  copyFileSync(join(dataDir, cam1[0].path), join(dataDir, `recordings/cam-ts/2025-03-01/${T0 + 4000}.mp4`));
  await insertSegments(h.database.db, [{ ...cam1[0], camera_id: 'cam-ts', start_at: new Date(T0 + 4000), end_at: new Date(T0 + 6000), path: `recordings/cam-ts/2025-03-01/${T0 + 4000}.mp4` }]);
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

/** A real player over HTTP (this process serves it, so not spawnSync): duration, first timestamp and decoded frames. */
async function ffprobeOverHttp(url: string): Promise<{ duration: number; start: number; frames: number }> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames:format=duration,start_time', '-of', 'json', url], { timeout: 30_000 });
  const json = JSON.parse(stdout) as { streams: Array<{ nb_read_frames: string }>; format: { duration: string; start_time: string } };
  return { duration: Number(json.format.duration), start: Number(json.format.start_time), frames: Number(json.streams[0].nb_read_frames) };
}

/** Base decode time (tfdt) of the first fragment in an fMP4 byte string, seconds at 25 fps's 12800 Hz. */
function firstDecodeTime(bytes: Buffer): number {
  const at = bytes.indexOf('tfdt', 0, 'latin1');
  assert.ok(at > 0 && bytes[at + 4] === 1, 'a version 1 tfdt');
  return Number(bytes.readBigUInt64BE(at + 8)) / 12800;
}

test('HLS: an fMP4 VOD playlist over the stored segments, precise start, gaps and new streams as discontinuities; ffmpeg plays it', async () => {
  const list = await app.inject({ url: `/api/cameras/cam-1/playback.m3u8?from=${iso(2.5)}&to=${iso(12.5)}`, headers: auth('operator') });
  assert.equal(list.statusCode, 200, list.body);
  assert.equal(list.headers['content-type'], 'application/vnd.apple.mpegurl');
  const lines = list.body.trim().split('\n');
  assert.ok(lines.includes('#EXT-X-VERSION:6'), 'EXT-X-MAP in a media playlist needs version 6');
  assert.ok(lines.includes('#EXT-X-START:TIME-OFFSET=0.500,PRECISE=YES'));
  assert.deepEqual(lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')), [`#EXT-X-PROGRAM-DATE-TIME:${iso(2)}`]);
  assert.equal(lines.filter((l) => l.startsWith('#EXTINF:2.000,')).length, 6);
  assert.ok(!lines.includes('#EXT-X-DISCONTINUITY'), 'one stream, served as one timeline');
  assert.equal(lines.at(-1), '#EXT-X-ENDLIST');

  // Each file: its fragments by EXT-X-BYTERANGE; the init segment (the same in every file of one
  // stream) by one EXT-X-MAP into the first file.
  const uris = lines.filter((l) => l.startsWith('segments/'));
  assert.equal(uris.length, 6);
  assert.ok(uris.every((u) => /^segments\/\d+\.mp4$/.test(u)));
  const maps = lines.filter((l) => l.startsWith('#EXT-X-MAP:'));
  assert.equal(maps.length, 1);
  const map = /^#EXT-X-MAP:URI="(.+)",BYTERANGE="(\d+)@0"$/.exec(maps[0]);
  assert.ok(map, maps[0]);
  assert.equal(map[1], uris[0]);
  const initBytes = Number(map[2]);
  const uri = uris[1];
  const at = lines.indexOf(uri);
  assert.match(lines[at - 2], /^#EXTINF:2\.000,$/);
  const byterange = /^#EXT-X-BYTERANGE:(\d+)@(\d+)$/.exec(lines[at - 1]);
  assert.ok(byterange);
  assert.equal(Number(byterange[2]), initBytes);

  const segment = await app.inject({ url: `/api/cameras/cam-1/${uri}`, headers: auth('operator') });
  assert.equal(segment.statusCode, 200);
  assert.equal(segment.headers['content-type'], 'video/mp4');
  const whole = segment.rawPayload;
  assert.equal(Number(byterange[1]) + initBytes, whole.length);
  assert.equal(whole.toString('latin1', 4, 8), 'ftyp');
  // Served at its wall-clock start (this one was recorded from T0 + 4 s), so the files join up.
  assert.equal(firstDecodeTime(whole), (T0 + 4000) / 1000);
  const media = await app.inject({ url: `/api/cameras/cam-1/${uri}`, headers: { ...auth('operator'), range: `bytes=${initBytes}-` } });
  assert.equal(media.statusCode, 206);
  assert.equal(media.rawPayload.toString('latin1', 4, 8), 'moof', 'the media byte range starts at the first fragment');
  assert.deepEqual(media.rawPayload, whole.subarray(initBytes));
  // A range that cuts through a rewritten decode time gets the rewritten bytes.
  const tfdt = whole.indexOf('tfdt', 0, 'latin1') + 8;
  const cut = await app.inject({ url: `/api/cameras/cam-1/${uri}`, headers: { ...auth('operator'), range: `bytes=${tfdt + 3}-${tfdt + 20}` } });
  assert.deepEqual(cut.rawPayload, whole.subarray(tfdt + 3, tfdt + 21));
  // Only the stored file's own extension answers.
  assert.equal((await app.inject({ url: `/api/cameras/cam-1/${uri.replace('.mp4', '.ts')}`, headers: auth('operator') })).statusCode, 404);

  // cam-3: 0–4 s, 4–6 s from another stream (its own init segment), a gap, 10–12 s.
  const other = await app.inject({ url: `/api/cameras/cam-3/playback.m3u8?from=${iso(0)}&to=${iso(12)}`, headers: auth('operator') });
  const otherLines = other.body.split('\n');
  assert.equal(otherLines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 2);
  assert.deepEqual(otherLines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')), [0, 4, 10].map((s) => `#EXT-X-PROGRAM-DATE-TIME:${iso(s)}`));
  assert.equal(otherLines.filter((l) => l.startsWith('#EXT-X-MAP:')).length, 3, 'a new map for the new stream, and again after it');

  // ffmpeg's HLS demuxer fetches the map and every byte range over HTTP, the token carried to each;
  // it sees the playlist's duration from the first segment's wall-clock time and decodes every frame.
  const played = await ffprobeOverHttp(`${base}/api/cameras/cam-1/playback.m3u8?from=${iso(2.5)}&to=${iso(12.5)}&token=operator`);
  assert.ok(Math.abs(played.duration - 12) < 0.1, `ffprobe duration ${played.duration}`);
  assert.ok(Math.abs(played.start - (T0 + 2000) / 1000) < 0.01, `ffprobe start ${played.start}`);
  assert.equal(played.frames, 300);

  assert.equal((await app.inject({ url: '/api/cameras/cam-1/segments/999999.mp4', headers: auth('operator') })).statusCode, 404);
  assert.equal((await app.inject({ url: `/api/cameras/cam-3/${uri}`, headers: auth('operator') })).statusCode, 404, 'another camera\'s segment');
  for (const name of ['abc.mp4', '12.mkv', '12']) {
    const bad = await app.inject({ url: `/api/cameras/cam-1/segments/${name}`, headers: auth('operator') });
    assert.equal(bad.statusCode, 400, name);
    assert.equal(bad.json().field, 'params.segment');
  }
  assert.equal((await app.inject({ url: `/api/cameras/cam-1/${uri}`, headers: auth('swat') })).statusCode, 404);
});

test('HLS: legacy MPEG-TS segments (earlier versions) keep the plain playlist and play', async () => {
  const list = await app.inject({ url: `/api/cameras/cam-ts/playback.m3u8?from=${iso(0)}&to=${iso(4)}`, headers: auth('operator') });
  assert.equal(list.statusCode, 200, list.body);
  const lines = list.body.trim().split('\n');
  assert.ok(!lines.some((l) => l.startsWith('#EXT-X-MAP') || l.startsWith('#EXT-X-BYTERANGE') || l === '#EXT-X-DISCONTINUITY'), list.body);
  const uris = lines.filter((l) => l.startsWith('segments/'));
  assert.equal(uris.length, 2);
  assert.ok(uris.every((u) => /^segments\/\d+\.ts$/.test(u)));
  const segment = await app.inject({ url: `/api/cameras/cam-ts/${uris[0]}`, headers: auth('operator') });
  assert.equal(segment.statusCode, 200);
  assert.equal(segment.headers['content-type'], 'video/mp2t');
  assert.equal(segment.rawPayload[0], 0x47, 'an MPEG-TS sync byte');
  assert.equal((await app.inject({ url: `/api/cameras/cam-ts/${uris[0].replace('.ts', '.mp4')}`, headers: auth('operator') })).statusCode, 404);
  const played = await ffprobeOverHttp(`${base}/api/cameras/cam-ts/playback.m3u8?from=${iso(0)}&to=${iso(4)}&token=operator`);
  assert.ok(Math.abs(played.duration - 4) < 0.1, `ffprobe duration ${played.duration}`);
  assert.equal(played.frames, 100);

  // Past the upgrade: a discontinuity (another container), then the MP4 form.
  const upgraded = await app.inject({ url: `/api/cameras/cam-ts/playback.m3u8?from=${iso(0)}&to=${iso(6)}`, headers: auth('operator') });
  const tail = upgraded.body.trim().split('\n').slice(-7);
  assert.equal(tail[0], '#EXT-X-DISCONTINUITY', upgraded.body);
  assert.equal(tail[1], `#EXT-X-PROGRAM-DATE-TIME:${iso(4)}`);
  assert.match(tail[2], /^#EXT-X-MAP:URI="segments\/\d+\.mp4",BYTERANGE="\d+@0"$/);
  assert.match(tail[4], /^#EXT-X-BYTERANGE:\d+@\d+$/);
  assert.match(tail[5], /^segments\/\d+\.mp4$/);
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
