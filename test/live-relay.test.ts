import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { seedFileCamera } from './support/cluster.ts';
import { startTestPlatform } from './support/platform.ts';
import { createTempDatabase } from './support/postgres.ts';

// Two whole platforms on one PostgreSQL database: node A ingests cameras, node B ingests none.
// A viewer on node B watches a camera that node A ingests: node B finds A through the camera's lease
// and cluster_nodes (each node says where it is reached when it starts listening) and relays it.

test('two nodes on PostgreSQL: live video of a camera one node ingests is watched through the other', {
  skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set: point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test',
  timeout: 90_000,
}, async (t) => {
  const temp = await createTempDatabase();
  const clipDir = mkdtempSync(join(tmpdir(), 'safecity-relay-'));
  const running: Array<{ close(): Promise<void> }> = [];
  t.after(async () => {
    for (const node of running) await node.close();
    await temp.drop();
    rmSync(clipDir, { recursive: true, force: true });
  });
  await seedFileCamera(temp.url, 'relay1', clipDir);

  const env = { DATABASE_URL: temp.url };
  const a = await startTestPlatform({ env, video: 'segmentSeconds: 2' });
  running.push(a);
  const b = await startTestPlatform({ env, video: 'ingest: false' });
  running.push(b);

  const nodes = await a.platform.database.db.selectFrom('cluster_nodes').select(['worker_id', 'url']).orderBy('started_at').execute();
  assert.deepEqual(nodes.map((n) => [n.worker_id, n.url]), [[a.platform.workerId, a.url], [b.platform.workerId, b.url]], 'each node says where it is reached');
  assert.equal(b.platform.ingest.manager.cameraIds().length, 0);

  // The viewer on B, with a token B issued (tokens live in the shared database, so A honours it).
  const token = await b.login('admin', 'admin-pass-1234');
  const status = async () => fetch(`${b.url}/api/cameras/relay1/live`, { headers: { authorization: `Bearer ${token}` } });
  const deadline = Date.now() + 30_000;
  let res = await status();
  while (res.status !== 200 && Date.now() < deadline) {
    await sleep(500);
    res = await status();
  }
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { running: boolean; width: number };
  assert.deepEqual([body.running, body.width], [true, 320]);

  const texts: Array<{ type: string }> = [];
  const boxes: string[] = [];
  const ws = new WebSocket(`${b.url.replace('http', 'ws')}/api/cameras/relay1/live?token=${token}`);
  ws.on('message', (data: Buffer, binary: boolean) => (binary ? boxes.push(data.toString('latin1', 4, 8)) : texts.push(JSON.parse(data.toString()))));
  for (let i = 0; i < 200 && boxes.length < 3; i++) await sleep(25);
  ws.close();
  assert.equal(texts.find((m) => m.type === 'init')?.type, 'init');
  assert.deepEqual(boxes.slice(0, 2), ['ftyp', 'moof']);

  const snapshot = await fetch(`${b.url}/api/cameras/relay1/snapshot.jpg?token=${token}`);
  assert.equal(snapshot.status, 200);
  assert.equal(snapshot.headers.get('content-type'), 'image/jpeg');

  // Node A audited the views it served for B's viewer.
  const views = await a.platform.database.db.selectFrom('audit_log').select(['details']).where('action', '=', 'video.live').where('outcome', '=', 'ok').execute();
  const relayed = views.map((v) => v.details as { transport: string; relayedBy?: string }).filter((d) => d.relayedBy === b.platform.workerId);
  assert.deepEqual(relayed.map((d) => d.transport).sort(), ['snapshot', 'websocket']);

  // A node that stops takes its row with it.
  await b.close();
  const left = await a.platform.database.db.selectFrom('cluster_nodes').select('worker_id').execute();
  assert.deepEqual(left.map((n) => n.worker_id), [a.platform.workerId]);
});
