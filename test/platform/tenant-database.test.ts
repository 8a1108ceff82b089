// The tenant transaction helper: one round trip for the setting and the first
// statement, commit and rollback, and refusal of inactive organisations.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pipelined } from '../../src/platform/db/pipelined-query.ts';
import { fromSqlState } from '../../src/platform/db/sqlstate.ts';
import { newId } from '../../src/platform/ids.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

describe('tenant transactions', () => {
  let app: TestApp;
  let a: SignedUp;
  let b: SignedUp;

  before(async () => {
    app = await startTestApp();
    a = await signup(app);
    b = await signup(app);
  });
  after(async () => {
    await app.stop();
  });

  test('pipelined() answers the main statement after its preludes, in one implicit transaction', async () => {
    const client = new pg.Client({ connectionString: app.database.appUrl });
    await client.connect();
    try {
      const result = await pipelined<{ tenant: string; n: number }>(
        client,
        [{ text: "select set_config('app.tenant_id', $1, true)", values: [a.tenantId] }],
        { text: "select current_setting('app.tenant_id') as tenant, (select count(*)::int from users) as n", values: [] },
      );
      assert.deepEqual(result.rows, [{ tenant: a.tenantId, n: 1 }]);
      // The setting was transaction-local: gone after the Sync.
      const after = await client.query("select coalesce(current_setting('app.tenant_id', true), '') as tenant");
      assert.equal(after.rows[0].tenant, '');
      // An error in a prelude skips the main statement and leaves the connection usable.
      await assert.rejects(
        pipelined(client, [{ text: 'select 1/0', values: [] }], { text: 'select 1', values: [] }),
        /division by zero/,
      );
      assert.equal((await client.query('select 2 as two')).rows[0].two, 2);
    } finally {
      await client.end();
    }
  });

  test('query() sees only the scoped tenant', async () => {
    const { rows } = await app.db.tenant.query<{ id: string }>({ tenantId: a.tenantId, userId: null }, 'select id from tenants');
    assert.deepEqual(rows.map((row) => row.id), [a.tenantId]);
  });

  test('transaction() commits on success and rolls back on error', async () => {
    const scope = { tenantId: a.tenantId, userId: null };
    const insert = `insert into outbox (tenant_id, id, event_type, subject_type, payload) values (current_setting('app.tenant_id')::uuid, $1, 'test', 'test', '{}')`;
    const kept = newId();
    await app.db.tenant.transaction(scope, (tx) => tx.query(insert, [kept]));
    const lost = newId();
    await assert.rejects(
      app.db.tenant.transaction(scope, async (tx) => {
        await tx.query(insert, [lost]);
        throw new Error('boom');
      }),
      /boom/,
    );
    const { rows } = await app.db.tenant.query<{ id: string }>(scope, 'select id from outbox where id = any($1)', [[kept, lost]]);
    assert.deepEqual(rows.map((row) => row.id), [kept]);
  });

  test('a transaction that runs no statement sends nothing and returns the result', async () => {
    const value = await app.db.tenant.transaction({ tenantId: a.tenantId, userId: null }, async () => 42);
    assert.equal(value, 42);
  });

  test('entering a suspended organisation is refused with 403 organisation-inactive', async () => {
    const admin = new pg.Client({ connectionString: app.database.adminUrl });
    await admin.connect();
    try {
      await admin.query(`update tenants set status = 'suspended' where id = $1`, [b.tenantId]);
      const error = await app.db.tenant.query({ tenantId: b.tenantId, userId: null }, 'select 1').then(
        () => null,
        (failure: unknown) => failure,
      );
      assert.equal(fromSqlState(error)?.definition.code, 'organisation-inactive');
      // Operators (requireActive: false) may still enter it.
      const { rows } = await app.db.tenant.query<{ status: string }>(
        { tenantId: b.tenantId, userId: null, requireActive: false },
        'select status from tenants',
      );
      assert.deepEqual(rows, [{ status: 'suspended' }]);
    } finally {
      await admin.query(`update tenants set status = 'active' where id = $1`, [b.tenantId]);
      await admin.end();
    }
  });

  test('a member whose role differs from the token is refused with 401 membership-changed', async () => {
    const error = await app.db.tenant
      .query({ tenantId: a.tenantId, userId: a.userId, role: 'cliente' }, 'select 1')
      .then(() => null, (failure: unknown) => failure);
    assert.equal(fromSqlState(error)?.definition.code, 'membership-changed');
    const ok = await app.db.tenant.query({ tenantId: a.tenantId, userId: a.userId, role: 'gestor' }, 'select 1 as one');
    assert.deepEqual(ok.rows, [{ one: 1 }]);
  });
});
