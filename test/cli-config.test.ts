import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// `safecity config check [FILE]`: a bad file is exit 2 and one line naming the file and the field.

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['cli/safecity.js', ...args], {
    env: { ...process.env, DATABASE_URL: '', NATS_URL: '', SAFECITY_CONFIG: '', SAFECITY_ADVERTISE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('config check FILE validates that file: bad input names file and field, extra arguments are a usage error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'safecity-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'server:\n  advertiseUrl: ftp://10.0.4.12\n');
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'server:\n  advertiseUrl: http://10.0.4.12:8080\n');

  const refused = cli('config', 'check', bad);
  assert.equal(refused.code, 2);
  assert.equal(refused.err.trim().split('\n').length, 1, refused.err);
  assert.match(refused.err, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: server\\.advertiseUrl: `));

  const ok = cli('config', 'check', good);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).server.advertiseUrl, 'http://10.0.4.12:8080');
  assert.equal(cli('config', 'check', '--config', good).code, 0);

  const extra = cli('config', 'check', good, 'more');
  assert.equal(extra.code, 2);
  assert.match(extra.err, /config check takes one file/);
});
