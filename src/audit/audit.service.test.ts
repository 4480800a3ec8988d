import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { AuditRepository } from './audit.repository.ts';
import { AuditService } from './audit.service.ts';
import type { Actor } from '../identity/actor.ts';

const actor: Actor = { userId: 'u1', username: 'op', role: 'operator', scopePath: 'kp.bannu', permissions: new Set(), ip: '10.0.0.9' };

let database: Database;
let audit: AuditService;

before(async () => {
  database = await openDatabase({});
  await migrate(database.db);
  audit = new AuditService(new AuditRepository(database.db));
});
after(() => database.close());

async function fresh(n: number): Promise<void> {
  await sql`delete from audit_log`.execute(database.db);
  for (let i = 0; i < n; i++) {
    await audit.record(actor, { action: 'camera.view', targetType: 'camera', targetId: `c${i}`, scopePath: 'kp.bannu', details: { i, nested: { b: 2, a: [1, 'x'] } } });
  }
}

test('an untouched chain verifies, concurrent appends included', async () => {
  await fresh(5);
  await Promise.all(Array.from({ length: 20 }, (_, i) => audit.record(actor, { action: 'camera.list', details: { i } })));
  const result = await audit.verify();
  assert.deepEqual(result, { ok: true, rows: 25 });
});

test('an edited row is named', async () => {
  await fresh(6);
  await sql`update audit_log set target_id = 'c99' where seq = 4`.execute(database.db);
  const result = await audit.verify();
  assert.equal(result.ok, false);
  assert.equal(result.brokenAt?.seq, 4);
  assert.match(result.brokenAt!.problem, /edited/);
});

test('an edit inside the details json is caught', async () => {
  await fresh(3);
  await sql`update audit_log set details = '{"i": 1, "nested": {"a": [1, "x"], "b": 3}}' where seq = 2`.execute(database.db);
  assert.equal((await audit.verify()).brokenAt?.seq, 2);
});

test('a deleted row is named', async () => {
  await fresh(6);
  await sql`delete from audit_log where seq = 3`.execute(database.db);
  const result = await audit.verify();
  assert.equal(result.ok, false);
  assert.equal(result.brokenAt?.seq, 3);
  assert.match(result.brokenAt!.problem, /missing/);
});

test('reordered rows are caught', async () => {
  await fresh(6);
  // Swap rows 2 and 5 wholesale (content and hashes) while keeping the seq numbers.
  await sql`update audit_log set seq = -2 where seq = 2`.execute(database.db);
  await sql`update audit_log set seq = 2 where seq = 5`.execute(database.db);
  await sql`update audit_log set seq = 5 where seq = -2`.execute(database.db);
  const result = await audit.verify();
  assert.equal(result.ok, false);
  assert.equal(result.brokenAt?.seq, 2);
});

test('a re-hashed forgery still breaks the link to the next row', async () => {
  await fresh(4);
  await sql`update audit_log set actor_name = 'someone-else', hash = repeat('a', 64) where seq = 2`.execute(database.db);
  const result = await audit.verify();
  assert.equal(result.brokenAt?.seq, 2);
});
