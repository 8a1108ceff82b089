// The benchmark's database: a throwaway database on DATABASE_URL's server
// (dropped at the end), or, when DATABASE_URL is unset, an embedded
// PostgreSQL in a temporary directory (stopped and removed at the end).
// Either way it is migrated from scratch, as the tests' databases are.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { deriveConnectionUrls, withDatabase, type ConnectionUrls } from '../src/platform/db/connection-urls.ts';
import { startEmbeddedPostgres } from '../src/platform/db/embedded.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { ensureRoles, type RolePasswords } from '../src/platform/db/roles.ts';

export interface BenchDatabase extends ConnectionUrls {
  source: 'DATABASE_URL' | 'embedded PostgreSQL';
  serverVersion: string;
  /** Drops the database and stops the embedded server; safe to call twice. */
  dispose(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

interface Server {
  urls: ConnectionUrls;
  passwords: RolePasswords;
  source: BenchDatabase['source'];
  stop(): Promise<void>;
}

async function startServer(log: (line: string) => void): Promise<Server> {
  const configured = process.env.DATABASE_URL?.trim();
  if (configured) {
    return {
      urls: deriveConnectionUrls(configured, process.env.DATABASE_APP_URL?.trim() || null, process.env.DATABASE_OPERATOR_URL?.trim() || null),
      passwords: {},
      source: 'DATABASE_URL',
      stop: async () => undefined,
    };
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-bench-pg-'));
  log(`Starting an embedded PostgreSQL in ${dataDir}`);
  try {
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
    return {
      urls: embedded,
      passwords: { app: embedded.passwords.app, operator: embedded.passwords.operator },
      source: 'embedded PostgreSQL',
      stop: async () => {
        await embedded.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export async function createBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const server = await startServer(log);
  const name = `tessera_bench_${randomBytes(6).toString('hex')}`;
  let created = false;
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    try {
      if (created) await withClient(server.urls.adminUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    } finally {
      await server.stop();
    }
  };
  try {
    // Roles are cluster-wide: make sure they exist before the database is created.
    const serverVersion = await withClient(server.urls.adminUrl, async (admin) => {
      await ensureRoles(admin, server.passwords);
      await admin.query(`create database ${name}`);
      created = true;
      const { rows } = await admin.query<{ server_version: string }>('show server_version');
      return rows[0]?.server_version ?? 'unknown';
    });
    const adminUrl = withDatabase(server.urls.adminUrl, name);
    await migrate(adminUrl, server.passwords);
    return {
      source: server.source,
      serverVersion,
      adminUrl,
      appUrl: withDatabase(server.urls.appUrl, name),
      operatorUrl: withDatabase(server.urls.operatorUrl, name),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
