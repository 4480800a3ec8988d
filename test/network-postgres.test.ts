import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedDemoCity } from '../src/network/demo-city.ts';
import { ImportValidationError } from '../src/network/import.service.ts';
import { CAMERA_CSV_HEADER, cameraCsvLines, openNetworkHarness, seedTestSites, testActor, type NetworkHarness } from '../src/network/network.fixtures.ts';
import { createTempDatabase, type TempDatabase } from './support/postgres.ts';

// The camera network's SQL on real PostgreSQL: the same queries that run on PGlite in the unit tests.

if (!process.env.DATABASE_URL) {
  test('camera network on PostgreSQL', { skip: 'DATABASE_URL is not set: point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres' }, () => {});
} else {
  describe('camera network on PostgreSQL', () => {
    let temp: TempDatabase;
    let h: NetworkHarness;
    const admin = testActor('admin', '');
    const bannu = testActor('operator', 'kp.bannu');

    before(async () => {
      temp = await createTempDatabase();
      h = await openNetworkHarness(temp.url);
    });
    after(async () => {
      await h?.close();
      await temp?.drop();
    });

    test('demo city: counts, scope and near search', async () => {
      assert.equal((await seedDemoCity(h)).seeded, true);
      assert.equal((await seedDemoCity(h)).seeded, false);
      assert.equal((await h.sites.listSites(admin, { city: 'peshawar', limit: 1, offset: 0 })).total, 125);
      assert.equal((await h.sites.listSites(admin, { city: 'peshawar', status: 'planned', limit: 1, offset: 0 })).total, 600);
      assert.equal((await h.network.listCameras(admin, { city: 'peshawar', limit: 1, offset: 0 })).total, 710);
      const mine = await h.network.listCameras(bannu, { limit: 1000, offset: 0 });
      assert.equal(mine.total, 296);
      assert.ok(mine.items.every((c) => c.cityId === 'bannu'));
      assert.equal((await h.network.listCameras(bannu, { city: 'peshawar', limit: 1, offset: 0 })).total, 0);
      const near = await h.network.listCameras(admin, { near: { lat: 34.0095, lon: 71.5715 }, radius: 800, limit: 1000, offset: 0 });
      assert.ok(near.total > 5);
      assert.ok(near.items.every((c, i) => c.distanceM! <= 800 && (i === 0 || near.items[i - 1].distanceM! <= c.distanceM!)));
      const cities = await h.sites.listCities(bannu);
      assert.deepEqual(cities.items.map((c) => [c.id, c.sites, c.cameras]), [['bannu', 76, 296]]);
    });

    test('5,000-camera import: three bad rows change nothing; the fixed file imports in one go', async () => {
      const codes = await seedTestSites(h, 40);
      const good = cameraCsvLines(5000, codes);
      const bad = [...good];
      bad[10] = bad[10].replace(codes[10], 'NO-SUCH-SITE');
      bad[3000] = bad[3000].replace(/,(1080p|4MP),/, ',,');
      bad[4500] = bad[4500].replace('rtsp://', 'gopher://');
      const before = (await h.network.listCameras(admin, { limit: 1, offset: 0 })).total;
      await assert.rejects(h.imports.importCameras(admin, [CAMERA_CSV_HEADER, ...bad].join('\n')), (err: ImportValidationError) => {
        assert.deepEqual(err.rows.map((r) => [r.row, r.field]), [[12, 'site_code'], [3002, 'resolution'], [4502, 'record_url']]);
        return true;
      });
      assert.equal((await h.network.listCameras(admin, { limit: 1, offset: 0 })).total, before);
      const started = Date.now();
      assert.equal((await h.imports.importCameras(admin, [CAMERA_CSV_HEADER, ...good].join('\n'))).imported, 5000);
      assert.ok(Date.now() - started < 10_000);
      assert.equal((await h.network.listCameras(admin, { limit: 1, offset: 0 })).total, before + 5000);
    });

    test('a batch insert that fails part-way leaves nothing behind', async () => {
      const site = (await h.sites.listSites(admin, { q: 'TS-0001', limit: 1, offset: 0 })).items[0];
      const row = (n: number) => ({ id: `tx-${n}`, code: `TX-${n}`, site_id: site.id, name: 'x', kind: 'fixed' as const, resolution: '4MP', owner: 'government' as const, streams: '[]', lat: 34, lon: 71.5, heading: null, retention_days: null });
      // Row 700 lands in the second batch of 500 and collides with row 1.
      const rows = Array.from({ length: 800 }, (_, i) => row(i + 1));
      rows[699] = { ...row(1), id: 'tx-dup' };
      await assert.rejects(h.store.cameras.insertMany(rows), (err: { code?: string }) => err.code === '23505');
      assert.equal(await h.store.cameras.get('tx-1'), undefined);
    });
  });
}
