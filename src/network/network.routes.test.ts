import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '../platform/http/app.ts';
import { seedDemoCity } from './demo-city.ts';
import { buildNetworkApp, openNetworkHarness, testActor, type NetworkHarness } from './network.fixtures.ts';
import type { CameraJson, SiteJson } from './network.schema.ts';

// The network API end to end over fastify inject, on the demo network.

let h: NetworkHarness;
let app: App;
const actors = {
  admin: testActor('admin', ''),
  bannu: testActor('operator', 'kp.bannu'),
  bannuSupervisor: testActor('supervisor', 'kp.bannu'),
  saddar: testActor('operator', 'kp.peshawar.peshawar-ps-saddar'),
};
type Who = keyof typeof actors;

async function call(who: Who | null, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  const res = await app.inject({ method, url, headers: who ? { authorization: `Bearer ${who}` } : {}, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, raw: res.body };
}

before(async () => {
  h = await openNetworkHarness();
  await seedDemoCity(h);
  app = await buildNetworkApp(h, actors);
});
after(async () => {
  await app.close();
  await h.close();
});

function haversine(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const x = Math.sin(r(bLat - aLat) / 2) ** 2 + Math.cos(r(aLat)) * Math.cos(r(bLat)) * Math.sin(r(bLon - aLon) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(x));
}

describe('scope: a user scoped to kp.bannu', () => {
  test('lists only Bannu cameras', async () => {
    const res = await call('bannu', 'GET', '/api/cameras?limit=1000');
    assert.equal(res.status, 200);
    assert.equal(res.body.total, 296);
    assert.ok(res.body.items.every((c: CameraJson) => c.cityId === 'bannu'));
  });

  test('gets 404 for a Peshawar camera, exactly as for a camera that does not exist', async () => {
    const peshawar = (await call('admin', 'GET', '/api/cameras?city=peshawar&limit=1')).body.items[0] as CameraJson;
    const hidden = await call('bannu', 'GET', `/api/cameras/${peshawar.id}`);
    const missing = await call('bannu', 'GET', '/api/cameras/no-such-camera');
    assert.equal(hidden.status, 404);
    assert.deepEqual(Object.keys(hidden.body).sort(), ['error', 'message']);
    assert.equal(hidden.body.message.replace(peshawar.id, 'X'), missing.body.message.replace('no-such-camera', 'X'));
    // The same for changes and for sites.
    assert.equal((await call('bannuSupervisor', 'PATCH', `/api/cameras/${peshawar.id}`, { name: 'x' })).status, 404);
    assert.equal((await call('bannuSupervisor', 'DELETE', `/api/cameras/${peshawar.id}`)).status, 404);
    assert.equal((await call('bannu', 'GET', `/api/sites/${peshawar.siteId}`)).status, 404);
    assert.equal((await h.network.getCameraInternal(peshawar.id)).id, peshawar.id);
    // Other domains (live, playback) ask the same question through the service.
    await assert.rejects(h.network.getCameraForActor(actors.bannu, peshawar.id), { name: 'NotFoundError' });
    assert.equal((await h.network.getCameraForActor(actors.admin, peshawar.id)).scopePath.startsWith('kp.peshawar.'), true);

    const denied = await h.audit.list({ action: 'camera.view', targetId: peshawar.id, limit: 10 });
    assert.equal(denied.length, 1);
    assert.equal(denied[0].outcome, 'denied');
    assert.equal(denied[0].actor_name, actors.bannu.username);
  });

  test('asking for ?city=peshawar gives total 0 (filters narrow, never widen), and the read is audited', async () => {
    const res = await call('bannu', 'GET', '/api/cameras?city=peshawar');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { items: [], total: 0 });
    assert.equal((await call('bannu', 'GET', '/api/sites?city=peshawar')).body.total, 0);
    const reads = await h.audit.list({ action: 'camera.list', actorId: actors.bannu.userId, limit: 10 });
    const entry = reads.find((r) => (r.details.filter as { city?: string }).city === 'peshawar');
    assert.ok(entry, 'camera.list with filter city=peshawar is in the audit log');
    assert.equal(entry.details.total, 0);
  });

  test('sees only Bannu among the cities, and Bannu on the map', async () => {
    const cities = await call('bannu', 'GET', '/api/cities');
    assert.deepEqual(cities.body.items.map((c: { id: string }) => c.id), ['bannu']);
    assert.equal(cities.body.items[0].cameras, 296);
    const map = await call('bannu', 'GET', '/api/map/cameras');
    assert.equal(map.body.type, 'FeatureCollection');
    assert.equal(map.body.features.length, 296);
  });
});

