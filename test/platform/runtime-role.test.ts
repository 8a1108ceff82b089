// Connects as the runtime role itself: without the tenant setting it sees
// nothing and cannot write; with one tenant set it sees and writes only that
// tenant's rows. Isolation does not depend on the application's filters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { newId } from '../../src/platform/ids.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

const TENANT_TABLES = ['tenants', 'users', 'api_keys', 'api_key_usage', 'audit_log', 'outbox', 'refresh_tokens', 'invitations'];

describe('the runtime role under RLS', () => {
  let app: TestApp;
  let a: SignedUp;
  let b: SignedUp;
  let runtime: pg.Client;

  before(async () => {
    app = await startTestApp();
    a = await signup(app);
    b = await signup(app);
    runtime = new pg.Client({ connectionString: app.database.appUrl });
    await runtime.connect();
  });
  after(async () => {
    await runtime.end();
    await app.stop();
  });

  test('connects as tessera_app, which is neither superuser nor BYPASSRLS', async () => {
    const { rows } = await runtime.query('select current_user as role, rolsuper, rolbypassrls from pg_roles where rolname = current_user');
    assert.deepEqual(rows[0], { role: 'tessera_app', rolsuper: false, rolbypassrls: false });
  });

  test('without the tenant setting it sees no row of any tenant table', async () => {
    for (const table of TENANT_TABLES) {
      const { rows } = await runtime.query(`select count(*)::int as n from ${table}`);
      assert.equal(rows[0].n, 0, table);
    }
  });

  test('a reset (empty) setting sees nothing either', async () => {
    await runtime.query('begin');
    await runtime.query("select set_config('app.tenant_id', '', true)");
    const { rows } = await runtime.query('select count(*)::int as n from users');
    await runtime.query('rollback');
    assert.equal(rows[0].n, 0);
  });

  test('without the tenant setting it cannot write', async () => {
    await assert.rejects(
      runtime.query(`insert into audit_log (tenant_id, id, actor_type, action, target_type) values ($1, $2, 'system', 'x', 'y')`, [a.tenantId, newId()]),
      /row-level security/,
    );
    const updated = await runtime.query(`update users set nome = 'hijacked'`);
    assert.equal(updated.rowCount, 0);
    const deleted = await runtime.query('delete from users');
    assert.equal(deleted.rowCount, 0);
  });

  test('with tenant A set it sees only A and cannot write into B', async () => {
    await runtime.query('begin');
    try {
      await runtime.query("select set_config('app.tenant_id', $1, true)", [a.tenantId]);
      const tenants = await runtime.query<{ id: string }>('select id from tenants');
      assert.deepEqual(tenants.rows.map((row) => row.id), [a.tenantId]);
      const users = await runtime.query<{ tenant_id: string }>('select tenant_id from users');
      assert.ok(users.rows.length > 0);
      assert.ok(users.rows.every((row) => row.tenant_id === a.tenantId));
      const foreign = await runtime.query('update users set nome = $2 where tenant_id = $1', [b.tenantId, 'hijacked']);
      assert.equal(foreign.rowCount, 0);
      await assert.rejects(
        runtime.query(`insert into audit_log (tenant_id, id, actor_type, action, target_type) values ($1, $2, 'system', 'x', 'y')`, [b.tenantId, newId()]),
        /row-level security/,
      );
    } finally {
      await runtime.query('rollback');
    }
  });

  test('it cannot switch role, disable RLS, or change the audit log', async () => {
    for (const statement of [
      'set role tessera_owner',
      'set role postgres',
      'alter table users disable row level security',
      'set row_security = off; select * from users',
      'truncate audit_log',
      'delete from audit_log',
      'update audit_log set action = $$x$$',
      'create table sneaky (id int)',
      'drop policy tenant_isolation on users',
    ]) {
      await assert.rejects(runtime.query(statement), Error, statement);
    }
  });

  test('the operator role sees the tenant directory but no member data without a tenant', async () => {
    const operator = new pg.Client({ connectionString: app.database.operatorUrl });
    await operator.connect();
    try {
      const tenants = await operator.query<{ id: string }>('select id from tenants');
      assert.ok(tenants.rows.some((row) => row.id === a.tenantId) && tenants.rows.some((row) => row.id === b.tenantId));
      await assert.rejects(operator.query('select * from users'), /permission denied/);
      await assert.rejects(operator.query('select * from api_keys'), /permission denied/);
    } finally {
      await operator.end();
    }
  });
});
