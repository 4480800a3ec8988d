import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { AuditService } from '../audit/audit.service.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../platform/http/errors.ts';
import { pathInScope, type Actor } from './actor.ts';
import { IdentityRepository, type TokenRow, type UserRow } from './identity.repository.ts';
import { isRole, ROLE_PERMISSIONS, type Role } from './permissions.ts';

export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  scopePath: string;
  disabled: boolean;
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  user: PublicUser;
}

export interface IdentityOptions {
  tokenTtlMinutes: number;
  /** Says whether an org path exists (the network domain knows); scopes must name real units. */
  scopeExists?: (path: string) => Promise<boolean>;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const SCOPE = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;
// Verified when the username is unknown, so a wrong name costs as long as a wrong password.
const DUMMY_HASH = await argonHash('safecity-timing-equaliser');

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function toPublicUser(u: UserRow): PublicUser {
  return { id: u.id, username: u.username, displayName: u.display_name, role: u.role as Role, scopePath: u.scope_path, disabled: u.disabled };
}

export class IdentityService {
  constructor(
    private readonly repo: IdentityRepository,
    private readonly audit: AuditService,
    private readonly options: IdentityOptions,
  ) {}

  /**
   * First start: creates `admin` (province scope) when there are no users. Returns the password
   * when it was generated, so the caller can print it once.
   */
  async bootstrapAdmin(password?: string): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.repo.countUsers()) > 0) return { created: false };
    const generated = password ? undefined : randomBytes(12).toString('base64url');
    const user = await this.repo.insertUser({
      id: randomUUID(),
      username: 'admin',
      display_name: 'Administrator',
      password_hash: await argonHash(password ?? generated!),
      role: 'admin',
      scope_path: 'kp',
    });
    await this.audit.record(null, { action: 'user.create', targetType: 'user', targetId: user.id, scopePath: 'kp', details: { username: 'admin', role: 'admin', bootstrap: true } });
    return { created: true, generatedPassword: generated };
  }

  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    const user = await this.repo.findUserByName(username);
    const ok = await argonVerify(user?.password_hash ?? DUMMY_HASH, password).catch(() => false);
    if (!user || !ok || user.disabled || !user.password_hash) {
      await this.audit.record(
        user ? { ...this.actorOf(user), ip } : null,
        { action: 'auth.login', outcome: 'denied', targetType: 'user', targetId: user?.id, details: { username, ip, reason: user?.disabled ? 'disabled' : 'bad credentials' } },
      );
      throw new UnauthorizedError('wrong username or password');
    }
    const token = newSecret('sct');
    const expiresAt = new Date(Date.now() + this.options.tokenTtlMinutes * 60_000);
    const id = randomUUID();
    await this.repo.insertToken({ id, user_id: user.id, kind: 'session', token_hash: sha256(token), name: null, expires_at: expiresAt });
    await this.audit.record({ ...this.actorOf(user), ip, tokenId: id }, { action: 'auth.login', targetType: 'user', targetId: user.id });
    return { token, expiresAt: expiresAt.toISOString(), user: toPublicUser(user) };
  }

  async logout(actor: Actor): Promise<void> {
    if (actor.tokenId) await this.repo.revokeToken(actor.tokenId, actor.userId);
    await this.audit.record(actor, { action: 'auth.logout', targetType: 'user', targetId: actor.userId });
  }

  /** Token or API key → actor; null when unknown, expired, revoked or the user is disabled. */
  async authenticate(token: string, ip: string): Promise<Actor | null> {
    if (token.length > 200) return null;
    const found = await this.repo.findLiveToken(sha256(token), new Date());
    if (!found) return null;
    if (found.token.kind === 'api_key') await this.repo.touchToken(found.token.id, new Date());
    return { ...this.actorOf(found.user), ip, tokenId: found.token.id };
  }

  actorOf(user: UserRow): Actor {
    const role = isRole(user.role) ? user.role : 'device';
    return { userId: user.id, username: user.username, role, scopePath: user.scope_path, permissions: new Set(ROLE_PERMISSIONS[role]) };
  }

  async me(actor: Actor): Promise<PublicUser> {
    const user = await this.repo.findUser(actor.userId);
    if (!user) throw new NotFoundError('user', actor.userId);
    return toPublicUser(user);
  }

  async listUsers(actor: Actor, limit: number, offset: number): Promise<PublicUser[]> {
    const rows = await this.repo.listUsers(actor.scopePath, limit, offset);
    return rows.map(toPublicUser);
  }

  private async checkScope(actor: Actor, scopePath: string, field: string): Promise<void> {
    if (!SCOPE.test(scopePath)) throw new ValidationError('must be a dot-separated org path like kp.bannu', field);
    if (!pathInScope(actor.scopePath, scopePath)) throw new ForbiddenError(`${field}: ${scopePath} is outside your scope ${actor.scopePath}`);
    if (this.options.scopeExists && !(await this.options.scopeExists(scopePath))) throw new ValidationError(`no org unit ${scopePath}`, field);
  }

  private checkRoleGrant(actor: Actor, role: Role): void {
    // Nobody hands out more than they hold.
    const missing = ROLE_PERMISSIONS[role].filter((p) => !actor.permissions.has(p));
    if (missing.length) throw new ForbiddenError(`role: you may not grant ${role} (it includes ${missing[0]})`);
  }

  async createUser(actor: Actor, input: { username: string; displayName: string; role: Role; scopePath: string; password: string }): Promise<PublicUser> {
    if (!USERNAME.test(input.username)) throw new ValidationError('2-64 lower-case letters, digits, dot, dash or underscore', 'username');
    await this.checkScope(actor, input.scopePath, 'scopePath');
    this.checkRoleGrant(actor, input.role);
    if (await this.repo.findUserByName(input.username)) throw new ConflictError(`username ${input.username} is taken`, 'username');
    const user = await this.repo.insertUser({
      id: randomUUID(),
      username: input.username,
      display_name: input.displayName,
      password_hash: await argonHash(input.password),
      role: input.role,
      scope_path: input.scopePath,
    });
    await this.audit.record(actor, { action: 'user.create', targetType: 'user', targetId: user.id, scopePath: user.scope_path, details: { username: user.username, role: user.role } });
    return toPublicUser(user);
  }

  async updateUser(actor: Actor, id: string, patch: { displayName?: string; role?: Role; scopePath?: string; password?: string; disabled?: boolean }): Promise<PublicUser> {
    const user = await this.repo.findUser(id);
    if (!user || !pathInScope(actor.scopePath, user.scope_path)) throw new NotFoundError('user', id);
    if (patch.scopePath !== undefined) await this.checkScope(actor, patch.scopePath, 'scopePath');
    if (patch.role !== undefined) this.checkRoleGrant(actor, patch.role);
    if (id === actor.userId && (patch.disabled || (patch.role && patch.role !== actor.role))) {
      throw new ForbiddenError('you may not disable yourself or change your own role');
    }
    const updated = await this.repo.updateUser(id, {
      display_name: patch.displayName,
      role: patch.role,
      scope_path: patch.scopePath,
      disabled: patch.disabled,
      password_hash: patch.password !== undefined ? await argonHash(patch.password) : undefined,
    });
    const changed = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
    await this.audit.record(actor, { action: 'user.update', targetType: 'user', targetId: id, scopePath: updated!.scope_path, details: { changed } });
    return toPublicUser(updated!);
  }

  /** An API key for a device or integration account; the secret is returned once and kept only hashed. */
  async createApiKey(actor: Actor, input: { userId: string; name: string; expiresInDays?: number }): Promise<{ id: string; key: string; expiresAt: string | null }> {
    const user = await this.repo.findUser(input.userId);
    if (!user || !pathInScope(actor.scopePath, user.scope_path)) throw new NotFoundError('user', input.userId);
    const key = newSecret('sck');
    const id = randomUUID();
    const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
    await this.repo.insertToken({ id, user_id: user.id, kind: 'api_key', token_hash: sha256(key), name: input.name, expires_at: expiresAt });
    await this.audit.record(actor, { action: 'api_key.create', targetType: 'api_key', targetId: id, scopePath: user.scope_path, details: { userId: user.id, name: input.name } });
    return { id, key, expiresAt: expiresAt?.toISOString() ?? null };
  }

  async revokeApiKey(actor: Actor, id: string): Promise<void> {
    const token = await this.repo.findToken(id);
    const owner = token && (await this.repo.findUser(token.user_id));
    if (!token || token.kind !== 'api_key' || !owner || !pathInScope(actor.scopePath, owner.scope_path)) throw new NotFoundError('api key', id);
    await this.repo.revokeToken(id);
    await this.audit.record(actor, { action: 'api_key.revoke', targetType: 'api_key', targetId: id, scopePath: owner.scope_path });
  }

  async listApiKeys(actor: Actor): Promise<Array<Pick<TokenRow, 'id' | 'user_id' | 'name' | 'expires_at' | 'revoked_at' | 'last_used_at' | 'created_at'>>> {
    const users = actor.scopePath ? (await this.repo.listUsers(actor.scopePath, 10_000, 0)).map((u) => u.id) : null;
    const keys = await this.repo.listApiKeys(users);
    return keys.map(({ id, user_id, name, expires_at, revoked_at, last_used_at, created_at }) => ({ id, user_id, name, expires_at, revoked_at, last_used_at, created_at }));
  }
}
