import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  let unlock = () => {};
  if (options.dataDir) {
    dir = join(options.dataDir, 'db');
    mkdirSync(dir, { recursive: true });
    unlock = lockDir(dir);
  }
  try {
    const pglite = new PGlite(dir, { parsers: { [INT8]: (v: string) => Number(v) } });
    await pglite.waitReady;
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
      location: dir ?? 'memory',
      close: async () => {
        await db.destroy();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded database belongs to one process at a time (two would corrupt it). A lock file with
 * the owner's pid makes a second opener fail with a clear message instead.
 */
function lockDir(dir: string): () => void {
  const file = join(dir, 'safecity.lock');
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(file, 'utf8').trim());
  } catch {
    owner = undefined;
  }
  if (owner && owner !== process.pid && alive(owner)) {
    throw new Error(`embedded database ${dir} is in use by process ${owner} (a running safecity); stop it first, or use PostgreSQL (DATABASE_URL) to share one database between processes`);
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}
