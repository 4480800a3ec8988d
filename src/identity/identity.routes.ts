import { z } from 'zod';
import type { App } from '../platform/http/app.ts';
import { AUTHENTICATED, PUBLIC, requires } from '../platform/http/access.ts';
import type { IdentityService } from './identity.service.ts';
import { Permission, ROLES } from './permissions.ts';

const User = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  scopePath: z.string(),
  disabled: z.boolean(),
});
const Password = z.string().min(8, 'must be at least 8 characters').max(200);
const Paging = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export function registerIdentityRoutes(app: App, identity: IdentityService): void {
  app.post('/api/auth/login', {
    config: { access: PUBLIC },
    schema: {
      tags: ['identity'],
      summary: 'Log in with username and password; returns a bearer token.',
      body: z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }),
      response: { 200: z.object({ token: z.string(), expiresAt: z.string(), user: User }) },
    },
  }, async (req) => identity.login(req.body.username, req.body.password, req.ip));

  app.post('/api/auth/logout', { config: { access: AUTHENTICATED }, schema: { tags: ['identity'] } }, async (req, reply) => {
    await identity.logout(req.actor);
    return reply.code(204).send();
  });

  app.get('/api/me', { config: { access: AUTHENTICATED }, schema: { tags: ['identity'], response: { 200: User } } }, async (req) => identity.me(req.actor));

  app.get('/api/users', {
    config: { access: requires(Permission.UsersRead) },
    schema: { tags: ['identity'], querystring: Paging, response: { 200: z.object({ items: z.array(User), total: z.number() }) } },
  }, async (req) => {
    const items = await identity.listUsers(req.actor, req.query.limit, req.query.offset);
    return { items, total: items.length };
  });

  app.post('/api/users', {
    config: { access: requires(Permission.UsersWrite) },
    schema: {
      tags: ['identity'],
      body: z.strictObject({
        username: z.string().min(2).max(64),
        displayName: z.string().min(1).max(200),
        role: z.enum(ROLES),
        scopePath: z.string().min(1).max(300),
        password: Password,
      }),
      response: { 201: User },
    },
  }, async (req, reply) => reply.code(201).send(await identity.createUser(req.actor, req.body)));

  app.patch('/api/users/:id', {
    config: { access: requires(Permission.UsersWrite) },
    schema: {
      tags: ['identity'],
      params: z.strictObject({ id: z.string().min(1).max(100) }),
      body: z.strictObject({
        displayName: z.string().min(1).max(200).optional(),
        role: z.enum(ROLES).optional(),
        scopePath: z.string().min(1).max(300).optional(),
        password: Password.optional(),
        disabled: z.boolean().optional(),
      }),
      response: { 200: User },
    },
  }, async (req) => identity.updateUser(req.actor, req.params.id, req.body));

  app.get('/api/api-keys', { config: { access: requires(Permission.ApiKeysWrite) }, schema: { tags: ['identity'] } }, async (req) => {
    const items = await identity.listApiKeys(req.actor);
    return { items, total: items.length };
  });

  app.post('/api/api-keys', {
    config: { access: requires(Permission.ApiKeysWrite) },
    schema: {
      tags: ['identity'],
      summary: 'Create an API key for a device or integration account. The key is shown once.',
      body: z.strictObject({ userId: z.string().min(1).max(100), name: z.string().min(1).max(200), expiresInDays: z.number().int().min(1).max(3650).optional() }),
      response: { 201: z.object({ id: z.string(), key: z.string(), expiresAt: z.string().nullable() }) },
    },
  }, async (req, reply) => reply.code(201).send(await identity.createApiKey(req.actor, req.body)));

  app.delete('/api/api-keys/:id', {
    config: { access: requires(Permission.ApiKeysWrite) },
    schema: { tags: ['identity'], params: z.strictObject({ id: z.string().min(1).max(100) }) },
  }, async (req, reply) => {
    await identity.revokeApiKey(req.actor, req.params.id);
    return reply.code(204).send();
  });
}
