import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { AuthTokenTable, UserTable } from '../platform/db/schema.ts';

export type UserRow = Selectable<UserTable>;
export type TokenRow = Selectable<AuthTokenTable>;

export type NewUser = Pick<Insertable<UserTable>, 'id' | 'username' | 'display_name' | 'password_hash' | 'role' | 'scope_path'>;

export class IdentityRepository {
  constructor(private readonly db: Db) {}

  countUsers(): Promise<number> {
    return this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  findUserByName(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  findUser(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertUser(user: NewUser): Promise<UserRow> {
    return this.db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  }

  async updateUser(id: string, patch: Partial<Pick<UserRow, 'display_name' | 'password_hash' | 'role' | 'scope_path' | 'disabled'>>): Promise<UserRow | undefined> {
    return this.db.updateTable('users').set({ ...patch, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirst();
  }

  /** Users whose scope lies inside `scope` ('' = all). */
  listUsers(scope: string, limit: number, offset: number): Promise<UserRow[]> {
    let q = this.db.selectFrom('users').selectAll();
    if (scope) q = q.where((eb) => eb.or([eb('scope_path', '=', scope), eb('scope_path', 'like', `${scope}.%`)]));
    return q.orderBy('username').limit(limit).offset(offset).execute();
  }

  insertToken(token: Omit<TokenRow, 'created_at' | 'last_used_at' | 'revoked_at'>): Promise<void> {
    return this.db.insertInto('auth_tokens').values(token).execute().then(() => undefined);
  }

  /** The live token and its enabled user, or undefined. */
  async findLiveToken(tokenHash: string, now: Date): Promise<{ token: TokenRow; user: UserRow } | undefined> {
    const row = await this.db
      .selectFrom('auth_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .selectAll('t')
      .select(['u.username', 'u.display_name', 'u.role', 'u.scope_path', 'u.disabled', 'u.password_hash', 'u.created_at as u_created_at', 'u.updated_at as u_updated_at'])
      .where('t.token_hash', '=', tokenHash)
      .where('t.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', now)]))
      .where('u.disabled', '=', false)
      .executeTakeFirst();
    if (!row) return undefined;
    const token: TokenRow = {
      id: row.id, user_id: row.user_id, kind: row.kind, token_hash: row.token_hash, name: row.name,
      expires_at: row.expires_at, revoked_at: row.revoked_at, last_used_at: row.last_used_at, created_at: row.created_at,
    };
    const user: UserRow = {
      id: row.user_id, username: row.username, display_name: row.display_name, password_hash: row.password_hash,
      role: row.role, scope_path: row.scope_path, disabled: row.disabled, created_at: row.u_created_at, updated_at: row.u_updated_at,
    };
    return { token, user };
  }

  async touchToken(id: string, at: Date): Promise<void> {
    await this.db.updateTable('auth_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async revokeToken(id: string, userId?: string): Promise<boolean> {
    let q = this.db.updateTable('auth_tokens').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null);
    if (userId) q = q.where('user_id', '=', userId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  findToken(id: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('auth_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listApiKeys(userIds: string[] | null): Promise<TokenRow[]> {
    let q = this.db.selectFrom('auth_tokens').selectAll().where('kind', '=', 'api_key');
    if (userIds) q = q.where('user_id', 'in', userIds.length ? userIds : ['']);
    return q.orderBy('created_at', 'desc').execute();
  }
}
