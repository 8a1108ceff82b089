// The `tessera` command run as users run it: node bin/tessera.js in a child
// process, configured by the environment like the server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { verifyPassword } from '../../src/auth/index.ts';
import { withDatabase } from '../../src/platform/db/connection-urls.ts';
import { loadMigrations } from '../../src/platform/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function databaseEnv(database: { adminUrl: string; appUrl: string; operatorUrl: string }): Record<string, string> {
  return { DATABASE_URL: database.adminUrl, DATABASE_APP_URL: database.appUrl, DATABASE_OPERATOR_URL: database.operatorUrl };
}

async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('tessera CLI', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  before(async () => {
    database = await createTestDatabase();
    env = databaseEnv(database);
  });
  after(async () => {
    await database.drop();
  });

  test('--help lists the commands and exits 0', async () => {
    const result = await runCli(['--help'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: tessera <command>/);
    assert.match(result.stdout, /migrate/);
    assert.match(result.stdout, /operator create --email EMAIL/);
  });

  test('operator create prints a one-time password that matches the stored hash', async () => {
    const email = `Ops-${randomBytes(4).toString('hex')}@Platform.example`;
    const result = await runCli(['operator', 'create', '--email', email], env);
    assert.equal(result.code, 0, result.stderr);
    const password = /^Password: (\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(password, result.stdout);
    assert.equal(result.stdout.split(password).length, 2, 'the password is printed exactly once');
    assert.ok(password.length >= 20);

    const rows = await query<{ id: string; password_hash: string; disabled_at: Date | null }>(
      database.adminUrl,
      'select id, password_hash, disabled_at from operators where email = $1',
      [email.toLowerCase()],
    );
    assert.equal(rows.length, 1, 'stored once, lowercased');
    assert.ok(result.stdout.includes(rows[0]?.id ?? 'missing id'));
    assert.equal(rows[0]?.disabled_at, null);
    assert.ok(!rows[0]?.password_hash.includes(password), 'only a hash is stored');
    assert.ok(await verifyPassword(password, rows[0]?.password_hash ?? ''));
  });

  test('a duplicate email is refused with a clear message and exit code 1', async () => {
    const email = `dup-${randomBytes(4).toString('hex')}@platform.example`;
    assert.equal((await runCli(['operator', 'create', '--email', email], env)).code, 0);
    const again = await runCli(['operator', 'create', `--email=${email.toUpperCase()}`], env);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, new RegExp(`operator with the email ${email.replaceAll('.', '\\.')} already exists`));
    assert.doesNotMatch(again.stdout, /Password/);
    const rows = await query(database.adminUrl, 'select 1 from operators where email = $1', [email]);
    assert.equal(rows.length, 1);
  });

  test('a bad command line exits 2 and writes nothing', async () => {
    const before = await query<{ count: number }>(database.adminUrl, 'select count(*)::int as count from operators');
    const cases: Array<{ args: string[]; message: RegExp }> = [
      { args: ['operator', 'create', '--email', 'x@y'], message: /not a valid email address/ },
      { args: ['operator', 'create', '--email', 'no at sign'], message: /not a valid email address/ },
      { args: ['operator', 'create', '--email', ''], message: /not a valid email address/ },
      { args: ['operator', 'create'], message: /needs --email/ },
      { args: ['operator', 'create', '--email'], message: /--email/ },
      { args: ['operator', 'delete', '--email', 'a@b.example'], message: /Unknown command "operator delete"/ },
      { args: ['frobnicate'], message: /Unknown command/ },
      { args: ['migrate', '--force'], message: /Unknown option '--force'/ },
      { args: [], message: /No command given/ },
    ];
    for (const { args, message } of cases) {
      const result = await runCli(args, env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.match(result.stderr, /tessera --help/);
      assert.equal(result.stdout, '');
    }
    const afterwards = await query<{ count: number }>(database.adminUrl, 'select count(*)::int as count from operators');
    assert.deepEqual(afterwards, before);
  });

  test('an invalid configuration exits 78 and names the variable', async () => {
    const result = await runCli(['migrate'], { ...env, TESSERA_DB_POOL_SIZE: 'lots' });
    assert.equal(result.code, 78);
    assert.match(result.stderr, /Invalid configuration: TESSERA_DB_POOL_SIZE/);
  });

  test('an unreachable database exits 1 with a message, not a stack trace', async () => {
    const unreachable = 'postgres://postgres@127.0.0.1:1/nowhere';
    const result = await runCli(['migrate'], databaseEnv({ adminUrl: unreachable, appUrl: unreachable, operatorUrl: unreachable }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^tessera: Could not prepare the database at DATABASE_URL: /);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});

describe('tessera migrate', () => {
  let adminUrl: string;
  let serverUrl: string;
  let name: string;
  before(async () => {
    // A bare database, not migrated by the test helper: the CLI does it.
    serverUrl = process.env.DATABASE_URL ?? '';
    assert.ok(serverUrl, 'DATABASE_URL is not set: run the tests with npm test');
    name = `tessera_test_${randomBytes(6).toString('hex')}`;
    await query(serverUrl, `create database ${name}`);
    adminUrl = withDatabase(serverUrl, name);
  });
  after(async () => {
    await query(serverUrl, `drop database if exists ${name} with (force)`);
  });

  test('applies the migrations once, then reports the database up to date', async () => {
    const env = databaseEnv({
      adminUrl,
      appUrl: withDatabase(process.env.DATABASE_APP_URL ?? '', name),
      operatorUrl: withDatabase(process.env.DATABASE_OPERATOR_URL ?? '', name),
    });
    const expected = (await loadMigrations()).length;

    const first = await runCli(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Applied \d+ migrations?: 0001_foundation/);
    assert.match(first.stdout, new RegExp(`Database is at version ${expected}\\.`));

    const second = await runCli(['migrate'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `Database is up to date (version ${expected}).\n`);

    const applied = await query<{ version: number }>(adminUrl, 'select version from tessera_migrations order by version');
    assert.deepEqual(
      applied.map((row) => row.version),
      Array.from({ length: expected }, (_, index) => index + 1),
    );
  });
});
