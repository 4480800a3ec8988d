import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { AuditRepository } from '../../audit/audit.repository.ts';
import { AuditService } from '../../audit/audit.service.ts';
import { parseConfig } from '../../config/config.ts';
import type { Actor } from '../../identity/actor.ts';
import { ROLE_PERMISSIONS } from '../../identity/permissions.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { buildHttpApp, type App } from '../../platform/http/app.ts';
import { LiveHubRegistry } from './live-hub.ts';
import { registerLiveRoutes } from './live.routes.ts';
import { LiveService } from './live.service.ts';
import { encodeTestPattern } from './test-pattern.ts';

const FFMPEG = '/usr/bin/ffmpeg';

function actor(username: string, role: 'operator' | 'auditor', scopePath: string): Actor {
  return { userId: username, username, role, scopePath, permissions: new Set(ROLE_PERMISSIONS[role]) };
}

const TOKENS: Record<string, Actor> = {
  'op-bannu': actor('op-bannu', 'operator', 'kp.bannu'),
  'op-swat': actor('op-swat', 'operator', 'kp.swat'),
  'auditor': actor('auditor', 'auditor', 'kp'),
};

// Cameras of the test: c1 ingested here, c2 by another node, c3 by nobody, c4 here but not started.
const CAMERA_SCOPES: Record<string, string> = { c1: 'kp.bannu.s1', c2: 'kp.bannu.s1', c3: 'kp.bannu.s2', c4: 'kp.bannu.s2' };

interface Received {
  texts: Array<Record<string, unknown>>;
  binaries: Buffer[];
}

