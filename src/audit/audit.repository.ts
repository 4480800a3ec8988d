import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { AuditLogTable } from '../platform/db/schema.ts';
import type { Selectable } from 'kysely';

export type AuditRow = Selectable<AuditLogTable>;
export type NewAuditRow = Omit<AuditRow, 'seq' | 'at' | 'prev_hash' | 'hash'>;

// Any constant shared by all nodes: appends take this lock so the chain has one order.
const AUDIT_LOCK = 740_002;

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  afterSeq?: number;
  limit: number;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** Appends rows in one transaction; `seal` computes each row's hash from its predecessor's. */
  async append(rows: NewAuditRow[], seal: (row: AuditRow) => string): Promise<AuditRow[]> {
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(trx);
      const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      let seq = last?.seq ?? 0;
      let prev = last?.hash ?? GENESIS;
      const sealed: AuditRow[] = [];
      for (const r of rows) {
        seq += 1;
        const row: AuditRow = { ...r, seq, at: new Date(), prev_hash: prev, hash: '' };
        row.hash = seal(row);
        prev = row.hash;
        sealed.push(row);
      }
      await trx
        .insertInto('audit_log')
        .values(sealed.map((r) => ({ ...r, details: JSON.stringify(r.details) }) as any))
        .execute();
      return sealed;
    });
  }

  async list(filter: AuditFilter): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.targetType) q = q.where('target_type', '=', filter.targetType);
    if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
    if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
    return q.orderBy('seq', 'desc').limit(filter.limit).execute();
  }

  /** Rows in chain order, a page at a time, for verification. */
  async page(afterSeq: number, limit: number): Promise<AuditRow[]> {
    return this.db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  }
}

export const GENESIS = '0'.repeat(64);
