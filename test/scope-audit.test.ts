import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

// Must-show: a Bannu-scoped user can't see Peshawar; their reads are audited; a direct edit of an
// audit row makes `safecity audit verify` fail naming the row.

let platform: TestPlatform;
let closed = false;
before(async () => {
  platform = await startTestPlatform({ demo: true });
});
after(async () => {
  if (!closed) await platform?.close();
  else rmSync(platform.dataDir, { recursive: true, force: true });
});

async function api(token: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${platform.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['cli/safecity.js', ...args], {
    env: { ...process.env, SAFECITY_DATA_DIR: platform.dataDir, DATABASE_URL: '', NATS_URL: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('a user scoped to Bannu cannot see Peshawar, and their reads are in the audit log', async () => {
  const created = await api(platform.adminToken, '/api/users', {
    method: 'POST',
    body: JSON.stringify({ username: 'bannu-op', displayName: 'Bannu operator', role: 'operator', scopePath: 'kp.bannu', password: 'bannu-pass-123' }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const token = await platform.login('bannu-op', 'bannu-pass-123');

  const peshawar = await api(platform.adminToken, '/api/cameras?city=peshawar&limit=1');
  assert.equal(peshawar.body.total, 710);
  const peshawarCamera = peshawar.body.items[0].id;
  const peshawarSite = peshawar.body.items[0].siteId;

  const cam = await api(token, `/api/cameras/${peshawarCamera}`);
  assert.ok(cam.status === 403 || cam.status === 404, `camera: ${cam.status}`);
  const site = await api(token, `/api/sites/${peshawarSite}`);
  assert.ok(site.status === 403 || site.status === 404, `site: ${site.status}`);
  const list = await api(token, '/api/cameras?city=peshawar');
  assert.ok(list.status === 403 || (list.status === 200 && list.body.total === 0), `list: ${list.status} ${list.body?.total}`);
  const own = await api(token, '/api/cameras?limit=1000');
  assert.equal(own.status, 200);
  assert.ok(own.body.total > 0);
  assert.ok(own.body.items.every((c: any) => c.cityId === 'bannu'), 'only Bannu cameras');
  const map = await api(token, '/api/map/cameras');
  assert.equal(map.body.features.length, own.body.total);
  const patch = await api(token, `/api/cameras/${peshawarCamera}`, { method: 'PATCH', body: JSON.stringify({ name: 'x' }) });
  assert.ok(patch.status === 403 || patch.status === 404);

  const me = (await api(token, '/api/me')).body;
  const audit = await api(platform.adminToken, `/api/audit?actorId=${me.id}&limit=1000`);
  const actions = audit.body.items.map((r: any) => `${r.action}:${r.outcome}`);
  assert.ok(actions.some((a: string) => a.startsWith('camera.list')), `camera.list audited: ${actions}`);
  assert.ok(actions.some((a: string) => a.startsWith('camera.view')), `camera.view audited: ${actions}`);
  assert.ok(actions.some((a: string) => a.startsWith('camera.map')), `camera.map audited: ${actions}`);
  assert.ok(audit.body.items.every((r: any) => r.actorName === 'bannu-op'));
});

test('editing an audit row directly in the database makes `safecity audit verify` fail and name it', async () => {
  // Stop the server but keep its data folder: the CLI opens the same embedded database.
  await platform.stop();
  closed = true;
  const good = cli('audit', 'verify');
  assert.equal(good.code, 0, good.out);
  assert.match(good.out, /intact/);

  const edit = cli('sql', "update audit_log set actor_name = 'someone-else' where seq = 7");
  assert.equal(edit.code, 0, edit.out);
  const bad = cli('audit', 'verify');
  assert.equal(bad.code, 1, bad.out);
  assert.match(bad.out, /row 7\b/);

  const usage = cli('audit', 'verfy');
  assert.equal(usage.code, 2);
  assert.equal(usage.out.trim().split('\n').length, 1, usage.out);
});
