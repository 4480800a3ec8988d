import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { AuditRepository } from '../audit/audit.repository.ts';
import { AuditService } from '../audit/audit.service.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { AppError } from '../platform/http/errors.ts';
import { IdentityRepository } from './identity.repository.ts';
import { IdentityService } from './identity.service.ts';
import type { Actor } from './actor.ts';

let database: Database;
let identity: IdentityService;
let audit: AuditService;
let admin: Actor;

before(async () => {
  database = await openDatabase({});
  await migrate(database.db);
  audit = new AuditService(new AuditRepository(database.db));
  identity = new IdentityService(new IdentityRepository(database.db), audit, { tokenTtlMinutes: 60 });
  const boot = await identity.bootstrapAdmin('admin-pass-1234');
  assert.equal(boot.created, true);
  const { token } = await identity.login('admin', 'admin-pass-1234', '127.0.0.1');
  admin = (await identity.authenticate(token, '127.0.0.1'))!;
});
after(() => database.close());

const status = (err: unknown) => (err instanceof AppError ? err.status : 0);

test('bootstrap creates admin once; a generated password is returned when none is given', async () => {
  assert.deepEqual(await identity.bootstrapAdmin('another-pass'), { created: false });
  const db2 = await openDatabase({});
  await migrate(db2.db);
  const id2 = new IdentityService(new IdentityRepository(db2.db), new AuditService(new AuditRepository(db2.db)), { tokenTtlMinutes: 5 });
  const boot = await id2.bootstrapAdmin();
  assert.ok(boot.generatedPassword && boot.generatedPassword.length >= 12);
  await id2.login('admin', boot.generatedPassword, '::1');
  await db2.close();
});

test('wrong password and unknown user both fail with 401 and are audited', async () => {
  await assert.rejects(identity.login('admin', 'nope-nope', '1.2.3.4'), (e) => status(e) === 401);
  await assert.rejects(identity.login('ghost', 'nope-nope', '1.2.3.4'), (e) => status(e) === 401);
  const denied = (await audit.list({ action: 'auth.login', limit: 10 })).filter((r) => r.outcome === 'denied');
  assert.equal(denied.length, 2);
});

test('the password is stored as an argon2 hash, the token only as a sha256', async () => {
  const u = await database.db.selectFrom('users').selectAll().where('username', '=', 'admin').executeTakeFirstOrThrow();
  assert.match(u.password_hash!, /^\$argon2id\$/);
  const { token } = await identity.login('admin', 'admin-pass-1234', '::1');
  const rows = await database.db.selectFrom('auth_tokens').select('token_hash').execute();
  assert.ok(rows.every((r) => r.token_hash !== token && /^[0-9a-f]{64}$/.test(r.token_hash)));
});

test('an expired or revoked token no longer authenticates', async () => {
  const { token } = await identity.login('admin', 'admin-pass-1234', '::1');
  const actor = await identity.authenticate(token, '::1');
  assert.equal(actor?.username, 'admin');
  await sql`update auth_tokens set expires_at = now() - interval '1 minute' where id = ${actor!.tokenId!}`.execute(database.db);
  assert.equal(await identity.authenticate(token, '::1'), null);
  const second = await identity.login('admin', 'admin-pass-1234', '::1');
  const a2 = (await identity.authenticate(second.token, '::1'))!;
  await identity.logout(a2);
  assert.equal(await identity.authenticate(second.token, '::1'), null);
  assert.equal(await identity.authenticate('sct_garbage', '::1'), null);
});

test('users are created inside the creator scope only, with no more rights than the creator', async () => {
  const sup = await identity.createUser(admin, { username: 'bannu-sup', displayName: 'Bannu supervisor', role: 'supervisor', scopePath: 'kp.bannu', password: 'sup-pass-1234' });
  assert.equal(sup.scopePath, 'kp.bannu');
  const supActor = (await identity.authenticate((await identity.login('bannu-sup', 'sup-pass-1234', '::1')).token, '::1'))!;
  await assert.rejects(
    identity.createUser(supActor, { username: 'x1', displayName: 'x', role: 'operator', scopePath: 'kp.peshawar', password: 'pass-12345' }),
    (e) => status(e) === 403,
  );
  await assert.rejects(
    identity.createUser(supActor, { username: 'x2', displayName: 'x', role: 'admin', scopePath: 'kp.bannu', password: 'pass-12345' }),
    (e) => status(e) === 403,
  );
  await assert.rejects(
    identity.createUser(admin, { username: 'Bad Name', displayName: 'x', role: 'operator', scopePath: 'kp', password: 'pass-12345' }),
    (e) => status(e) === 400 && (e as AppError).field === 'username',
  );
  await assert.rejects(
    identity.createUser(admin, { username: 'bannu-sup', displayName: 'x', role: 'operator', scopePath: 'kp', password: 'pass-12345' }),
    (e) => status(e) === 409,
  );
  const listed = await identity.listUsers(supActor, 100, 0);
  assert.deepEqual(listed.map((u) => u.username), ['bannu-sup']);
});

test('API keys authenticate as their account until revoked', async () => {
  const device = await identity.createUser(admin, { username: 'anpr-gateway', displayName: 'ANPR gateway', role: 'device', scopePath: 'kp', password: 'device-pass-123' });
  const key = await identity.createApiKey(admin, { userId: device.id, name: 'junction 4' });
  const actor = await identity.authenticate(key.key, '10.1.1.1');
  assert.equal(actor?.role, 'device');
  assert.equal(actor?.permissions.has('network:write'), false);
  await identity.revokeApiKey(admin, key.id);
  assert.equal(await identity.authenticate(key.key, '10.1.1.1'), null);
});

test('a disabled user cannot log in and their tokens stop working', async () => {
  const u = await identity.createUser(admin, { username: 'temp-op', displayName: 'Temp', role: 'operator', scopePath: 'kp', password: 'temp-pass-123' });
  const { token } = await identity.login('temp-op', 'temp-pass-123', '::1');
  await identity.updateUser(admin, u.id, { disabled: true });
  assert.equal(await identity.authenticate(token, '::1'), null);
  await assert.rejects(identity.login('temp-op', 'temp-pass-123', '::1'), (e) => status(e) === 401);
});
