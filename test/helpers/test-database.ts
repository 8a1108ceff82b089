// A throwaway database per test file, migrated from scratch, dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from '../../src/platform/db/connection-urls.ts';
import { migrate } from '../../src/platform/db/migrate.ts';

export interface TestDatabase {
  name: string;
  adminUrl: string;
  appUrl: string;
  operatorUrl: string;
  drop(): Promise<void>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with npm test`);
  return value;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = required('DATABASE_URL');
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const adminUrl = withDatabase(serverUrl, name);
  await migrate(adminUrl);
  return {
    name,
    adminUrl,
    appUrl: withDatabase(required('DATABASE_APP_URL'), name),
    operatorUrl: withDatabase(required('DATABASE_OPERATOR_URL'), name),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