describe('live routes', { skip: existsSync(FFMPEG) ? false : `${FFMPEG} not found` }, () => {
  let database: Database;
  let audit: AuditService;
  let app: App;
  const registry = new LiveHubRegistry();
  const stream = new PassThrough();

  before(async () => {
    database = await openDatabase({});
    await migrate(database.db);
    audit = new AuditService(new AuditRepository(database.db));
    app = await buildHttpApp({
      config: parseConfig('logLevel: silent\n', {}),
      audit,
      authenticate: async (token) => TOKENS[token] ?? null,
    });
    registerLiveRoutes(app, new LiveService({
      registry,
      audit,
      ffmpegPath: FFMPEG,
      cameras: { scopePathOf: async (id) => CAMERA_SCOPES[id] },
      ingest: { workerOf: async (id) => (id === 'c2' ? 'node-b' : id === 'c1' || id === 'c4' ? 'node-a' : undefined) },
      workerId: 'node-a',
    }));
    await app.ready();
    registry.obtain('c1').feed(stream);
    registry.obtain('c4');
    stream.write(encodeTestPattern(FFMPEG, { seconds: 2, width: 320, height: 240 }));
    await sleep(20);
  });
  after(async () => {
    registry.closeAll();
    await app.close();
    await database.close();
  });

  async function liveAudit(): Promise<Array<{ actor: string | null; outcome: string; target: string | null; transport: unknown }>> {
    const rows = await audit.list({ action: 'video.live', limit: 100 });
    return rows.reverse().map((r) => ({ actor: r.actor_name, outcome: r.outcome, target: r.target_id, transport: (r.details as { transport?: unknown }).transport }));
  }

  async function watch(path: string): Promise<{ ws: Awaited<ReturnType<App['injectWS']>>; got: Received }> {
    const got: Received = { texts: [], binaries: [] };
    const ws = await app.injectWS(path, {}, {
      onInit: (socket) => socket.on('message', (data: Buffer, binary: boolean) => {
        if (binary) got.binaries.push(data);
        else got.texts.push(JSON.parse(data.toString()));
      }),
    });
    return { ws, got };
  }

  test('a plain GET describes the stream without auditing a view', async () => {
    const res = await app.inject({ url: '/api/cameras/c1/live', headers: { authorization: 'Bearer op-bannu' } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.running, true);
    assert.match(body.mimeType, /^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/);
    assert.deepEqual([body.width, body.height, body.viewers], [320, 240, 0]);
    assert.deepEqual(await liveAudit(), []);
  });

  test('the WebSocket sends the codec, the init segment, then fragments from a keyframe; the view is audited', async () => {
    const { ws, got } = await watch('/api/cameras/c1/live?token=op-bannu');
    await sleep(50);
    assert.equal(got.texts[0]?.type, 'init');
    assert.match(String(got.texts[0].mimeType), /avc1\./);
    assert.equal(got.binaries[0].toString('latin1', 4, 8), 'ftyp');
    assert.ok(got.binaries.length >= 2, 'the cached GOP follows the init');
    assert.equal(got.binaries[1].toString('latin1', 4, 8), 'moof');
    assert.equal(registry.get('c1')!.stats.viewers, 1);
    ws.terminate();
    for (let i = 0; i < 100 && registry.get('c1')!.stats.viewers; i++) await sleep(20);
    assert.equal(registry.get('c1')!.stats.viewers, 0, 'closing the socket unsubscribes');
    const rows = await liveAudit();
    assert.deepEqual(rows.at(-1), { actor: 'op-bannu', outcome: 'ok', target: 'c1', transport: 'websocket' });
  });

  test('a viewer is told when the stream stops and is reset when it restarts', async () => {
    const hub = registry.obtain('c4');
    const { ws, got } = await watch('/api/cameras/c4/live?token=op-bannu');
    await sleep(20);
    assert.deepEqual(got.texts[0], { type: 'end', reason: "waiting for the camera's stream" });
    assert.equal(got.texts.length, 1);
    const restarted = new PassThrough();
    hub.feed(restarted);
    restarted.write(encodeTestPattern(FFMPEG, { seconds: 1, width: 160, height: 120 }));
    await sleep(50);
    assert.deepEqual(got.texts.slice(1).map((t) => [t.type, t.width]), [['init', 160]]);
    restarted.end();
    await sleep(20);
    assert.deepEqual(got.texts.at(-1), { type: 'end', reason: 'stream ended' });
    ws.close();
  });

  test('the socket closes with 4410 when the camera leaves this node', async () => {
    registry.obtain('c5');
    CAMERA_SCOPES.c5 = 'kp.bannu.s3';
    const { ws } = await watch('/api/cameras/c5/live?token=op-bannu');
    const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
    registry.remove('c5', 'lease lost');
    assert.equal(await closed, 4410);
  });

  test('refusals are HTTP statuses before any upgrade, each saying why', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['/api/cameras/c1/live', 401, /authentication required/],
      ['/api/cameras/c1/live?token=nope', 401, /invalid or expired/],
      ['/api/cameras/c1/live?token=auditor', 403, /video:live/],
      ['/api/cameras/c1/live?token=op-swat', 404, /camera "c1" not found/],
      ['/api/cameras/zz/live?token=op-bannu', 404, /camera "zz" not found/],
      ['/api/cameras/c2/live?token=op-bannu', 409, /ingested by node "node-b"/],
      ['/api/cameras/c3/live?token=op-bannu', 503, /not being ingested/],
      ['/api/cameras/c1/live?token=op-bannu&extra=1', 400, /querystring\.extra: unknown field/],
    ];
    for (const [url, status, message] of cases) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, status, url);
      assert.match(res.json().message, message, url);
      await assert.rejects(watch(url), new RegExp(`Unexpected server response: ${status}`), url);
    }
    const denied = (await liveAudit()).filter((r) => r.outcome === 'denied');
    assert.deepEqual(denied.map((r) => [r.actor, r.target]), [['op-swat', 'c1'], ['op-swat', 'c1']], 'out-of-scope attempts are on record');
  });

  test('snapshot.jpg is the latest keyframe as JPEG, audited as a live view', async () => {
    const res = await app.inject({ url: '/api/cameras/c1/snapshot.jpg', headers: { authorization: 'Bearer op-bannu' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/jpeg');
    assert.deepEqual([...res.rawPayload.subarray(0, 2)], [0xff, 0xd8]);
    assert.deepEqual((await liveAudit()).at(-1), { actor: 'op-bannu', outcome: 'ok', target: 'c1', transport: 'snapshot' });
    const idle = await app.inject({ url: '/api/cameras/c4/snapshot.jpg', headers: { authorization: 'Bearer op-bannu' } });
    assert.equal(idle.statusCode, 503);
    assert.match(idle.json().message, /no picture yet/);
    const forbidden = await app.inject({ url: '/api/cameras/c1/snapshot.jpg', headers: { authorization: 'Bearer auditor' } });
    assert.equal(forbidden.statusCode, 403);
    const img = await app.inject({ url: '/api/cameras/c1/snapshot.jpg?token=op-bannu' });
    assert.equal(img.statusCode, 200, 'the token may come in the query, for <img src>');
  });
});

