import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RawServerDefault } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config/config.schema.ts';
import type { Actor } from '../../identity/actor.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import { AppError, ForbiddenError, UnauthorizedError, ValidationError } from './errors.ts';
import './access.ts';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface HttpDeps {
  config: Config;
  /** Resolves a bearer token or API key to its actor, or null when unknown/expired/revoked. */
  authenticate(token: string, ip: string): Promise<Actor | null>;
  audit: AuditService;
  /** Folder of the built console; served at / with SPA fallback when it exists. */
  webDir?: string;
}

const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

function fieldOf(err: FastifyError & { validation?: any[]; validationContext?: string }): { field: string; message: string } {
  const first = err.validation?.[0];
  const context = err.validationContext ?? 'body';
  const path = String(first?.instancePath ?? '').split('/').filter(Boolean);
  if (first?.keyword === 'unrecognized_keys' && Array.isArray(first.params?.keys)) {
    const field = [context, ...path, first.params.keys[0]].join('.');
    return { field, message: `${field}: unknown field` };
  }
  const field = [context, ...path].join('.');
  return { field, message: `${field}: ${first?.message ?? 'invalid'}` };
}

/** Path of the first string (or key) holding a NUL character, or undefined. */
function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\u0000')) return path;
    const found = findNul(child, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export async function buildHttpApp(deps: HttpDeps): Promise<App> {
  const { config } = deps;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.query.token'],
    },
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/geo+json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new AppError(400, 'bad_json', 'body: not valid JSON'), undefined);
    }
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'safecity API', version: '0.1.0', description: 'Safe City platform: camera network, video, AI, response, enforcement, evidence.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  app.addHook('onRoute', (route) => {
    const url = route.url;
    if (!url.startsWith('/api') || route.method === 'HEAD') return;
    if (!route.config?.access) throw new Error(`route ${route.method} ${url} declares no access rule`);
  });

  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config?.access;
    if (!access || access.kind === 'public') return;
    const query = req.query as Record<string, unknown> | undefined;
    const token = bearer(req.headers.authorization) ?? (req.routeOptions.config.tokenInQuery && typeof query?.token === 'string' ? query.token : undefined);
    if (!token) throw new UnauthorizedError('authentication required: send Authorization: Bearer <token>');
    const actor = await deps.authenticate(token, req.ip);
    if (!actor) throw new UnauthorizedError('token is invalid or expired');
    req.actor = actor;
    req.credential = token;
    if (access.kind === 'permission' && !actor.permissions.has(access.permission)) {
      await deps.audit.record(actor, {
        action: 'access.denied',
        outcome: 'denied',
        details: { method: req.method, route: req.routeOptions.url, permission: access.permission },
      });
      throw new ForbiddenError(`role ${actor.role} may not ${access.permission}`);
    }
  });

  // PostgreSQL text cannot hold NUL; refuse it at the door, naming the field, rather than fail in SQL.
  app.addHook('preValidation', async (req) => {
    for (const [part, value] of [['params', req.params], ['query', req.query], ['body', req.body]] as const) {
      const where = findNul(value, part);
      if (where) throw new ValidationError('must not contain NUL (\\u0000) characters', where);
    }
  });

  app.setErrorHandler((err: FastifyError & { validation?: any[]; validationContext?: string }, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err) || err.validation) {
      const { field, message } = fieldOf(err);
      return reply.code(400).send({ error: 'validation', message, field });
    }
    if (err instanceof AppError) {
      const body: Record<string, unknown> = { error: err.code, message: err.message };
      if (err.field) body.field = err.field;
      if (err.details !== undefined) body.details = err.details;
      return reply.code(err.status).send(body);
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: bad JSON, too large, unsupported media type …
      const message = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError ? 'body: not valid JSON' : err.message;
      return reply.code(status).send({ error: err.code ?? 'bad_request', message });
    }
    req.log.error({ err, url: req.url, actor: req.actor?.username }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: `internal error (request ${req.id})` });
  });

  const webDir = deps.webDir ?? WEB_DIST;
  const hasWeb = existsSync(join(webDir, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: ['index.html'] });

  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && hasWeb && !req.url.startsWith('/api') && !req.url.startsWith('/openapi')) {
      return reply.type('text/html').sendFile('index.html');
    }
    return reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  app.get('/openapi.json', { config: { access: { kind: 'public' } }, schema: { hide: true } }, async () => app.swagger());

  return app as unknown as App;
}
