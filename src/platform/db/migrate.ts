// Applies migrations/NNNN_name.sql in order, each in its own transaction, as
// the owner role, under an advisory lock so that processes starting together
// apply each migration exactly once.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ensureRoles, prepareDatabase, ROLES, type RolePasswords } from './roles.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const MIGRATION_LOCK = 'select pg_advisory_lock(hashtext($1))';
const MIGRATION_UNLOCK = 'select pg_advisory_unlock(hashtext($1))';
const LOCK_KEY = 'tessera.migrate';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name ${file} does not match NNNN_name.sql`);
    const sql = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2] ?? file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${migration.version} is out of sequence`);
  });
  return migrations;
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

export async function migrate(adminUrl: string, passwords: RolePasswords = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations();
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(MIGRATION_LOCK, [LOCK_KEY]);
    await ensureRoles(client, passwords);
    await prepareDatabase(client);
    await client.query(`set role ${ROLES.owner}`);
    await client.query(`create table if not exists tessera_migrations (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now())`);
    await client.query(`grant select on tessera_migrations to ${ROLES.app}, ${ROLES.operator}`);
    const { rows } = await client.query<{ version: number; checksum: string }>(
      'select version, checksum from tessera_migrations order by version',
    );
    const done = new Map(rows.map((row) => [row.version, row.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const checksum = done.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`migration ${migration.version}_${migration.name} was changed after it was applied`);
        }
        continue;
      }
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query('insert into tessera_migrations (version, name, checksum) values ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(`${String(migration.version).padStart(4, '0')}_${migration.name}`);
    }
    return { applied, current: migrations.length };
  } finally {
    await client.query('reset role').catch(() => undefined);
    await client.query(MIGRATION_UNLOCK, [LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/** The number of the newest migration this code expects; /readyz compares against it. */
export async function expectedMigrationVersion(): Promise<number> {
  return (await loadMigrations()).length;
}
