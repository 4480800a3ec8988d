import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigSchema, type Config } from './config.schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Names the first problem of a zod error as `path: message`, the way a user reads it. */
export function describeZodIssue(issue: z.core.$ZodIssue, prefix = ''): string {
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `unknown key ${keys.join(', ')}`;
  }
  return `${path || '(root)'}: ${issue.message}`;
}

type Env = Record<string, string | undefined>;

function envOverrides(raw: Record<string, any>, env: Env, where: string): Record<string, any> {
  const out = structuredClone(raw);
  const set = (path: string[], value: unknown) => {
    let node = out;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key];
    }
    node[path[path.length - 1]] = value;
  };
  if (env.DATABASE_URL) set(['database', 'url'], env.DATABASE_URL);
  if (env.NATS_URL) set(['bus', 'natsUrl'], env.NATS_URL);
  if (env.SAFECITY_DATA_DIR) set(['dataDir'], env.SAFECITY_DATA_DIR);
  if (env.SAFECITY_ADMIN_PASSWORD) set(['auth', 'adminPassword'], env.SAFECITY_ADMIN_PASSWORD);
  if (env.SAFECITY_ADVERTISE_URL) set(['server', 'advertiseUrl'], env.SAFECITY_ADVERTISE_URL);
  // S3 credentials are secrets: they may come from the environment instead of the file (only where storage.s3 is set).
  const s3 = (raw as { storage?: { s3?: unknown } }).storage?.s3;
  if (s3 && typeof s3 === 'object') {
    if (env.S3_ACCESS_KEY_ID) set(['storage', 's3', 'accessKeyId'], env.S3_ACCESS_KEY_ID);
    if (env.S3_SECRET_ACCESS_KEY) set(['storage', 's3', 'secretAccessKey'], env.S3_SECRET_ACCESS_KEY);
  }
  if (env.PORT !== undefined && env.PORT !== '') {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(`PORT: must be a whole number from 0 to 65535, got "${env.PORT}" (${where})`);
    }
    set(['server', 'port'], port);
  }
  return out;
}

/** Parses config from YAML text plus environment; throws ConfigError naming the path of the first problem. */
export function parseConfig(yamlText: string, env: Env = process.env, where = 'safecity.yaml'): Config {
  let raw: unknown = {};
  if (yamlText.trim()) {
    const doc = parseDocument(yamlText, { prettyErrors: true });
    if (doc.errors.length) {
      const err = doc.errors[0];
      const line = err.linePos?.[0]?.line;
      throw new ConfigError(`${where}${line ? `:${line}` : ''}: ${err.message.split('\n')[0]}`);
    }
    raw = doc.toJS() ?? {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${where}: must be a mapping of keys to values`);
  }
  const merged = envOverrides(raw as Record<string, any>, env, where);
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(`${where}: ${describeZodIssue(result.error.issues[0])}`);
  const config = result.data;
  config.dataDir = resolve(config.dataDir);
  return config;
}

/** Loads the config file named by --config, SAFECITY_CONFIG, or ./safecity.yaml when present. */
export function loadConfig(file?: string, env: Env = process.env): Config {
  const path = file ?? env.SAFECITY_CONFIG ?? (existsSync('safecity.yaml') ? 'safecity.yaml' : undefined);
  if (!path) return parseConfig('', env, '(defaults)');
  if (!existsSync(path)) throw new ConfigError(`${path}: config file not found`);
  return parseConfig(readFileSync(path, 'utf8'), env, path);
}
