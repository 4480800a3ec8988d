import { createHash } from 'node:crypto';
import type { Actor } from '../identity/actor.ts';
import { AuditRepository, GENESIS, type AuditFilter, type AuditRow, type NewAuditRow } from './audit.repository.ts';

export interface AuditEntry {
  /** What happened, `<thing>.<verb>`: `camera.list`, `camera.view`, `camera.update`, `auth.login` … */
  action: string;
  outcome?: 'ok' | 'denied' | 'failed';
  targetType?: string;
  targetId?: string;
  /** Org path of what was touched, so a supervisor can review their area. */
  scopePath?: string;
  /** Why, where the action requires a stated reason (exports, watchlist searches). */
  reason?: string;
  details?: Record<string, unknown>;
}

export interface VerifyResult {
  ok: boolean;
  rows: number;
  /** The first row whose content, hash or position breaks the chain. */
  brokenAt?: { seq: number; problem: string };
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
    .join(',')}}`;
}

/** The hash of a row: SHA-256 over its predecessor's hash and every field of its own. */
export function hashRow(row: AuditRow): string {
  const body = canonical([
    row.seq, row.at.toISOString(), row.actor_id, row.actor_name, row.actor_role, row.action, row.outcome,
    row.target_type, row.target_id, row.scope_path, row.ip, row.reason, row.details, row.prev_hash,
  ]);
  return createHash('sha256').update(body).digest('hex');
}

/** The append-only, hash-chained record of every change and every read of sensitive data. */
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  async record(actor: Actor | null, entry: AuditEntry): Promise<void> {
    await this.recordMany(actor, [entry]);
  }

  async recordMany(actor: Actor | null, entries: AuditEntry[]): Promise<void> {
    if (!entries.length) return;
    const rows: NewAuditRow[] = entries.map((e) => ({
      actor_id: actor?.userId ?? null,
      actor_name: actor?.username ?? null,
      actor_role: actor?.role ?? null,
      action: e.action,
      outcome: e.outcome ?? 'ok',
      target_type: e.targetType ?? null,
      target_id: e.targetId ?? null,
      scope_path: e.scopePath ?? null,
      ip: actor?.ip ?? null,
      reason: e.reason ?? null,
      details: e.details ?? {},
    }));
    await this.repo.append(rows, hashRow);
  }

  list(filter: AuditFilter): Promise<AuditRow[]> {
    return this.repo.list(filter);
  }

  /** Walks the whole chain; any edited, deleted, inserted or reordered row breaks it. */
  async verify(onProgress?: (rows: number) => void): Promise<VerifyResult> {
    let prevHash = GENESIS;
    let expectedSeq = 1;
    let count = 0;
    for (;;) {
      const page = await this.repo.page(expectedSeq - 1, 5000);
      if (!page.length) break;
      for (const row of page) {
        if (row.seq !== expectedSeq) {
          return { ok: false, rows: count, brokenAt: { seq: expectedSeq, problem: `row ${expectedSeq} is missing (next row is ${row.seq})` } };
        }
        if (row.prev_hash !== prevHash) {
          return { ok: false, rows: count, brokenAt: { seq: row.seq, problem: `row ${row.seq} does not follow row ${row.seq - 1} (previous hash differs)` } };
        }
        if (hashRow(row) !== row.hash) {
          return { ok: false, rows: count, brokenAt: { seq: row.seq, problem: `row ${row.seq} was edited (its content no longer matches its hash)` } };
        }
        prevHash = row.hash;
        expectedSeq++;
        count++;
      }
      onProgress?.(count);
    }
    return { ok: true, rows: count };
  }
}
