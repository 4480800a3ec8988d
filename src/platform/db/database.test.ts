import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase, redactUrl } from './database.ts';
import { dbContract } from './db.contract.ts';

dbContract('PGlite in memory', () => openDatabase({}));

test('a database URL is logged without its password', () => {
  assert.equal(redactUrl('postgres://app:s3cret@db.local:5432/safecity'), 'postgres://app:***@db.local:5432/safecity');
  assert.equal(redactUrl('not a url'), '(unparseable url)');
});
