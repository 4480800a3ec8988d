import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Database, Db } from './database.ts';
import { listMigrations, migrate } from './migrate.ts';
import type { StreamRow } from './schema.ts';

// The one suite every storage backend runs: what repositories may rely on, whether the node runs on
// embedded PGlite or on a PostgreSQL server.

/**
 * Runs the storage contract. `open` is called once and must return an empty database that the suite
 * may wipe: every test starts from an empty public schema. The suite closes it at the end (a close that
 * also disposes of it, as a temporary PostgreSQL database does, is fine).
 */
export function dbContract(name: string, open: () => Promise<Database>): void {
  let database: Database | undefined;

  async function withDb(fn: (database: Database) => Promise<void>, migrated = true): Promise<void> {
    if (!database) throw new Error('storage contract: the database did not open');
    await sql`drop schema if exists public cascade`.execute(database.db);
    await sql`create schema public`.execute(database.db);
    if (migrated) await migrate(database.db);
    await fn(database);
  }

  async function seedSite(db: Db): Promise<void> {
    await db.insertInto('org_units').values([
      { id: 'kp', parent_id: null, kind: 'province', name: 'Khyber Pakhtunkhwa', path: 'kp', lat: 34.0, lon: 71.5 },
      { id: 'pesh', parent_id: 'kp', kind: 'city', name: 'Peshawar', path: 'kp.pesh', lat: 34.01, lon: 71.58 },
    ]).execute();
    await db.insertInto('sites').values({ id: 's1', code: 'PSH-001', name: 'Khyber Bazaar', city_id: 'pesh', scope_path: 'kp.pesh', lat: 34.0086, lon: 71.5785 }).execute();
  }

  function cameraRow(id: string, lat: number, lon: number, streams: StreamRow[] = []) {
    return {
      id, code: id.toUpperCase(), site_id: 's1', name: `Camera ${id}`, kind: 'fixed' as const, resolution: '1920x1080',
      owner: 'government' as const, streams: JSON.stringify(streams), lat, lon,
    };
  }

  describe(`storage contract: ${name}`, () => {
    before(async () => {
      database = await open();
    });
    after(async () => {
      await database?.close();
    });

    test('migrations apply in order on an empty database, and a second run applies none', async () => {
      await withDb(async ({ db }) => {
        const all = listMigrations();
        assert.ok(all.length >= 1, 'no migrations found');
        assert.equal(await migrate(db, all.slice(0, 1)), 1, 'the first migration alone');
        assert.equal(await migrate(db), all.length - 1, 'the rest, later');
        assert.equal(await migrate(db), 0, 'nothing is applied twice');
        const applied = await db.selectFrom('schema_migrations').select(['version', 'checksum']).orderBy('version').execute();
        assert.deepEqual(applied, all.map((m) => ({ version: m.version, checksum: m.checksum })));
        const count = await db.selectFrom('cameras').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        assert.equal(count.n, 0);
      }, false);
    });

    test('an applied migration that was edited afterwards is refused, naming it', async () => {
      await withDb(async ({ db }) => {
        const edited = listMigrations().map((m, i) => {
          if (i !== 0) return m;
          const text = `${m.sql}\n-- an afterthought\n`;
          return { ...m, sql: text, checksum: createHash('sha256').update(text).digest('hex') };
        });
        await assert.rejects(migrate(db, edited), new RegExp(`${edited[0].name} was changed after it was applied`));
      });
    });

    test('jsonb round-trips as the same object', async () => {
      await withDb(async ({ db }) => {
        await seedSite(db);
        const streams: StreamRow[] = [
          { role: 'record', url: 'rtsp://10.0.0.5/main?a=1&b="x"' },
          { role: 'live', url: 'rtsp://10.0.0.5/sub/ٹیسٹ' },
        ];
        await db.insertInto('cameras').values(cameraRow('c1', 34.0, 71.5, streams)).execute();
        const row = await db.selectFrom('cameras').select('streams').where('id', '=', 'c1').executeTakeFirstOrThrow();
        assert.deepEqual(row.streams, streams);
        const found = await db.selectFrom('cameras').select('id').where(sql<boolean>`streams @> ${JSON.stringify([{ role: 'live' }])}::jsonb`).execute();
        assert.deepEqual(found, [{ id: 'c1' }], 'jsonb containment works on the stored value');
      });
    });

    test('int8 comes back as a number, timestamptz as a Date at the same instant', async () => {
      await withDb(async ({ db }) => {
        await seedSite(db);
        await db.insertInto('cameras').values(cameraRow('c1', 34.0, 71.5)).execute();
        const start = new Date('2026-03-01T10:00:00.123Z');
        const end = new Date('2026-03-01T10:01:00.456Z');
        const bytes = 5_000_000_123; // past 2^32, as a day of recording is
        await db.insertInto('recording_segments').values({ camera_id: 'c1', start_at: start, end_at: end, bytes, path: 'recordings/c1/a.ts' }).execute();
        const seg = await db.selectFrom('recording_segments').selectAll().executeTakeFirstOrThrow();
        assert.equal(typeof seg.id, 'number');
        assert.equal(seg.bytes, bytes);
        assert.ok(seg.start_at instanceof Date, `start_at is ${typeof seg.start_at}`);
        assert.equal(seg.start_at.getTime(), start.getTime());
        assert.equal(seg.end_at.toISOString(), end.toISOString());
        assert.ok(seg.created_at instanceof Date);
        const { n } = await db.selectFrom('cameras').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        assert.equal(n, 1, 'count(*) is an int8 and comes back as a number');
        const big = await sql<{ v: number }>`select 9007199254740991::int8 as v`.execute(db);
        assert.equal(big.rows[0].v, Number.MAX_SAFE_INTEGER);
      });
    });

    test('a transaction that throws rolls back all of its writes', async () => {
      await withDb(async ({ db }) => {
        await seedSite(db);
        await assert.rejects(
          db.transaction().execute(async (trx) => {
            await trx.insertInto('cameras').values(cameraRow('c1', 34.0, 71.5)).execute();
            await trx.updateTable('sites').set({ name: 'renamed' }).where('id', '=', 's1').execute();
            throw new Error('deliberate failure inside the transaction');
          }),
          /deliberate failure/,
        );
        assert.deepEqual(await db.selectFrom('cameras').select('id').execute(), []);
        const site = await db.selectFrom('sites').select('name').where('id', '=', 's1').executeTakeFirstOrThrow();
        assert.equal(site.name, 'Khyber Bazaar');
        // A constraint violation is an error the caller sees, and also rolls back.
        await assert.rejects(
          db.transaction().execute(async (trx) => {
            await trx.insertInto('cameras').values(cameraRow('c2', 34.0, 71.5)).execute();
            await trx.insertInto('cameras').values(cameraRow('c3', 95, 71.5)).execute();
          }),
          /check constraint/,
        );
        assert.deepEqual(await db.selectFrom('cameras').select('id').execute(), []);
      });
    });

    test('concurrent transactions never see each other\'s uncommitted writes', async () => {
      await withDb(async (database) => {
        const { db } = database;
        await seedSite(db);
        const order: string[] = [];
        let releaseWriter!: () => void;
        const writerHolding = new Promise<void>((resolve) => (releaseWriter = resolve));
        let writerStarted!: () => void;
        const started = new Promise<void>((resolve) => (writerStarted = resolve));
        const writer = db.transaction().execute(async (trx) => {
          order.push('writer begins');
          await trx.insertInto('cameras').values(cameraRow('c1', 34.0, 71.5)).execute();
          writerStarted();
          await writerHolding;
          await trx.insertInto('cameras').values(cameraRow('c2', 34.0, 71.5)).execute();
          order.push('writer commits');
        });
        await started;
        const reader = db.transaction().execute(async (trx) => {
          order.push('reader begins');
          const rows = await trx.selectFrom('cameras').select('id').orderBy('id').execute();
          return rows.map((r) => r.id);
        });
        // A server runs the reader while the writer is half way, so the writer waits for it; PGlite's
        // one session cannot, so there the writer goes on after a pause in which the reader would
        // have run if it were not queued.
        if (database.kind === 'pglite') await new Promise((resolve) => setTimeout(resolve, 50));
        else await reader;
        releaseWriter();
        await writer;
        const seen = await reader;
        assert.ok(seen.length === 0 || seen.length === 2, `a reader saw half a transaction: ${seen.join(',')}`);
        if (database.kind === 'pglite') {
          // One embedded session: the second transaction waits for the first to end.
          assert.deepEqual(order, ['writer begins', 'writer commits', 'reader begins']);
          assert.deepEqual(seen, ['c1', 'c2']);
        } else {
          assert.deepEqual(seen, [], 'the reader ran during the writer and must see none of its rows');
        }
      });
    });

    test('a bounding-box query on lat/lon returns the points inside it', async () => {
      await withDb(async ({ db }) => {
        await seedSite(db);
        const points: Array<[string, number, number]> = [
          ['qissa', 34.0086, 71.5785], // Qissa Khwani, Peshawar
          ['uni', 34.0007, 71.4855], // University Road, Peshawar
          ['mardan', 34.1986, 72.0404],
          ['swat', 34.7717, 72.3602],
          ['edge', 34.05, 71.45], // on the box's corner: inclusive
        ];
        await db.insertInto('cameras').values(points.map(([id, lat, lon]) => cameraRow(id, lat, lon))).execute();
        const box = { south: 33.95, west: 71.45, north: 34.05, east: 71.65 };
        const inside = await db
          .selectFrom('cameras')
          .select('id')
          .where('lat', '>=', box.south).where('lat', '<=', box.north)
          .where('lon', '>=', box.west).where('lon', '<=', box.east)
          .orderBy('id')
          .execute();
        assert.deepEqual(inside.map((r) => r.id), ['edge', 'qissa', 'uni']);
        const one = await db.selectFrom('cameras').select(['lat', 'lon']).where('id', '=', 'swat').executeTakeFirstOrThrow();
        assert.deepEqual(one, { lat: 34.7717, lon: 72.3602 }, 'double precision keeps coordinates exactly');
      });
    });
  });
}
