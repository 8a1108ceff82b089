// Reads pg_catalog to prove the isolation rules hold for every table, including
// tables that later migrations add: no new table can forget them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { ROLES } from '../../src/platform/db/roles.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const POLICY_EXPRESSION = /tenant_id = \( SELECT \(NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)::uuid AS "nullif"\)/;

describe('catalogue: isolation rules for every table', () => {
  let database: TestDatabase;
  let client: pg.Client;
  let tenantTables: string[];

  before(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.adminUrl });
    await client.connect();
    const { rows } = await client.query<{ table: string }>(`
      select c.relname as table from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
      where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`);
    tenantTables = rows.map((row) => row.table);
  });
  after(async () => {
    await client.end();
    await database.drop();
  });

  test('the foundation tables carry tenant_id', () => {
    for (const table of ['users', 'api_keys', 'api_key_usage', 'audit_log', 'outbox', 'refresh_tokens', 'invitations']) {
      assert.ok(tenantTables.includes(table), `${table} should have tenant_id`);
    }
  });

  test('tenant_id is uuid not null on every tenant table', async () => {
    const { rows } = await client.query<{ table: string; type: string; notnull: boolean }>(`
      select c.relname as table, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull
      from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.relname = any($1) and a.attname = 'tenant_id'`, [tenantTables]);
    for (const row of rows) {
      assert.equal(row.type, 'uuid', row.table);
      assert.equal(row.notnull, true, row.table);
    }
  });

  test('RLS is enabled and forced, with the tenant policy, on every tenant table and on tenants', async () => {
    const { rows } = await client.query<{ table: string; enabled: boolean; forced: boolean }>(`
      select relname as table, relrowsecurity as enabled, relforcerowsecurity as forced
      from pg_class where relname = any($1)`, [[...tenantTables, 'tenants']]);
    assert.equal(rows.length, tenantTables.length + 1);
    for (const row of rows) {
      assert.equal(row.enabled, true, `${row.table}: RLS enabled`);
      assert.equal(row.forced, true, `${row.table}: RLS forced`);
    }
    const policies = await client.query<{ table: string; qual: string; roles: string[] }>(`
      select tablename as table, qual, roles::text[] as roles from pg_policies
      where schemaname = 'public' and policyname = 'tenant_isolation'`);
    for (const table of tenantTables) {
      const policy = policies.rows.find((row) => row.table === table);
      assert.ok(policy, `${table} has a tenant_isolation policy`);
      assert.match(policy.qual, POLICY_EXPRESSION, `${table} policy reads app.tenant_id once per statement`);
      assert.deepEqual(policy.roles, ['public'], `${table} policy applies to every role`);
    }
  });

  test('tenant_id leads every primary key and is part of every unique constraint and foreign key', async () => {
    const { rows } = await client.query<{ table: string; name: string; type: string; columns: string[] }>(`
      select c.relname as table, con.conname as name, con.contype as type,
             array(select a.attname from unnest(con.conkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.ord)::text[] as columns
      from pg_constraint con join pg_class c on c.oid = con.conrelid
      where c.relname = any($1) and con.contype in ('p', 'u', 'f')`, [tenantTables]);
    const primaryKeys = new Set(rows.filter((row) => row.type === 'p').map((row) => row.table));
    for (const table of tenantTables) assert.ok(primaryKeys.has(table), `${table} has a primary key`);
    for (const row of rows) {
      if (row.type === 'p') assert.equal(row.columns[0], 'tenant_id', `${row.table}.${row.name}: tenant_id leads the primary key`);
      else assert.ok(row.columns.includes('tenant_id'), `${row.table}.${row.name} (${row.type}) includes tenant_id`);
    }
    // Unique indexes created without a constraint must include tenant_id too.
    const indexes = await client.query<{ table: string; name: string; columns: string[] }>(`
      select t.relname as table, i.relname as name,
             array(select a.attname from unnest(x.indkey) k(attnum) join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum)::text[] as columns
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      where x.indisunique and t.relname = any($1)`, [tenantTables]);
    for (const index of indexes.rows) assert.ok(index.columns.includes('tenant_id'), `${index.table}.${index.name} includes tenant_id`);
  });

  test('no tenant table uses a sequence (serial or identity)', async () => {
    const { rows } = await client.query<{ table: string; column: string }>(`
      select c.relname as table, a.attname as column from pg_attribute a join pg_class c on c.oid = a.attrelid
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where c.relname = any($1) and a.attnum > 0 and not a.attisdropped
        and (a.attidentity <> '' or pg_get_expr(d.adbin, d.adrelid) like 'nextval(%')`, [tenantTables]);
    assert.deepEqual(rows, []);
  });

  test('the runtime and operator roles are not superuser, cannot bypass RLS and own nothing', async () => {
    for (const role of [ROLES.app, ROLES.operator]) {
      const { rows } = await client.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean }>(
        'select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = $1',
        [role],
      );
      assert.deepEqual(rows[0], { rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false }, role);
      const owned = await client.query(
        `select c.relname from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = $1
         union all select p.proname from pg_proc p join pg_roles r on r.oid = p.proowner where r.rolname = $1
         union all select n.nspname from pg_namespace n join pg_roles r on r.oid = n.nspowner where r.rolname = $1`,
        [role],
      );
      assert.deepEqual(owned.rows, [], `${role} owns nothing`);
      const membership = await client.query(
        `select b.rolname from pg_auth_members m join pg_roles a on a.oid = m.member join pg_roles b on b.oid = m.roleid where a.rolname = $1`,
        [role],
      );
      assert.deepEqual(membership.rows, [], `${role} is a member of no other role`);
    }
  });

  test('every table is owned by the owner role, which cannot bypass RLS either', async () => {
    const { rows } = await client.query<{ table: string; owner: string }>(`
      select c.relname as table, r.rolname as owner from pg_class c join pg_roles r on r.oid = c.relowner
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p')`);
    for (const row of rows) assert.equal(row.owner, ROLES.owner, row.table);
    const owner = await client.query('select rolsuper, rolbypassrls from pg_roles where rolname = $1', [ROLES.owner]);
    assert.deepEqual(owner.rows[0], { rolsuper: false, rolbypassrls: false });
  });

  test('the runtime role cannot update or delete audit entries', async () => {
    const { rows } = await client.query<{ privilege: string }>(`
      select privilege_type as privilege from information_schema.role_table_grants
      where grantee = $1 and table_name = 'audit_log' order by 1`, [ROLES.app]);
    assert.deepEqual(rows.map((row) => row.privilege), ['INSERT', 'SELECT']);
  });

  test('every SECURITY DEFINER function is owned by the narrow auth role and pins its search_path', async () => {
    const { rows } = await client.query<{ name: string; owner: string; config: string[] | null }>(`
      select p.proname as name, r.rolname as owner, p.proconfig as config from pg_proc p
      join pg_roles r on r.oid = p.proowner join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.prosecdef`);
    assert.ok(rows.length >= 2);
    for (const row of rows) {
      assert.equal(row.owner, ROLES.auth, row.name);
      assert.ok(row.config?.some((setting) => setting.startsWith('search_path=')), `${row.name} sets search_path`);
    }
  });
});