test('a police station user sees their city, counted over their station only', async () => {
  const cities = (await call('saddar', 'GET', '/api/cities')).body.items;
  assert.deepEqual(cities.map((c: { id: string }) => c.id), ['peshawar']);
  const sites = await call('saddar', 'GET', '/api/sites?limit=1000');
  assert.ok(sites.body.total > 0 && sites.body.total < 125);
  assert.ok(sites.body.items.every((s: SiteJson) => s.policeStationId === 'peshawar-ps-saddar'));
  assert.equal(cities[0].sites, sites.body.total);
});

test('site list: planned sites only when asked for; filters combine', async () => {
  assert.equal((await call('admin', 'GET', '/api/sites?city=peshawar')).body.total, 125);
  assert.equal((await call('admin', 'GET', '/api/sites?city=peshawar&status=planned')).body.total, 600);
  assert.equal((await call('admin', 'GET', '/api/sites?city=peshawar&status=all')).body.total, 725);
  const page = await call('admin', 'GET', '/api/sites?city=peshawar&limit=10&offset=120');
  assert.equal(page.body.items.length, 5);
  const commercial = await call('admin', 'GET', '/api/sites?owner=commercial&limit=1000');
  assert.ok(commercial.body.total > 0 && commercial.body.items.every((s: SiteJson) => s.owner === 'commercial'));
  const q = await call('admin', 'GET', '/api/sites?q=qissa%20khwani&status=all&limit=1000');
  assert.ok(q.body.total > 0 && q.body.items.every((s: SiteJson) => /qissa khwani/i.test(s.name)));
  assert.equal((await call('admin', 'GET', '/api/sites?q=100%25')).body.total, 0, '% is taken literally');
});

test('near: cameras within the radius, nearest first, with true distances', async () => {
  const all: CameraJson[] = (await call('admin', 'GET', '/api/cameras?city=peshawar&limit=1000')).body.items;
  const centre = { lat: 34.0095, lon: 71.5715 };
  const expected = all.filter((c) => haversine(centre.lat, centre.lon, c.lat, c.lon) <= 800);
  assert.ok(expected.length > 5, 'the test point has cameras around it');
  const res = await call('admin', 'GET', `/api/cameras?near=${centre.lat},${centre.lon}&radius=800&limit=1000`);
  assert.equal(res.status, 200);
  assert.equal(res.body.total, expected.length);
  const got: CameraJson[] = res.body.items;
  for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].distanceM! <= got[i].distanceM!);
  for (const c of got) assert.ok(Math.abs(c.distanceM! - haversine(centre.lat, centre.lon, c.lat, c.lon)) < 0.5);
  assert.equal(all[0].distanceM, undefined);
});

