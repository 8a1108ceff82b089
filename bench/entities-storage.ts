// Storage design measurement for indexed fields of custom entities (issue #4):
// (A) a typed side table `record_index` vs (B) typed slot columns on records.
// Throwaway database on DATABASE_URL's server (default the local one), queries
// run as tessera_app (`set role`) with app.tenant_id set, so RLS applies.
// Run: node --import tsx bench/entities-storage.ts   (env: TENANTS, PER_TENANT, BIG)
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from '../src/platform/db/connection-urls.ts';

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TENANTS = Number(process.env.TENANTS ?? 50);
const PER_TENANT = Number(process.env.PER_TENANT ?? 5000);
const BIG = Number(process.env.BIG ?? 300000);
const POLICY = `using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))`;

const SCHEMA = `
create table records (tenant_id uuid not null, id uuid not null, type_key text not null, data jsonb not null,
  -- (B) slots: 8 text, 4 number, 4 time
  t1 text, t2 text, t3 text, t4 text, t5 text, t6 text, t7 text, t8 text,
  n1 double precision, n2 double precision, n3 double precision, n4 double precision,
  d1 timestamptz, d2 timestamptz, d3 timestamptz, d4 timestamptz,
  primary key (tenant_id, id));
create index records_type_id on records (tenant_id, type_key, id);
alter table records enable row level security; alter table records force row level security;
create policy tenant_isolation on records ${POLICY};
grant select, insert, update, delete on records to tessera_app;
create table records_b (like records including all);
alter table records_b enable row level security; alter table records_b force row level security;
create policy tenant_isolation on records_b ${POLICY};
grant select, insert, update, delete on records_b to tessera_app;
${[...Array(8)].map((_, i) => `create index records_b_t${i + 1} on records_b (tenant_id, type_key, t${i + 1}) where t${i + 1} is not null;`).join('\n')}
${[...Array(4)].map((_, i) => `create index records_b_n${i + 1} on records_b (tenant_id, type_key, n${i + 1}) where n${i + 1} is not null;`).join('\n')}
${[...Array(4)].map((_, i) => `create index records_b_d${i + 1} on records_b (tenant_id, type_key, d${i + 1}) where d${i + 1} is not null;`).join('\n')}
create table record_index (tenant_id uuid not null, record_id uuid not null, type_key text not null, field_key text not null,
  position integer not null, value_text text, value_number double precision, value_date date, value_time timestamptz, value_bool boolean,
  is_unique boolean not null default false,
  primary key (tenant_id, record_id, field_key, position),
  foreign key (tenant_id, record_id) references records (tenant_id, id) on delete cascade);
create index record_index_text on record_index (tenant_id, type_key, field_key, value_text) where value_text is not null;
create index record_index_number on record_index (tenant_id, type_key, field_key, value_number) where value_number is not null;
create index record_index_date on record_index (tenant_id, type_key, field_key, value_date) where value_date is not null;
create index record_index_time on record_index (tenant_id, type_key, field_key, value_time) where value_time is not null;
create index record_index_bool on record_index (tenant_id, type_key, field_key, value_bool) where value_bool is not null;
alter table record_index enable row level security; alter table record_index force row level security;
create policy tenant_isolation on record_index ${POLICY};
grant select, insert, delete on record_index to tessera_app;`;

// 8 indexed fields: f1..f4 text, f5..f6 number, f7..f8 datetime.
const DATA_SQL = (i: string) => `jsonb_build_object('f1', 'code-' || ${i}, 'f2', 'city-' || (${i} % 100), 'f3', 'k' || (${i} % 1000), 'f4', 'e' || ${i} || '@x.io',
  'f5', (${i} % 500)::float8, 'f6', ${i}::float8 / 7, 'f7', '2025-01-01'::timestamptz + (${i} || ' minutes')::interval, 'f8', '2024-06-01'::timestamptz + (${i} || ' hours')::interval)`;
const SLOTS_FROM_DATA = `data->>'f1', data->>'f2', data->>'f3', data->>'f4', null, null, null, null,
  (data->>'f5')::float8, (data->>'f6')::float8, null, null, (data->>'f7')::timestamptz, (data->>'f8')::timestamptz, null, null`;

function entriesOf(id: string, d: Record<string, string | number>): unknown[][] {
  // [record_id, field_key, value_text, value_number, value_time]
  return [
    [id, 'f1', d.f1, null, null], [id, 'f2', d.f2, null, null], [id, 'f3', d.f3, null, null], [id, 'f4', d.f4, null, null],
    [id, 'f5', null, d.f5, null], [id, 'f6', null, d.f6, null], [id, 'f7', null, null, d.f7], [id, 'f8', null, null, d.f8],
  ];
}
const INSERT_ENTRIES = `insert into record_index (tenant_id, record_id, type_key, field_key, position, value_text, value_number, value_time)
  select current_setting('app.tenant_id')::uuid, u.r, 'case', u.f, 0, u.t, u.n, u.d
  from unnest($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::timestamptz[]) as u(r, f, t, n, d)`;

