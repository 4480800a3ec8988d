import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryBus } from '../../platform/bus/memory-bus.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { migrate } from '../../platform/db/migrate.ts';
import type { HealthSnapshot } from './camera-health.ts';
import { IngestManager, planFor, type IngestCamera, type IngestPlan } from './ingest-manager.ts';
import { seedCameras } from './ingest.fixture.ts';
import { LeaseRepository } from './lease.repository.ts';

let database: Database;
before(async () => {
  database = await openDatabase({});
  await migrate(database.db);
});
after(() => database.close());

const SNAPSHOT: HealthSnapshot = { status: 'unknown', statusSince: new Date(0), fps: null, bitrateKbps: null, lastFrameAt: null, reconnects: 0 };

/** Stands in for the network domain: reads the cameras table as its listIngestCameras does. */
const network = {
  async listIngestCameras(): Promise<IngestCamera[]> {
    const rows = await database.db.selectFrom('cameras').select(['id', 'status', 'streams']).orderBy('id').execute();
    return rows.filter((r) => planFor(r)).map((r) => ({ id: r.id, status: r.status, streams: r.streams }));
  },
};

/** Every ingest running anywhere in this test, to catch a camera ingested twice. */
const live = new Map<string, string>();
const violations: string[] = [];
const starts: Array<{ worker: string; plan: IngestPlan }> = [];

function manager(workerId: string, maxCameras: number, bus: MemoryBus) {
  return new IngestManager({
    workerId,
    cameras: network,
    leases: new LeaseRepository(database.db),
    bus,
    leaseSeconds: 5,
    maxCameras,
    createIngest: (plan) => ({
      async start() {
        const other = live.get(plan.cameraId);
        if (other) violations.push(`${plan.cameraId} started on ${workerId} while ${other} runs it`);
        live.set(plan.cameraId, workerId);
        starts.push({ worker: workerId, plan });
      },
      async stop() {
        if (live.get(plan.cameraId) === workerId) live.delete(plan.cameraId);
      },
      snapshot: () => SNAPSHOT,
    }),
  });
}

const owned = (worker: string) => [...live].filter(([, w]) => w === worker).map(([c]) => c).sort();

test('what a camera ingest opens: the record stream, else live; nothing for planned or maintenance cameras', () => {
  const streams = [{ role: 'live' as const, url: 'rtsp://c/sub' }, { role: 'record' as const, url: 'rtsp://c/main' }];
  assert.deepEqual(planFor({ id: 'c', status: 'online', streams }), { cameraId: 'c', url: 'rtsp://c/main', record: true });
  assert.deepEqual(planFor({ id: 'c', status: 'unknown', streams: streams.slice(0, 1) }), { cameraId: 'c', url: 'rtsp://c/sub', record: false });
  assert.equal(planFor({ id: 'c', status: 'maintenance', streams }), null);
  assert.equal(planFor({ id: 'c', status: 'online', streams: [{ role: 'detect', url: 'rtsp://c/d' }] }), null);
});

test('two managers on one database share the cameras, never ingest one twice, and take over what the other gives up', async () => {
  const rec = (n: number) => [{ role: 'record' as const, url: `rtsp://cam${n}/main` }];
  await seedCameras(database.db, [
    ...Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, streams: rec(i) })),
    { id: 'p1', streams: rec(9), status: 'planned' as const },
    { id: 'n1', streams: [] },
  ]);
  const bus = new MemoryBus();
  const a = manager('worker-a', 4, bus);
  const b = manager('worker-b', 4, bus);
  // Both start at once and race for every camera.
  await Promise.all([a.start(), b.start()]);
  await Promise.all([a.poke(), b.poke()]);
  assert.deepEqual(violations, []);
  assert.equal(live.size, 6, 'every ingestable camera runs somewhere');
  assert.ok(!live.has('p1') && !live.has('n1'));
  assert.ok(owned('worker-a').length <= 4 && owned('worker-b').length <= 4);
  assert.deepEqual(a.cameraIds(), owned('worker-a'));
  const leases = await new LeaseRepository(database.db).holders();
  assert.deepEqual([...leases].sort(), [...live].sort(), 'the leases say who runs what');

  // A camera goes into maintenance: its owner stops it and frees the lease.
  const victim = [...live.keys()][0];
  await database.db.updateTable('cameras').set({ status: 'maintenance' }).where('id', '=', victim).execute();
  await bus.publish('network.camera.changed', { cameraId: victim, siteId: 'fx-site', scopePath: 'fx-kp', change: 'updated' });
  await sleep(50);
  await Promise.all([a.poke(), b.poke()]);
  assert.equal(live.has(victim), false);
  assert.equal((await new LeaseRepository(database.db).holders()).has(victim), false);

  // A camera's URL changes: its ingest restarts with the new one.
  const moved = [...live.keys()][0];
  await database.db.updateTable('cameras').set({ streams: JSON.stringify([{ role: 'record', url: 'rtsp://new/main' }]) }).where('id', '=', moved).execute();
  await Promise.all([a.poke(), b.poke()]);
  assert.equal(starts.filter((s) => s.plan.cameraId === moved).at(-1)?.plan.url, 'rtsp://new/main');

  // A stops: it releases its leases and B takes its cameras, up to B's limit of 4.
  const before = live.size;
  await a.stop();
  assert.deepEqual(owned('worker-a'), []);
  await b.poke();
  assert.equal(owned('worker-b').length, Math.min(4, before));
  assert.deepEqual(violations, []);
  await b.stop();
  assert.equal(live.size, 0);
  assert.equal((await new LeaseRepository(database.db).holders()).size, 0);
  await bus.close();
});

