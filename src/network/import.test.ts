import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { App } from '../platform/http/app.ts';
import { ImportFileError, ImportValidationError, importCamerasFromFile } from './import.service.ts';
import { buildNetworkApp, CAMERA_CSV_HEADER, cameraCsvLines, openNetworkHarness, seedTestSites, testActor, type NetworkHarness } from './network.fixtures.ts';

let h: NetworkHarness;
let app: App;
let siteCodes: string[];
const admin = testActor('admin', '');
const elsewhere = testActor('supervisor', 'kp.othercity');
const dir = mkdtempSync(join(tmpdir(), 'safecity-import-'));

before(async () => {
  h = await openNetworkHarness();
  siteCodes = await seedTestSites(h, 40);
  app = await buildNetworkApp(h, { admin });
});
after(async () => {
  await app.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function countCameras(): Promise<number> {
  return (await h.network.listCameras(admin, { limit: 1, offset: 0 })).total;
}

function postCsv(url: string, csv: string) {
  return app.inject({ method: 'POST', url, headers: { authorization: 'Bearer admin', 'content-type': 'text/csv' }, payload: csv });
}

test('5,000 cameras with three bad rows: nothing changes, exactly those rows and fields are named; fixed, all 5,000 import', async () => {
  const lines = cameraCsvLines(5000, siteCodes);
  const good = [...lines];
  // Data line i is CSV line i + 2 (the header is line 1).
  lines[999] = lines[999].replace(',fixed,', ',bullet,').replace(',ptz,', ',bullet,').replace(',dome,', ',bullet,').replace(',anpr,', ',bullet,');
  lines[2499] = lines[2499].replace(/,(34\.\d+),(71\.\d+),/, ',95.5,$2,');
  lines[4999] = lines[4999].replace(/^CAM-05000,/, 'CAM-00011,');
  assert.notEqual(lines[999], good[999]);
  assert.notEqual(lines[2499], good[2499]);

  const bad = await postCsv('/api/import/cameras', [CAMERA_CSV_HEADER, ...lines].join('\n'));
  assert.equal(bad.statusCode, 400, bad.body);
  const body = bad.json();
  assert.equal(body.error, 'validation');
  assert.match(body.message, /3 rows have problems; nothing was imported/);
  assert.deepEqual(body.rows.map((r: { row: number; field: string }) => [r.row, r.field]), [
    [1001, 'kind'],
    [2501, 'lat'],
    [5001, 'code'],
  ]);
  assert.match(body.rows[0].message, /must be one of fixed, ptz, dome, anpr, got "bullet"/);
  assert.match(body.rows[2].message, /"CAM-00011" is also on row 12/);
  assert.equal(await countCameras(), 0);
  const failed = await h.audit.list({ action: 'network.import', limit: 5 });
  assert.equal(failed[0].outcome, 'failed');

  const started = Date.now();
  const queries = h.queries();
  const ok = await postCsv('/api/import/cameras', [CAMERA_CSV_HEADER, ...good].join('\r\n'));
  const ms = Date.now() - started;
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json(), { imported: 5000, format: 'csv', dryRun: false });
  assert.ok(ms < 10_000, `import took ${ms} ms`);
  assert.ok(h.queries() - queries < 20, `import sent ${h.queries() - queries} statements`);
  assert.equal(await countCameras(), 5000);
  const cam = await h.network.getCameraInternal('cam-00011');
  assert.equal(cam.siteId, 'ts-0011');
  assert.equal(cam.name, 'Camera 11, gate');
  assert.deepEqual(cam.streams.map((s) => s.role), ['record', 'detect']);
  assert.ok(h.events.some((e) => e.subject === 'network.import.completed' && (e.payload as { count: number }).count === 5000));

  // The same file again: every code now exists.
  const again = await postCsv('/api/import/cameras', [CAMERA_CSV_HEADER, ...good.slice(0, 3)].join('\n'));
  assert.deepEqual(again.json().rows.map((r: { row: number; message: string }) => [r.row, r.message]), [
    [2, '"CAM-00001" already exists'],
    [3, '"CAM-00002" already exists'],
    [4, '"CAM-00003" already exists'],
  ]);
});

test('header problems are named on line 1 and stop the import', async () => {
  const res = await postCsv('/api/import/cameras', 'code,name,site_code,kind,colour\nX,y,TS-0001,fixed,red\n');
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json().rows.map((r: { row: number; field: string }) => [r.row, r.field]), [[1, 'colour'], [1, 'resolution']]);
  const broken = await postCsv('/api/import/cameras', `${CAMERA_CSV_HEADER}\n"unclosed,quote\n`);
  assert.equal(broken.statusCode, 400);
  assert.equal(broken.json().rows[0].field, '(file)');
  const empty = await postCsv('/api/import/cameras', `${CAMERA_CSV_HEADER}\n`);
  assert.equal(empty.json().rows[0].message, 'no rows to import');
});

test('every bad cell of a row is named, blanks in required columns too', async () => {
  const csv = 'code,name,site_code,kind,resolution,lat,heading,record_url\nNEW-1,,NO-SUCH-SITE,fixed,4MP,34.1,400,ftp://x/y\nNEW-2,Cam,TS-0001,dome,1080p,34.1,,\nNEW-3,Cam,NO-SUCH-SITE,dome,1080p,,,\n';
  const res = await postCsv('/api/import/cameras', csv);
  assert.deepEqual(res.json().rows.map((r: { row: number; field: string; message: string }) => [r.row, r.field, r.message]), [
    [2, 'name', 'is required'],
    [2, 'heading', 'Too big: expected number to be <=359 (got "400")'],
    [2, 'record_url', 'scheme "ftp" is not supported (use rtsp, rtsps, http, https, file) (got "ftp://x/y")'],
    [3, 'lon', 'give both lat and lon, or neither (the site position)'],
    [4, 'site_code', 'no site with code "NO-SUCH-SITE"'],
  ]);
});