function sample(i: number): Record<string, string | number> {
  return { f1: `new-${i}-${randomBytes(4).toString('hex')}`, f2: `city-${i % 100}`, f3: `k${i % 1000}`, f4: `n${i}@x.io`, f5: i % 500, f6: i / 7, f7: new Date(1.7e12 + i * 60000).toISOString(), f8: new Date(1.7e12 + i * 3.6e6).toISOString() };
}

async function asTenant(client: pg.Client, tenant: string): Promise<void> {
  await client.query(`set role tessera_app; select set_config('app.tenant_id', '${tenant}', false)`);
}

async function timed(label: string, n: number, fn: (i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const seconds = (performance.now() - start) / 1000;
  const rate = n / seconds;
  console.log(`${label.padEnd(58)} ${rate.toFixed(0).padStart(8)} /s`);
  return rate;
}

async function main(): Promise<void> {
  const name = `tessera_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = withDatabase(server, name);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    console.log(`data: ${TENANTS} tenants x ${PER_TENANT} records + 1 tenant x ${BIG}; 8 indexed fields (4 text, 2 number, 2 datetime)`);
    await db.query(SCHEMA);
    const tenants = Array.from({ length: TENANTS }, () => randomUUID());
    const big = randomUUID();
    let t0 = performance.now();
    for (const [tenant, count] of [...tenants.map((t) => [t, PER_TENANT] as const), [big, BIG] as const]) {
      await db.query(`insert into records (tenant_id, id, type_key, data) select $1::uuid, gen_random_uuid(), 'case', ${DATA_SQL('i')} from generate_series(1, $2::int) i`, [tenant, count]);
    }
    await db.query(`insert into records_b select tenant_id, id, type_key, data, ${SLOTS_FROM_DATA} from records`);
    await db.query(`insert into record_index (tenant_id, record_id, type_key, field_key, position, value_text, value_number, value_time)
      select r.tenant_id, r.id, r.type_key, f.key, 0,
        case when f.key in ('f1','f2','f3','f4') then r.data->>f.key end,
        case when f.key in ('f5','f6') then (r.data->>f.key)::float8 end,
        case when f.key in ('f7','f8') then (r.data->>f.key)::timestamptz end
      from records r cross join (values ('f1'),('f2'),('f3'),('f4'),('f5'),('f6'),('f7'),('f8')) f(key)`);
    for (const table of ['records', 'records_b', 'record_index']) await db.query(`vacuum analyze ${table}`);
    console.log(`load: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const sizes = await db.query(`select relname, pg_size_pretty(pg_total_relation_size(oid)) as size from pg_class where relname in ('records', 'records_b', 'record_index')`);
    for (const row of sizes.rows) console.log(`size ${row.relname}: ${row.size}`);

    // Leakproofness of every operator the designs rely on.
    const leak = await db.query(`select o.oprname, format_type(o.oprleft, null) as l, format_type(o.oprright, null) as r, p.proleakproof
      from pg_operator o join pg_proc p on p.oid = o.oprcode
      where o.oprname in ('=', '<', '>=') and o.oprleft = o.oprright
        and o.oprleft in ('text'::regtype, 'float8'::regtype, 'date'::regtype, 'timestamptz'::regtype, 'bool'::regtype, 'uuid'::regtype, 'numeric'::regtype, 'jsonb'::regtype)
      order by 2, 1`);
    console.log('leakproof: ' + leak.rows.map((r) => `${r.l} ${r.oprname} ${r.proleakproof}`).join(', '));

    const app = new pg.Client({ connectionString: url });
    await app.connect();
    await asTenant(app, big);
    const LOOKUP_A = `select id, data from records where type_key = 'case' and id in (select record_id from record_index where type_key = 'case' and field_key = 'f1' and value_text = $1)`;
    const LOOKUP_A_NUM = `select id, data from records where type_key = 'case' and id in (select record_id from record_index where type_key = 'case' and field_key = 'f6' and value_number = $1)`;
    const LOOKUP_B = `select id, data from records_b where type_key = 'case' and t1 = $1`;
    const LOOKUP_JSON = `select id, data from records where type_key = 'case' and data->>'f1' = $1`;
    for (const [label, sql, value] of [['A text', LOOKUP_A, 'code-777'], ['A number', LOOKUP_A_NUM, 777 / 7], ['B text', LOOKUP_B, 'code-777']] as const) {
      const plan = await app.query(`explain (analyze, format json) ${sql}`, [value]);
      const root = plan.rows[0]['QUERY PLAN'][0];
      const text = JSON.stringify(root.Plan);
      const scans = [...text.matchAll(/"Node Type":"([^"]+)"(?:[^{}]*?"Index Name":"([^"]+)")?/g)].map((m) => m[1] + (m[2] ? `(${m[2]})` : ''));
      console.log(`explain ${label}: ${scans.join(' > ')}; planning ${root['Planning Time']} ms, execution ${root['Execution Time']} ms; seq scan: ${text.includes('Seq Scan')}`);
    }
    await timed('lookup A (side table, text equality, big tenant)', 3000, async (i) => void (await app.query(LOOKUP_A, [`code-${(i * 97) % BIG}`])));
    await timed('lookup A (side table, number equality, big tenant)', 3000, async (i) => void (await app.query(LOOKUP_A_NUM, [((i * 97) % BIG) / 7])));
    await timed('lookup B (slot column, text equality, big tenant)', 3000, async (i) => void (await app.query(LOOKUP_B, [`code-${(i * 97) % BIG}`])));
    await timed('lookup data->>f1 under RLS (no usable index), big tenant', 20, async (i) => void (await app.query(LOOKUP_JSON, [`code-${i}`])));
    await asTenant(app, tenants[0] as string);
    await timed('lookup A (side table), small tenant', 3000, async (i) => void (await app.query(LOOKUP_A, [`code-${(i * 7) % PER_TENANT}`])));
    await timed('lookup B (slot column), small tenant', 3000, async (i) => void (await app.query(LOOKUP_B, [`code-${(i * 7) % PER_TENANT}`])));

    // Inserts: single-record transactions and batches of 500, as the runtime role.
    const N = 2000;
    await timed('insert A single-row tx (record + 8 entries)', N, async (i) => {
      const id = randomUUID();
      const d = sample(i);
      const e = entriesOf(id, d);
      await app.query('begin');
      await app.query(`insert into records (tenant_id, id, type_key, data) values (current_setting('app.tenant_id')::uuid, $1, 'case', $2)`, [id, d]);
      await app.query(INSERT_ENTRIES, [e.map((x) => x[0]), e.map((x) => x[1]), e.map((x) => x[2]), e.map((x) => x[3]), e.map((x) => x[4])]);
      await app.query('commit');
    });
    await timed('insert A single-row tx, record + entries in one statement', N, async (i) => {
      const id = randomUUID();
      const d = sample(i);
      const e = entriesOf(id, d);
      await app.query('begin');
      await app.query(`with r as (insert into records (tenant_id, id, type_key, data) values (current_setting('app.tenant_id')::uuid, $6, 'case', $7))
        ${INSERT_ENTRIES}`, [e.map((x) => x[0]), e.map((x) => x[1]), e.map((x) => x[2]), e.map((x) => x[3]), e.map((x) => x[4]), id, d]);
      await app.query('commit');
    });
    await timed('insert B single-row tx (record with slots)', N, async (i) => {
      const d = sample(i);
      await app.query('begin');
      await app.query(`insert into records_b (tenant_id, id, type_key, data, t1, t2, t3, t4, n1, n2, d1, d2)
        values (current_setting('app.tenant_id')::uuid, $1, 'case', $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [randomUUID(), d, d.f1, d.f2, d.f3, d.f4, d.f5, d.f6, d.f7, d.f8]);
      await app.query('commit');
    });
    await timed('insert none (record only, no index entries) single-row tx', N, async (i) => {
      await app.query('begin');
      await app.query(`insert into records (tenant_id, id, type_key, data) values (current_setting('app.tenant_id')::uuid, $1, 'case', $2)`, [randomUUID(), sample(i)]);
      await app.query('commit');
    });
    const BATCH = 500;
    const batches = 10;
    const rateA = await timed(`insert A batches of ${BATCH} (batches/s)`, batches, async (b) => {
      const rows = Array.from({ length: BATCH }, (_, i) => ({ id: randomUUID(), d: sample(b * BATCH + i) }));
      const e = rows.flatMap((r) => entriesOf(r.id, r.d));
      await app.query('begin');
      await app.query(`insert into records (tenant_id, id, type_key, data) select current_setting('app.tenant_id')::uuid, u.id, 'case', u.d from unnest($1::uuid[], $2::jsonb[]) u(id, d)`, [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.d))]);
      await app.query(INSERT_ENTRIES, [e.map((x) => x[0]), e.map((x) => x[1]), e.map((x) => x[2]), e.map((x) => x[3]), e.map((x) => x[4])]);
      await app.query('commit');
    });
    console.log(`  = ${(rateA * BATCH).toFixed(0)} records/s`);
    const rateB = await timed(`insert B batches of ${BATCH} (batches/s)`, batches, async (b) => {
      const rows = Array.from({ length: BATCH }, (_, i) => ({ id: randomUUID(), d: sample(b * BATCH + i) }));
      await app.query('begin');
      await app.query(`insert into records_b (tenant_id, id, type_key, data, t1, t2, t3, t4, n1, n2, d1, d2)
        select current_setting('app.tenant_id')::uuid, u.id, 'case', u.d, u.d->>'f1', u.d->>'f2', u.d->>'f3', u.d->>'f4', (u.d->>'f5')::float8, (u.d->>'f6')::float8, (u.d->>'f7')::timestamptz, (u.d->>'f8')::timestamptz
        from unnest($1::uuid[], $2::jsonb[]) u(id, d)`, [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.d))]);
      await app.query('commit');
    });
    console.log(`  = ${(rateB * BATCH).toFixed(0)} records/s`);
    await app.end();
  } finally {
    await db.end();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

await main();