test('a lease is taken only when free, lapsed or already ours; a lost lease is not renewed', async () => {
  await seedCameras(database.db, [{ id: 'l1' }]);
  const leases = new LeaseRepository(database.db);
  assert.equal(await leases.workerOf('l1'), undefined);
  assert.equal(await leases.claim('l1', 'w1', 30), true);
  assert.equal(await leases.workerOf('l1'), 'w1');
  assert.equal(await leases.claim('l1', 'w2', 30), false);
  assert.equal(await leases.claim('l1', 'w1', 30), true, 'claiming again is renewing');
  await database.db.updateTable('camera_leases').set({ expires_at: new Date(Date.now() - 1000) }).where('camera_id', '=', 'l1').execute();
  assert.equal(await leases.claim('l1', 'w2', 30), true, 'a lapsed lease is taken over');
  assert.deepEqual([...(await leases.renew('w1', ['l1'], 30))], []);
  assert.deepEqual([...(await leases.renew('w2', ['l1'], 30))], ['l1']);
  await leases.release('w1');
  assert.equal((await leases.holders()).get('l1'), 'w2');
  await leases.release('w2', ['l1']);
  assert.equal((await leases.holders()).size, 0);
});

test('a worker that cannot renew stops its ingests before their leases lapse; a slow start-up pass does not', async () => {
  await seedCameras(database.db, Array.from({ length: 6 }, (_, i) => ({ id: `f${i}`, streams: [{ role: 'record' as const, url: `rtsp://f${i}/main` }] })));
  const real = new LeaseRepository(database.db);
  let hang = false;
  const hung: Array<() => void> = [];
  let slowClaimMs = 0;
  const leases = {
    claim: async (id: string, w: string, s: number) => {
      await sleep(slowClaimMs);
      return real.claim(id, w, s);
    },
    renew: (w: string, ids: string[], s: number) => (hang ? new Promise<Set<string>>((r) => hung.push(() => r(new Set()))) : real.renew(w, ids, s)),
    release: (w: string, ids?: string[]) => real.release(w, ids),
    holders: () => real.holders(),
  } as unknown as LeaseRepository;
  const stopped: Array<{ id: string; at: number }> = [];
  const logs: string[] = [];
  const bus = new MemoryBus();
  const m = new IngestManager({
    workerId: 'fenced',
    cameras: { listIngestCameras: async () => (await network.listIngestCameras()).filter((c) => c.id.startsWith('f')) },
    leases,
    bus,
    leaseSeconds: 1.5,
    maxCameras: 10,
    log: (l) => logs.push(l),
    createIngest: (plan) => ({ start: async () => {}, stop: async () => void stopped.push({ id: plan.cameraId, at: Date.now() }), snapshot: () => SNAPSHOT }),
  });
  // Claims take 150 ms each: six take longer than a third of the lease, so the first pass ends early
  // and the next renews first. Nothing is stopped for want of a renewal.
  slowClaimMs = 150;
  await m.start();
  await until(() => m.cameraIds().length === 6, 5000);
  await sleep(1600);
  assert.equal(stopped.length, 0, logs.join('\n'));

  // The database stops answering renewals: every ingest stops before its lease can lapse.
  slowClaimMs = 0;
  hang = true;
  const hungAt = Date.now();
  await until(() => stopped.length === 6, 3000);
  assert.ok(stopped.every((s) => s.at - hungAt < 1500), `stopped ${stopped.map((s) => s.at - hungAt)} ms after the last renewal could start`);
  assert.match(logs.join('\n'), /leases about to lapse unrenewed/);
  hang = false;
  for (const answer of hung) answer();
  await m.stop();
  await bus.close();
});

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}
