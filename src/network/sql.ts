import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../platform/db/database.ts';

// Small SQL pieces shared by the network repositories; portable between PGlite and PostgreSQL.

/** Rows per INSERT: keeps every statement well under PostgreSQL's 65,535 bind parameters. */
export const INSERT_BATCH = 500;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `column` is the scope itself or lies below it. The empty scope is everything. */
export function inScope(column: string, scope: string): Expression<SqlBool> {
  if (scope === '') return sql<boolean>`true`;
  return sql<boolean>`(${sql.ref(column)} = ${scope} or ${sql.ref(column)} like ${escapeLike(scope) + '.%'})`;
}

/** An ILIKE pattern matching `value` anywhere, its wildcards taken literally. */
export function likeAny(value: string): string {
  return `%${escapeLike(value)}%`;
}

export function chunks<T>(rows: T[], size = INSERT_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Runs fn in a transaction, or inside the caller's when `db` already is one. */
export function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** Which of these codes or ids the table already holds (whatever their scope). */
export async function takenKeys(db: Db, table: 'sites' | 'cameras', codes: string[], ids: string[]): Promise<{ codes: Set<string>; ids: Set<string> }> {
  if (!codes.length && !ids.length) return { codes: new Set(), ids: new Set() };
  const rows = await db
    .selectFrom(table)
    .select(['id', 'code'])
    .where((eb) => eb.or([eb('code', 'in', codes.length ? codes : ['']), eb('id', 'in', ids.length ? ids : [''])]))
    .execute();
  return { codes: new Set(rows.map((r) => r.code)), ids: new Set(rows.map((r) => r.id)) };
}

/** PostgreSQL's unique_violation, from either driver. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * A row elsewhere still points at this one: foreign_key_violation, or restrict_violation where the
 * reference says `on delete restrict` (newer PostgreSQL, PGlite), from either driver.
 */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === '23503' || code === '23001';
}
