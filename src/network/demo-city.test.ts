import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SYSTEM_ACTOR } from '../identity/actor.ts';
import { allocate, DEMO_CITIES, planDemoCity, seededRandom, seedDemoCity } from './demo-city.ts';
import { openNetworkHarness, testActor, type NetworkHarness } from './network.fixtures.ts';

let h: NetworkHarness;
const admin = testActor('admin', '');

before(async () => {
  h = await openNetworkHarness();
});
after(() => h.close());

test('allocate splits a total exactly, within bounds', () => {
  const parts = allocate(710, 125, 2, 12, seededRandom(1));
  assert.equal(parts.length, 125);
  assert.equal(parts.reduce((a, b) => a + b, 0), 710);
  assert.ok(parts.every((p) => p >= 2 && p <= 12));
  assert.throws(() => allocate(10, 2, 1, 3, seededRandom(1)), /cannot split 10/);
});

test('the plan is the same every time', () => {
  const a = planDemoCity();
  const b = planDemoCity();
  assert.deepEqual(a.cameras.slice(0, 50), b.cameras.slice(0, 50));
  assert.deepEqual(a.sites.at(-1), b.sites.at(-1));
});

test('seeding writes the demo network quickly, every row marked demo', async () => {
  const started = Date.now();
  const queries = h.queries();
  const result = await seedDemoCity(h);
  const ms = Date.now() - started;
  assert.equal(result.seeded, true);
  assert.equal(result.cameras, 710 + 352 + 296 + 164);
  // ~2,500 rows in batched INSERTs: a handful of statements (a few hundred ms on a quiet machine).
  assert.ok(h.queries() - queries < 20, `seeding sent ${h.queries() - queries} statements`);
  assert.ok(ms < 15_000, `seeding took ${ms} ms`);

  const sites = await h.sites.listSites(admin, { status: 'all', limit: 1000, offset: 0 });
  assert.equal(sites.total, 125 + 600 + 88 + 76 + 47);
  assert.ok(sites.items.every((s) => s.demo && s.name.startsWith('Demo: ')));
  const cams = await h.network.listCameras(admin, { limit: 1000, offset: 0 });
  assert.ok(cams.items.every((c) => c.demo && c.name.startsWith('Demo: ') && c.status === 'unknown' && c.streams.length === 0));
  const kinds = new Set(cams.items.map((c) => c.kind));
  assert.deepEqual([...kinds].sort(), ['anpr', 'dome', 'fixed', 'ptz']);
  assert.ok(cams.items.some((c) => c.owner === 'commercial') && cams.items.some((c) => c.owner === 'government'));
  // ANPR cameras only stand at junctions.
  for (const c of cams.items.filter((c) => c.kind === 'anpr')) assert.match(c.siteName, /Chowk|Junction|Crossing|Flyover/);
});

test('Peshawar: 125 active sites and 710 cameras; its 600 planned sites only when asked for', async () => {
  const active = await h.sites.listSites(admin, { city: 'peshawar', limit: 100, offset: 0 });
  assert.equal(active.total, 125);
  assert.ok(active.items.every((s) => s.status === 'active' && s.phase === 1));
  assert.equal((await h.network.listCameras(admin, { city: 'peshawar', limit: 1, offset: 0 })).total, 710);
  const planned = await h.sites.listSites(admin, { city: 'peshawar', status: 'planned', limit: 1000, offset: 0 });
  assert.equal(planned.total, 600);
  assert.ok(planned.items.every((s) => s.phase === 2 && s.cameraCount === 0 && s.plannedCameras! >= 2));
  assert.equal((await h.sites.listSites(admin, { city: 'peshawar', status: 'all', limit: 1, offset: 0 })).total, 725);
  const stations = new Set(active.items.map((s) => s.policeStationId));
  assert.ok(stations.size >= 10, `sites spread over ${stations.size} police stations`);
  const all = await h.sites.listSites(admin, { city: 'peshawar', limit: 125, offset: 0 });
  assert.equal(all.items.reduce((n, s) => n + s.cameraCount, 0), 710);
});

test('cities report the counts the lists give, positions inside each city', async () => {
  const { items } = await h.sites.listCities(admin);
  const byId = new Map(items.map((c) => [c.id, c]));
  for (const spec of DEMO_CITIES) {
    const city = byId.get(spec.id)!;
    assert.equal(city.status, spec.status, spec.id);
    assert.equal(city.sites, spec.sites, spec.id);
    assert.equal(city.cameras, spec.cameras, spec.id);
    assert.equal(city.plannedSites, spec.plannedSites ?? 0, spec.id);
    const sites = await h.sites.listSites(admin, { city: spec.id, status: 'all', limit: 1000, offset: 0 });
    for (const s of sites.items) {
      // Within ~12 km of the city centre: plausible, and never in the wrong city.
      assert.ok(Math.abs(s.lat - spec.lat) < 0.1 && Math.abs(s.lon - spec.lon) < 0.13, `${s.code} at ${s.lat},${s.lon}`);
    }
  }
  assert.deepEqual(
    items.filter((c) => c.status === 'planned').map((c) => c.id).sort(),
    ['karak', 'north-waziristan'],
  );
});

test('seeding again changes nothing', async () => {
  const before = (await h.network.listCameras(admin, { limit: 1, offset: 0 })).total;
  assert.deepEqual(await seedDemoCity(h, SYSTEM_ACTOR), { seeded: false, sites: 0, cameras: 0 });
  assert.equal((await h.network.listCameras(admin, { limit: 1, offset: 0 })).total, before);
  const seeds = await h.audit.list({ action: 'network.demo.seed', limit: 10 });
  assert.equal(seeds.length, 1);
});
