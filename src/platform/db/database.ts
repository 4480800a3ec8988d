import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.ts';
import { PGliteDialect } from './pglite-dialect.ts';

export type Db = Kysely<DB>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Where the data lives, with any password removed: for logs and health. */
  location: string;
  close(): Promise<void>;
}

const INT8 = 20;

export interface DatabaseOptions {
  /** PostgreSQL URL; absent means embedded PGlite. */
  url?: string;
  /** Folder for PGlite files; absent with no url means an in-memory PGlite (tests). */
  dataDir?: string;
  poolSize?: number;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // int8 (counts, sequence numbers) as JS numbers: every value we keep fits in 2^53.
    const types = { getTypeParser: (oid: number, format?: any) => (oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) };
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types });
    pool.on('error', (err) => console.error('postgres pool error:', err.message));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    return { db, kind: 'postgres', location: redactUrl(options.url), close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  let dir: string | undefined;
  if (options.dataDir) {
    dir = join(options.dataDir, 'db');
    mkdirSync(dir, { recursive: true });
  }
  const pglite = new PGlite(dir, { parsers: { [INT8]: (v: string) => Number(v) } });
  await pglite.waitReady;
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', location: dir ?? 'memory', close: () => db.destroy() };
}
