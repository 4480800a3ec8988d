import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Integration tests get a database of their own on the server named by DATABASE_URL, so they can
// run side by side and leave nothing behind.

export interface TempDatabase {
  /** URL of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: integration tests need a PostgreSQL server');
  return url;
}

async function onServer<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a uniquely named, empty database on the DATABASE_URL server. */
export async function createTempDatabase(): Promise<TempDatabase> {
  const admin = serverUrl();
  const name = `safecity_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(admin, (c) => c.query(`create database "${name}"`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await onServer(admin, (c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

/** Runs fn against a fresh database and drops it afterwards, whether fn succeeds or not. */
export async function withTempDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const temp = await createTempDatabase();
  try {
    return await fn(temp.url);
  } finally {
    await temp.drop();
  }
}
