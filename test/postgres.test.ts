import { test } from 'node:test';
import { openDatabase } from '../src/platform/db/database.ts';
import { dbContract } from '../src/platform/db/db.contract.ts';
import { createTempDatabase } from './support/postgres.ts';

if (!process.env.DATABASE_URL) {
  test('PostgreSQL storage contract', { skip: 'DATABASE_URL is not set: point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test' }, () => {});
} else {
  // The suite runs on a new database of its own, dropped when the suite closes it.
  dbContract('PostgreSQL', async () => {
    const temp = await createTempDatabase();
    try {
      const database = await openDatabase({ url: temp.url, poolSize: 4 });
      return {
        ...database,
        close: async () => {
          await database.close();
          await temp.drop();
        },
      };
    } catch (err) {
      await temp.drop();
      throw err;
    }
  });
}
