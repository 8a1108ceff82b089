// Migrations: two processes starting together apply each migration exactly
// once; a second run is a no-op; an edited, already applied migration stops.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { withDatabase } from '../../src/platform/db/connection-urls.ts';
import { loadMigrations, migrate } from '../../src/platform/db/migrate.ts';

describe('migrations', () => {
  const serverUrl = process.env.DATABASE_URL ?? '';
  const name = `tessera_test_migrate_${randomBytes(4).toString('hex')}`;
  const adminUrl = withDatabase(serverUrl, name);

  before(async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`create database ${name}`);
    await client.end();
  });
  after(async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  });

  test('concurrent runs apply every migration exactly once', async () => {
    const expected = (await loadMigrations()).length;
    const results = await Promise.all([migrate(adminUrl), migrate(adminUrl), migrate(adminUrl)]);
    const applied = results.flatMap((result) => result.applied);
    assert.equal(applied.length, expected, 'each migration applied by exactly one run');
    assert.equal(new Set(applied).size, expected);
    const again = await migrate(adminUrl);
    assert.deepEqual(again.applied, []);
    assert.equal(again.current, expected);
  });

  test('a migration changed after it was applied stops the run', async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`update tessera_migrations set checksum = 'edited' where version = 1`);
    await client.end();
    await assert.rejects(migrate(adminUrl), /was changed after it was applied/);
  });
});