test('bad input answers 400 naming the field', async () => {
  const cases: [string, string][] = [
    ['/api/cameras?limit=5000', 'querystring.limit'],
    ['/api/cameras?near=abc', 'querystring.near'],
    ['/api/cameras?near=34,71&radius=60000', 'querystring.radius'],
    ['/api/cameras?radius=100', 'querystring.radius'],
    ['/api/cameras?kind=bullet', 'querystring.kind'],
    ['/api/cameras?cty=peshawar', 'querystring.cty'],
    ['/api/sites?status=open', 'querystring.status'],
    ['/api/cameras/Not%20An%20Id', 'params.id'],
  ];
  for (const [url, field] of cases) {
    const res = await call('admin', 'GET', url);
    assert.equal(res.status, 400, url);
    assert.equal(res.body.field, field, url);
  }
  const site = (await call('admin', 'GET', '/api/sites?city=bannu&limit=1')).body.items[0] as SiteJson;
  const bad = await call('admin', 'POST', '/api/cameras', { code: 'X-1', name: 'x', siteId: site.id, kind: 'fixed', resolution: '4MP', streams: [{ role: 'record', url: 'ftp://cam/1' }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'body.streams.0.url');
  assert.match(bad.body.message, /scheme "ftp"/);
});

test('permissions: reads need a token, writes need network:write', async () => {
  assert.equal((await call(null, 'GET', '/api/cameras')).status, 401);
  assert.equal((await call('bannu', 'POST', '/api/sites', {})).status, 403);
  assert.equal((await call('bannu', 'POST', '/api/import/cameras', 'code\n')).status, 403);
});

describe('changes by a Bannu supervisor', () => {
  const secret = 's3cr3t-pw';
  let site: SiteJson;
  let camera: CameraJson;

  test('creates a site at a Bannu police station, but not in Peshawar', async () => {
    const res = await call('bannuSupervisor', 'POST', '/api/sites', {
      code: 'BNU-TEST-1', name: 'Test junction', cityId: 'bannu', policeStationId: 'bannu-ps-township', lat: 32.97, lon: 70.6,
    });
    assert.equal(res.status, 201, res.raw);
    site = res.body;
    assert.equal(site.id, 'bnu-test-1');
    assert.equal(site.cameraCount, 0);
    const elsewhere = await call('bannuSupervisor', 'POST', '/api/sites', { code: 'PSH-TEST-1', name: 'x', cityId: 'peshawar', lat: 34, lon: 71.5 });
    assert.equal(elsewhere.status, 400);
    assert.equal(elsewhere.body.field, 'cityId');
    const wrongStation = await call('bannuSupervisor', 'POST', '/api/sites', { code: 'BNU-TEST-2', name: 'x', cityId: 'bannu', policeStationId: 'dikhan-ps-city', lat: 34, lon: 71.5 });
    assert.equal(wrongStation.body.field, 'policeStationId');
    assert.equal((await call('bannuSupervisor', 'POST', '/api/sites', { code: 'BNU-TEST-1', name: 'x', cityId: 'bannu', lat: 33, lon: 70.6 })).status, 409);
    assert.ok(h.events.some((e) => e.subject === 'network.site.changed' && (e.payload as { siteId: string }).siteId === site.id));
  });

  test('adds a camera whose stream password never leaves the server', async () => {
    const res = await call('bannuSupervisor', 'POST', '/api/cameras', {
      code: 'BNU-TEST-1-C1', name: 'Test cam', siteId: site.id, kind: 'ptz', resolution: '4MP',
      streams: [{ role: 'record', url: `rtsp://admin:${secret}@10.1.2.3:554/Streaming/101` }, { role: 'live', url: `https://nvr.local/live?token=${secret}&ch=1` }],
    });
    assert.equal(res.status, 201, res.raw);
    camera = res.body;
    assert.equal(camera.lat, site.lat, 'position defaults to the site');
    assert.equal(camera.streams[0].url, 'rtsp://admin:***@10.1.2.3:554/Streaming/101');
    assert.equal(camera.streams[1].url, 'https://nvr.local/live?token=***&ch=1');
    for (const url of [`/api/cameras/${camera.id}`, `/api/cameras?siteId=${site.id}`, '/api/map/cameras']) {
      assert.ok(!(await call('bannuSupervisor', 'GET', url)).raw.includes(secret), url);
    }
    const audit = await h.audit.list({ targetId: camera.id, limit: 10 });
    assert.ok(audit.length > 0 && !JSON.stringify(audit).includes(secret));
    const internal = await h.network.getCameraInternal(camera.id);
    assert.equal(internal.streams[0].url, `rtsp://admin:${secret}@10.1.2.3:554/Streaming/101`);
    assert.ok((await h.network.listIngestCameras()).some((c) => c.id === camera.id));
  });

  test('sending a redacted URL back keeps the stored password; a new URL with *** is refused', async () => {
    const patched = await call('bannuSupervisor', 'PATCH', `/api/cameras/${camera.id}`, { name: 'Renamed', streams: camera.streams });
    assert.equal(patched.status, 200, patched.raw);
    assert.equal(patched.body.name, 'Renamed');
    assert.equal((await h.network.getCameraInternal(camera.id)).streams[0].url, `rtsp://admin:${secret}@10.1.2.3:554/Streaming/101`);
    const moved = await call('bannuSupervisor', 'PATCH', `/api/cameras/${camera.id}`, { streams: [{ role: 'record', url: 'rtsp://admin:***@10.9.9.9/x' }] });
    assert.equal(moved.status, 400);
    assert.equal(moved.body.field, 'streams.0.url');
  });

  test('maintenance takes a camera out of ingest; a site with cameras cannot be deleted', async () => {
    await call('bannuSupervisor', 'PATCH', `/api/cameras/${camera.id}`, { status: 'maintenance' });
    assert.ok(!(await h.network.listIngestCameras()).some((c) => c.id === camera.id));
    assert.equal((await call('bannuSupervisor', 'DELETE', `/api/sites/${site.id}`)).status, 409);
    // Recordings are evidence: a camera that still has some is not deleted, and they stay indexed.
    const start = new Date('2026-01-01T00:00:00Z');
    await h.database.db.insertInto('recording_segments').values({
      camera_id: camera.id, start_at: start, end_at: new Date(start.getTime() + 10_000), bytes: 1, path: `recordings/${camera.id}/2026-01-01/${start.getTime()}.mp4`,
    }).execute();
    const refused = await call('bannuSupervisor', 'DELETE', `/api/cameras/${camera.id}`);
    assert.equal(refused.status, 409, refused.raw);
    assert.match(refused.body.message, new RegExp(`camera "${camera.id}" has recordings or exports, which are kept as evidence`));
    assert.equal((await call('bannuSupervisor', 'GET', `/api/cameras/${camera.id}`)).status, 200);
    assert.equal((await h.database.db.selectFrom('recording_segments').select('id').where('camera_id', '=', camera.id).execute()).length, 1);
    await h.database.db.deleteFrom('recording_segments').where('camera_id', '=', camera.id).execute();
    assert.equal((await call('bannuSupervisor', 'DELETE', `/api/cameras/${camera.id}`)).status, 204);
    assert.equal((await call('bannuSupervisor', 'DELETE', `/api/sites/${site.id}`)).status, 204);
    assert.equal((await call('bannuSupervisor', 'GET', `/api/sites/${site.id}`)).status, 404);
    const changes = h.events.filter((e) => e.subject === 'network.camera.changed').map((e) => (e.payload as { change: string }).change);
    // The refused PATCH published nothing.
    assert.deepEqual(changes, ['created', 'updated', 'updated', 'deleted']);
    const actions = (await h.audit.list({ actorId: actors.bannuSupervisor.userId, limit: 100 })).map((r) => r.action);
    for (const a of ['site.create', 'camera.create', 'camera.update', 'camera.delete', 'site.delete']) assert.ok(actions.includes(a), a);
  });
});

test('org units: a Bannu supervisor sees the units above and inside Bannu, and adds stations only there', async () => {
  const units = (await call('bannuSupervisor', 'GET', '/api/org-units')).body.items.map((u: { id: string }) => u.id);
  assert.ok(units.includes('kp') && units.includes('bannu') && units.includes('bannu-ps-mandan'));
  assert.ok(!units.includes('peshawar') && !units.some((id: string) => id.startsWith('peshawar-')));
  const created = await call('bannuSupervisor', 'POST', '/api/org-units', { id: 'bannu-ps-test', parentId: 'bannu', kind: 'police_station', name: 'Test PS' });
  assert.equal(created.status, 201, created.raw);
  assert.equal(created.body.path, 'kp.bannu.bannu-ps-test');
  const city = await call('bannuSupervisor', 'POST', '/api/org-units', { id: 'newcity', parentId: 'kp', kind: 'city', name: 'New' });
  assert.equal(city.status, 400);
  assert.equal(city.body.field, 'parentId');
  const wrongKind = await call('admin', 'POST', '/api/org-units', { id: 'ps-under-ps', parentId: 'bannu-ps-test', kind: 'police_station', name: 'x' });
  assert.match(wrongKind.body.message, /a police_station goes under a city, not a police_station/);
  assert.equal((await call('admin', 'POST', '/api/org-units', { id: 'bannu-ps-test', parentId: 'bannu', kind: 'police_station', name: 'x' })).status, 409);
});

test('moving a site to another station moves its cameras into that scope', async () => {
  const site = (await call('admin', 'GET', '/api/sites?city=bannu&limit=1')).body.items[0] as SiteJson;
  const moved = await call('admin', 'PATCH', `/api/sites/${site.id}`, { policeStationId: 'bannu-ps-test' });
  assert.equal(moved.status, 200, moved.raw);
  assert.equal(moved.body.policeStationId, 'bannu-ps-test');
  const stationUser = testActor('operator', 'kp.bannu.bannu-ps-test');
  const cams = await h.network.listCameras(stationUser, { limit: 100, offset: 0 });
  assert.equal(cams.total, site.cameraCount);
  assert.ok(cams.items.every((c) => c.siteId === site.id));
  const toPeshawar = await call('bannuSupervisor', 'PATCH', `/api/sites/${site.id}`, { cityId: 'peshawar' });
  assert.equal(toPeshawar.status, 400);
  assert.equal(toPeshawar.body.field, 'cityId');
});

test('the map carries every camera in scope, quickly', async () => {
  const started = Date.now();
  const res = await call('admin', 'GET', '/api/map/cameras');
  const ms = Date.now() - started;
  assert.equal(res.body.features.length, 710 + 352 + 296 + 164);
  const f = res.body.features[0];
  assert.equal(f.geometry.type, 'Point');
  assert.deepEqual(Object.keys(f.properties).sort(), ['code', 'id', 'kind', 'name', 'owner', 'siteId', 'status']);
  assert.ok(ms < 1500, `map took ${ms} ms`);
});

test('the OpenAPI document includes the network routes', async () => {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const paths = Object.keys(res.json().paths);
  for (const p of ['/api/cameras', '/api/sites/{id}', '/api/map/cameras', '/api/import/cameras', '/api/cities']) assert.ok(paths.includes(p), p);
});
