import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedFileCamera } from './support/cluster.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { createTempDatabase } from './support/postgres.ts';

// Province scale: recordings in S3-compatible storage (s3rver, an S3 server in this process), two
// nodes on one PostgreSQL database with data folders of their own. Node A ingests and records a
// camera; node B, which records nothing and shares no disk with A, plays back and exports it.

const require = createRequire(import.meta.url);

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

test('recordings in S3: a node that shares no disk with the recording node plays back and exports them', {
  skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set: point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test',
  timeout: 120_000,
}, async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'safecity-s3-e2e-'));
  const temp = await createTempDatabase();
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverServer;
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(scratch, 's3'), configureBuckets: [{ name: 'safecity-video' }] });
  const { port } = await s3.run();
  const running: TestPlatform[] = [];
  t.after(async () => {
    for (const node of running) await node.close();
    await s3.close();
    await temp.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  await seedFileCamera(temp.url, 's3cam', scratch);

  // s3rver's own account; the keys come from the environment, as an operator would give them.
  const env = { DATABASE_URL: temp.url, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };
  const storage = `storage:\n  s3:\n    endpoint: http://127.0.0.1:${port}\n    bucket: safecity-video\n    prefix: kp/\n`;
  const a = await startTestPlatform({ env, video: 'segmentSeconds: 2', yaml: storage });
  running.push(a);
  const b = await startTestPlatform({ env, video: 'ingest: false', yaml: storage });
  running.push(b);
  assert.equal(a.platform.blobs.kind, 's3');

  // Node A records: the segments go to the bucket, none stays in A's recordings folder.
  const db = a.platform.database.db;
  const segments = async () => db.selectFrom('recording_segments').select(['path', 'start_at', 'end_at', 'bytes']).where('camera_id', '=', 's3cam').orderBy('start_at').execute();
  const deadline = Date.now() + 40_000;
  while ((await segments()).length < 4 && Date.now() < deadline) await sleep(250);
  const rows = await segments();
  assert.ok(rows.length >= 4, `${rows.length} segments recorded`);
  for (const r of rows) assert.ok(await b.platform.blobs.exists(r.path), `${r.path} in the bucket`);
  const left = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).filter((f) => /^\d{4}-\d{2}-\d{2}\/\d+\.mp4$/.test(f.split('/').slice(-2).join('/'))) : []);
  assert.deepEqual(left(join(a.dataDir, 'recordings', 's3cam')), [], 'closed segments do not stay on the recording node');

  // Node B plays a range back and exports it: it fetches the segments from the bucket.
  const from = rows[1].start_at;
  const to = rows[3].end_at;
  const headers = { authorization: `Bearer ${b.adminToken}` };
  const mp4 = await fetch(`${b.url}/api/cameras/s3cam/playback.mp4?from=${from.toISOString()}&to=${to.toISOString()}`, { headers });
  assert.equal(mp4.status, 200, await mp4.clone().text());
  const played = join(scratch, 'played.mp4');
  writeFileSync(played, Buffer.from(await mp4.arrayBuffer()));
  const probe = spawnSync('/usr/bin/ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', played], { encoding: 'utf8' });
  const expected = (to.getTime() - from.getTime()) / 1000;
  assert.ok(Math.abs(Number(probe.stdout) - expected) < 0.5, `played ${probe.stdout.trim()} s of ${expected} s`);

  const requested = await fetch(`${b.url}/api/cameras/s3cam/exports`, {
    method: 'POST', headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ from: from.toISOString(), to: to.toISOString(), reason: 'S3 test' }),
  });
  assert.equal(requested.status, 202, await requested.clone().text());
  const { id } = (await requested.json()) as { id: string };
  let job: { status: string; sha256: string | null; error: string | null } = { status: 'pending', sha256: null, error: null };
  for (let i = 0; i < 120 && (job.status === 'pending' || job.status === 'running'); i++) {
    await sleep(250);
    job = (await (await fetch(`${b.url}/api/exports/${id}`, { headers })).json()) as typeof job;
  }
  assert.equal(job.status, 'done', job.error ?? '');
  // The export is a blob too: node A, which did not make it, serves it, and it hashes as recorded.
  const download = await fetch(`${a.url}/api/exports/${id}/download`, { headers });
  assert.equal(download.status, 200, await download.clone().text());
  const bytes = Buffer.from(await download.arrayBuffer());
  assert.equal(createHash('sha256').update(bytes).digest('hex'), job.sha256);
  assert.equal(download.headers.get('x-content-sha256'), job.sha256);
});