test('sites outside the importer\'s scope read as missing', async () => {
  await assert.rejects(
    h.imports.importCameras(elsewhere, 'code,name,site_code,kind,resolution\nOTHER-1,x,TS-0001,fixed,4MP\n'),
    (err: ImportValidationError) => err.rows[0].field === 'site_code' && /no site with code "TS-0001"/.test(err.rows[0].message),
  );
});

test('GeoJSON: rows are feature indexes, positions come from the geometry; dryRun stores nothing', async () => {
  const feature = (code: string, coordinates: unknown, extra: Record<string, unknown> = {}) => ({
    type: 'Feature',
    geometry: coordinates === null ? null : { type: 'Point', coordinates },
    properties: { code, name: `Geo ${code}`, site_code: 'TS-0002', kind: 'anpr', resolution: '1080p', heading: 90, ...extra },
  });
  const bad = {
    type: 'FeatureCollection',
    features: [feature('GEO-1', [71.51, 34.01]), feature('GEO-2', [71.51]), feature('GEO-3', null, { colour: 'red' }), feature('GEO-4', [71.5, 34], { kind: 'bullet' })],
  };
  const res = await app.inject({ method: 'POST', url: '/api/import/cameras', headers: { authorization: 'Bearer admin', 'content-type': 'application/geo+json' }, payload: JSON.stringify(bad) });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json().rows.map((r: { row: number; field: string }) => [r.row, r.field]), [[1, 'geometry'], [2, 'colour'], [3, 'kind']]);

  const good = { type: 'FeatureCollection', features: [feature('GEO-1', [71.51, 34.01]), feature('GEO-2', null)] };
  const before = await countCameras();
  const dry = await app.inject({ method: 'POST', url: '/api/import/cameras?dryRun=true', headers: { authorization: 'Bearer admin' }, payload: good });
  assert.deepEqual(dry.json(), { imported: 2, format: 'geojson', dryRun: true });
  assert.equal(await countCameras(), before);
  const ok = await app.inject({ method: 'POST', url: '/api/import/cameras', headers: { authorization: 'Bearer admin' }, payload: good });
  assert.equal(ok.statusCode, 200, ok.body);
  const geo1 = await h.network.getCameraInternal('geo-1');
  assert.deepEqual([geo1.lat, geo1.lon, geo1.heading], [34.01, 71.51, 90]);
  const site = (await h.sites.listSites(admin, { q: 'TS-0002', limit: 1, offset: 0 })).items[0];
  const geo2 = await h.network.getCameraInternal('geo-2');
  assert.deepEqual([geo2.lat, geo2.lon], [site.lat, site.lon]);
});

test('site import checks the city and police station', async () => {
  const csv = 'code,name,city,police_station,lat,lon,status\nS-1,One,testcity,testcity-ps-1,34,71.5,planned\nS-2,Two,nowhere,,34,71.5,\nS-3,Three,testcity,peshawar-ps-saddar,34,71.5,\nTS-0001,Dup,testcity,,34,71.5,\n';
  const res = await postCsv('/api/import/sites', csv);
  assert.deepEqual(res.json().rows.map((r: { row: number; field: string }) => [r.row, r.field]), [[3, 'city'], [4, 'police_station'], [5, 'code']]);
  const ok = await postCsv('/api/import/sites', 'code,name,city,lat,lon,status,planned_cameras\nS-1,One,testcity,34,71.5,planned,4\n');
  assert.equal(ok.statusCode, 200, ok.body);
  const [site] = (await h.sites.listSites(admin, { q: 'S-1', status: 'planned', limit: 5, offset: 0 })).items;
  assert.deepEqual([site.id, site.policeStationId, site.plannedCameras], ['s-1', null, 4]);
});

test('from the CLI: one line naming file:row:field, exit code 2; a good file imports', async () => {
  const badPath = join(dir, 'bad.csv');
  writeFileSync(badPath, `${CAMERA_CSV_HEADER}\n${cameraCsvLines(3, siteCodes).map((l) => l.replace('CAM-', 'CLI-')).join('\n').replace(',dome,', ',drone,')}\n`);
  await assert.rejects(importCamerasFromFile(h, badPath, admin), (err: ImportFileError) => {
    assert.ok(err instanceof ImportFileError);
    assert.equal(err.exitCode, 2);
    assert.equal(err.message, `${badPath}:4:kind: must be one of fixed, ptz, dome, anpr, got "drone"`);
    return true;
  });
  await assert.rejects(importCamerasFromFile(h, join(dir, 'missing.csv'), admin), /missing\.csv: cannot read the file \(ENOENT\)/);
  const goodPath = join(dir, 'good.geojson');
  writeFileSync(goodPath, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: null, properties: { code: 'CLI-GEO', name: 'x', site_code: 'TS-0003', kind: 'dome', resolution: '4MP' } }] }));
  assert.deepEqual(await importCamerasFromFile(h, goodPath, admin), { imported: 1, format: 'geojson', dryRun: false });
});
