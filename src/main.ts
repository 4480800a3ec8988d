import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { loadConfig, ConfigError } from './config/config.ts';
import { configJsonSchema, type Config } from './config/config.schema.ts';
import { createPlatform, startPlatform, type Platform } from './server.ts';
import { openDatabase } from './platform/db/database.ts';
import { migrate } from './platform/db/migrate.ts';
import { importFromFile, ImportFileError } from './network/import.service.ts';
import { SYSTEM_ACTOR } from './identity/actor.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { AuditService } from './audit/audit.service.ts';

const HELP = `safecity — Safe City platform

usage: safecity <command> [options]

commands:
  demo                  start the platform with the demo city (KP network, simulated cameras)
  serve                 start the platform
  migrate               apply database migrations and exit
  config schema         print the JSON Schema of safecity.yaml
  config check [FILE]   validate the configuration (or FILE) and print it (secrets hidden)
  audit verify          check the audit log's hash chain; exit 1 naming the first bad row
  import cameras FILE   import cameras from CSV or GeoJSON (all or nothing)
  import sites FILE     import sites from CSV or GeoJSON (all or nothing)
  sql "QUERY"           run one SQL statement on the configured database and print the rows (operators' tool)

options:
  --config FILE         configuration file (default: $SAFECITY_CONFIG or ./safecity.yaml if present)
  -h, --help            show this help

environment: DATABASE_URL, NATS_URL, SAFECITY_DATA_DIR, PORT, SAFECITY_ADMIN_PASSWORD override the file.`;

/** A mistake the user made on the command line: one line, exit 2. */
class UsageError extends Error {}

const log = (message: string) => console.log(`[safecity] ${message}`);

function hideSecrets(config: Config): unknown {
  return JSON.parse(JSON.stringify(config, (key, value) => {
    if ((key === 'adminPassword' || key === 'secretAccessKey') && value) return '***';
    if ((key === 'url' || key === 'natsUrl') && typeof value === 'string') return value.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
    return value;
  }));
}

async function withPlatform<T>(config: Config, fn: (p: Platform) => Promise<T>): Promise<T> {
  const platform = await createPlatform({ config });
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

async function serve(config: Config, demo: boolean): Promise<void> {
  const running = await startPlatform({ config, demo, log });
  if (running.generatedAdminPassword) {
    console.log(`\n  First start: user "admin" was created with password: ${running.generatedAdminPassword}\n  It is shown only this once. Set SAFECITY_ADMIN_PASSWORD to choose it yourself.\n`);
  }
  log(`console and API at ${running.url}  (OpenAPI: ${running.url}/openapi.json)`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  const [command, sub, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    console.log(HELP);
    return command || parsed.values.help ? 0 : 2;
  }
  const config = () => loadConfig(parsed.values.config);

  switch (command) {
    case 'serve':
    case 'demo':
      if (sub) throw new UsageError(`${command} takes no arguments (got "${sub}")`);
      await serve(config(), command === 'demo');
      return -1; // keeps running
    case 'migrate': {
      const c = config();
      const database = await openDatabase({ url: c.database.url, dataDir: c.dataDir });
      try {
        const n = await migrate(database.db, undefined, log);
        log(n ? `${n} migration(s) applied to ${database.location}` : `database ${database.location} is up to date`);
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'config':
      if (sub === 'schema') {
        if (rest.length) throw new UsageError(`config schema takes no arguments (got "${rest[0]}")`);
        console.log(JSON.stringify(configJsonSchema(), null, 2));
        return 0;
      }
      if (sub === 'check') {
        // `config check FILE` checks that file; without one, the configuration a start would use.
        if (rest.length > 1 || (rest.length && parsed.values.config)) throw new UsageError('config check takes one file: config check FILE, or --config FILE');
        console.log(JSON.stringify(hideSecrets(rest.length ? loadConfig(rest[0]) : config()), null, 2));
        return 0;
      }
      throw new UsageError(`config: expected "schema" or "check", got ${sub ? `"${sub}"` : 'nothing'}`);
    case 'audit': {
      if (sub !== 'verify') throw new UsageError(`audit: expected "verify", got ${sub ? `"${sub}"` : 'nothing'}`);
      const c = config();
      const database = await openDatabase({ url: c.database.url, dataDir: c.dataDir });
      try {
        await migrate(database.db);
        const audit = new AuditService(new AuditRepository(database.db));
        const result = await audit.verify((rows) => process.stderr.write(`\r[safecity] verified ${rows} rows`));
        process.stderr.write('\n');
        if (result.ok) {
          console.log(`audit log intact: ${result.rows} rows verified`);
          return 0;
        }
        console.log(`audit log BROKEN at row ${result.brokenAt!.seq}: ${result.brokenAt!.problem} (${result.rows} rows verified before it)`);
        return 1;
      } finally {
        await database.close();
      }
    }
    case 'import': {
      if (sub !== 'cameras' && sub !== 'sites') throw new UsageError(`import: expected "cameras" or "sites", got ${sub ? `"${sub}"` : 'nothing'}`);
      if (rest.length !== 1) throw new UsageError(`import ${sub}: expected one FILE`);
      return importFile(config(), sub, rest[0]);
    }
    case 'sql': {
      if (!sub || rest.length) throw new UsageError('sql: expected one quoted SQL statement');
      const c = config();
      const database = await openDatabase({ url: c.database.url, dataDir: c.dataDir });
      try {
        const result = await sql.raw(sub).execute(database.db);
        if (result.rows.length) console.table(result.rows);
        else console.log(`ok${result.numAffectedRows !== undefined ? `, ${result.numAffectedRows} row(s) affected` : ''}`);
      } finally {
        await database.close();
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}" (try safecity --help)`);
  }
}

async function importFile(config: Config, kind: 'cameras' | 'sites', file: string): Promise<number> {
  return withPlatform(config, async (p) => {
    try {
      const result = await importFromFile(p.network, kind, file, SYSTEM_ACTOR);
      console.log(`imported ${JSON.stringify(result)}`);
      return 0;
    } catch (err) {
      if (err instanceof ImportFileError) throw new UsageError(err.message);
      throw err;
    }
  });
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`safecity: ${err.message}`);
      process.exit(2);
    }
    console.error('safecity: failed:', err);
    process.exit(1);
  },
);
