import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
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
import { RELAY_TO, RELAYED_BY, relaySocket, type ViewerSocket } from './live-relay.ts';
import { registerLiveRoutes } from './live.routes.ts';
import { LiveService } from './live.service.ts';
import { encodeTestPattern } from './test-pattern.ts';

// Two nodes in one process, each with its own HTTP server and live service over one audit log:
// node-a ingests c1 (its hub is fed a real H.264 test pattern); node-b ingests nothing and relays.

const FFMPEG = '/usr/bin/ffmpeg';

const operator: Actor = { userId: 'op-bannu', username: 'op-bannu', role: 'operator', scopePath: 'kp.bannu', permissions: new Set(ROLE_PERMISSIONS.operator) };
const outsider: Actor = { ...operator, userId: 'op-swat', username: 'op-swat', scopePath: 'kp.swat' };
const TOKENS: Record<string, Actor> = { 'op-bannu': operator, 'op-swat': outsider };
const SCOPES: Record<string, string> = { c1: 'kp.bannu.s1', c2: 'kp.bannu.s1', c9: 'kp.bannu.s9' };

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('live relay between nodes', { skip: existsSync(FFMPEG) ? false : `${FFMPEG} not found` }, () => {
  let database: Database;
  let audit: AuditService;
  let nodeA: App;
  let nodeB: App;
  let urlA: string;
  const hubsA = new LiveHubRegistry();
  const stream = new PassThrough();

  async function node(workerId: string, registry: LiveHubRegistry, leases: Record<string, string>, urls: Record<string, string>): Promise<App> {
    const app = await buildHttpApp({ config: parseConfig('logLevel: silent\n', {}), audit, authenticate: async (token) => TOKENS[token] ?? null });
    registerLiveRoutes(app, new LiveService({
      registry, audit, ffmpegPath: FFMPEG, workerId,
      cameras: { scopePathOf: async (id) => SCOPES[id] },
      ingest: { workerOf: async (id) => leases[id] },
      nodes: { urlOf: async (id) => urls[id] },
    }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    return app;
  }

  before(async () => {
    database = await openDatabase({});
    await migrate(database.db);
    audit = new AuditService(new AuditRepository(database.db));
    // node-a's leases say c2 is node-b's now: a relay of c2 that reaches node-a finds it moved.
    nodeA = await node('node-a', hubsA, { c1: 'node-a', c2: 'node-b' }, {});
    urlA = `http://127.0.0.1:${(nodeA.server.address() as { port: number }).port}`;
    nodeB = await node('node-b', new LiveHubRegistry(), { c1: 'node-a', c2: 'node-a', c9: 'node-gone' }, {
      'node-a': urlA, 'node-gone': `http://127.0.0.1:${await closedPort()}`,
    });
    hubsA.obtain('c1').feed(stream);
    stream.write(encodeTestPattern(FFMPEG, { seconds: 2, width: 320, height: 240 }));
    await sleep(20);
  });
  after(async () => {
    hubsA.closeAll();
    await nodeB.close();
    await nodeA.close();
    await database.close();
  });

  async function liveAudit() {
    const rows = await audit.list({ action: 'video.live', limit: 100 });
    return rows.reverse().map((r) => ({ actor: r.actor_name, outcome: r.outcome, target: r.target_id, details: r.details as Record<string, unknown> }));
  }

  /** A WebSocket viewer on node-b, keeping what it is sent and how it closed. */
  async function watchB(path: string) {
    const texts: Array<Record<string, unknown>> = [];
    const binaries: Buffer[] = [];
    let resolveClose: (c: { code: number; reason: string }) => void = () => {};
    const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClose = r));
    const ws = await nodeB.injectWS(path, {}, {
      onInit: (socket) => {
        socket.on('message', (data: Buffer, binary: boolean) => (binary ? binaries.push(data) : texts.push(JSON.parse(data.toString()))));
        socket.on('close', (code: number, reason: Buffer) => resolveClose({ code, reason: reason.toString() }));
      },
    });
    return { ws, texts, binaries, closed };
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await sleep(25);
    assert.ok(check(), what);
  }

  test('a viewer on the node that does not ingest the camera gets its stream from the node that does; that node audits the view', async () => {
    const viewer = await watchB('/api/cameras/c1/live?token=op-bannu');
    await until(() => viewer.binaries.length >= 2, 'init and fragments relayed');
    assert.equal(viewer.texts[0]?.type, 'init');
    assert.deepEqual([viewer.texts[0].width, viewer.texts[0].height], [320, 240]);
    assert.equal(viewer.binaries[0].toString('latin1', 4, 8), 'ftyp');
    assert.equal(viewer.binaries[1].toString('latin1', 4, 8), 'moof');
    assert.equal(hubsA.get('c1')!.stats.viewers, 1, 'one viewer on the ingesting node: the relay');
    // More video arrives at node-a: it reaches the viewer on node-b.
    const before = viewer.binaries.length;
    stream.write(encodeTestPattern(FFMPEG, { seconds: 1, width: 320, height: 240 }));
    await until(() => viewer.binaries.length > before, 'new fragments relayed as they come');
    viewer.ws.terminate();
    await until(() => hubsA.get('c1')!.stats.viewers === 0, 'the viewer leaving ends the relay on node-a');
    const views = (await liveAudit()).filter((r) => r.outcome === 'ok');
    // On record on both nodes: the one the viewer reached (with the viewer's address) and the one that streamed it.
    assert.deepEqual(views.map((v) => [v.actor, v.target, v.details.transport, v.details.relayedTo ?? null, v.details.relayedBy ?? null]), [
      ['op-bannu', 'c1', 'websocket', 'node-a', null],
      ['op-bannu', 'c1', 'websocket', null, 'node-b'],
    ]);
  });

  test('status and snapshot are relayed too', async () => {
    const status = await nodeB.inject({ url: '/api/cameras/c1/live', headers: { authorization: 'Bearer op-bannu' } });
    assert.equal(status.statusCode, 200, status.body);
    assert.deepEqual([status.json().running, status.json().width], [true, 320]);
    const jpeg = await nodeB.inject({ url: '/api/cameras/c1/snapshot.jpg?token=op-bannu' });
    assert.equal(jpeg.statusCode, 200, jpeg.body);
    assert.equal(jpeg.headers['content-type'], 'image/jpeg');
    assert.deepEqual([...jpeg.rawPayload.subarray(0, 2)], [0xff, 0xd8]);
    assert.deepEqual((await liveAudit()).at(-1)?.details, { transport: 'snapshot', relayedBy: 'node-b' });
  });

  test('scope is checked before relaying: out of scope reads as absent and nothing reaches the other node', async () => {
    const before = (await liveAudit()).length;
    const res = await nodeB.inject({ url: '/api/cameras/c1/live', headers: { authorization: 'Bearer op-swat' } });
    assert.equal(res.statusCode, 404);
    const rows = (await liveAudit()).slice(before);
    assert.deepEqual(rows.map((r) => [r.actor, r.outcome]), [['op-swat', 'denied']], 'the denial is on record, once (node-b)');
  });

  test('a relayed request is never relayed again: a camera that moved meanwhile answers 503 and the viewer reconnects', async () => {
    const direct = await nodeA.inject({ url: '/api/cameras/c2/live', headers: { authorization: 'Bearer op-bannu', [RELAYED_BY]: 'node-b' } });
    assert.equal(direct.statusCode, 503);
    assert.match(direct.json().message, /moved to node "node-b" while the request was relayed; ask again/);
    // Through node-b, whose lease is stale: the upgrade is refused upstream, the viewer told why and closed with 4410.
    const viewer = await watchB('/api/cameras/c2/live?token=op-bannu');
    const { code } = await viewer.closed;
    assert.equal(code, 4410);
    assert.match(String(viewer.texts.at(-1)?.reason), /moved to node "node-b"/);
    const status = await nodeB.inject({ url: '/api/cameras/c2/live', headers: { authorization: 'Bearer op-bannu' } });
    assert.equal(status.statusCode, 503, 'the refusal comes back as the same status');
  });

  test('a relay that reaches the wrong node (a wrong registered address) is refused with 421, not served or relayed on', async () => {
    const res = await nodeA.inject({ url: '/api/cameras/c1/live', headers: { authorization: 'Bearer op-bannu', [RELAYED_BY]: 'node-b', [RELAY_TO]: 'node-x' } });
    assert.equal(res.statusCode, 421);
    assert.match(res.json().message, /a relay for node "node-x" reached node "node-a".*set its server\.advertiseUrl/);
  });

  test('a node that cannot be reached is named, as 502 or as the reason the socket closed', async () => {
    const res = await nodeB.inject({ url: '/api/cameras/c9/live', headers: { authorization: 'Bearer op-bannu' } });
    assert.equal(res.statusCode, 502);
    assert.match(res.json().message, /node "node-gone" at http:\/\/127\.0\.0\.1:\d+, which ingests this camera, cannot be reached: .*ECONNREFUSED/);
    const viewer = await watchB('/api/cameras/c9/live?token=op-bannu');
    const { code } = await viewer.closed;
    assert.equal(code, 1011);
    assert.match(String(viewer.texts.at(-1)?.reason), /node "node-gone" .* cannot be reached/);
  });

  test('a viewer that reads slowly pauses the relay instead of piling video up on the relaying node', async () => {
    const handlers: Array<() => void> = [];
    let received = 0;
    const slow = {
      readyState: 1, bufferedAmount: 0,
      send: () => void received++,
      close: () => {},
      on: (_event: string, listener: () => void) => void handlers.push(listener),
    } satisfies ViewerSocket;
    relaySocket({ node: 'node-a', url: urlA }, '/api/cameras/c1/live', { credential: 'op-bannu', from: 'node-b' }, slow, { goneCode: 4410, highWaterBytes: 1000, lowWaterBytes: 10 });
    await until(() => received >= 2, 'relay started');
    slow.bufferedAmount = 1_000_000;
    stream.write(encodeTestPattern(FFMPEG, { seconds: 1, width: 320, height: 240 }));
    await sleep(300);
    const whilePaused = received;
    stream.write(encodeTestPattern(FFMPEG, { seconds: 1, width: 320, height: 240 }));
    await sleep(300);
    assert.ok(received <= whilePaused + 1, `nothing more read while the viewer is behind (${received - whilePaused} more)`);
    slow.bufferedAmount = 0;
    await until(() => received > whilePaused + 1, 'reading resumes once the viewer caught up');
    for (const h of handlers) h();
    await until(() => hubsA.get('c1')!.stats.viewers === 0, 'the viewer leaving ends the relay');
  });

  test('when the camera leaves the ingesting node, the relayed viewer is closed with 4410 too', async () => {
    const viewer = await watchB('/api/cameras/c1/live?token=op-bannu');
    await until(() => viewer.binaries.length >= 1, 'relayed stream');
    hubsA.remove('c1', 'lease lost');
    const { code } = await viewer.closed;
    assert.equal(code, 4410);
  });
});
