// Bulk data for `npm run bench:entities`, written directly with SQL as the
// database owner (the migration role, which bypasses RLS): loading millions
// of records through the API would take hours on a 2-core machine. The rows
// are exactly what the records service writes for a create: one `records`
// row (UUIDv7-shaped id, data validated by the type, type version 1) and one
// `record_index` row per indexed field, plus the `record_index_fields` rows
// that say the entries are complete (so listings use the index).
import pg from 'pg';
import { INDEXED_FIELDS } from './context.ts';

/** Organisations cloned from a signed-up one: same tenants row shape, same entity type and versions. */
export async function cloneTenants(admin: pg.Client, templateId: string, count: number, tag: string): Promise<string[]> {
  if (count <= 0) return [];
  // One transaction: entity_types' foreign key to its current version is deferred to the commit.
  await admin.query('begin');
  try {
  const { rows } = await admin.query<{ id: string }>(
    `insert into tenants (id, slug, nome, plano, ai_token_quota, vertical, status)
     select gen_random_uuid(), $2 || '-' || g, 'Filler ' || g, t.plano, t.ai_token_quota, t.vertical, t.status
     from tenants t, generate_series(1, $3::int) g where t.id = $1
     returning id`,
    [templateId, `filler-${tag}`, count],
  );
  const ids = rows.map((row) => row.id);
  await admin.query(
    `insert into entity_types (tenant_id, key, current_version, source, created_by)
     select n.id, e.key, e.current_version, e.source, e.created_by from entity_types e, unnest($2::uuid[]) n(id) where e.tenant_id = $1`,
    [templateId, ids],
  );
  await admin.query(
    `insert into entity_type_versions (tenant_id, type_key, version, definition, diff, change_kind, created_by)
     select n.id, v.type_key, v.version, v.definition, v.diff, v.change_kind, v.created_by
     from entity_type_versions v, unnest($2::uuid[]) n(id) where v.tenant_id = $1`,
    [templateId, ids],
  );
  await admin.query('commit');
  return ids;
  } catch (error) {
    await admin.query('rollback');
    throw error;
  }
}

// A UUIDv7-shaped id (millisecond time prefix, version 7, variant 10), as newId() makes.
const V7_ID = `(lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0') || '7'
  || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid`;

/** Appends `count` records of type `case` (and their index entries) to one organisation, in batches. */
export async function loadRecords(admin: pg.Client, tenantId: string, count: number, regions: number): Promise<void> {
  const BATCH = 100_000;
  for (let from = 1; from <= count; from += BATCH) {
    const to = Math.min(count, from + BATCH - 1);
    // One statement: the records, then the index entries of exactly those records.
    await admin.query(
      `with inserted as (
         insert into records (tenant_id, id, type_key, type_version, data)
         select $1, ${V7_ID}, 'case', 1, jsonb_build_object(
           'title', 'Case ' || g, 'status', (array['open', 'pending', 'closed'])[1 + g % 3],
           'region', 'region-' || (g % $4::int), 'score', g % 1000,
           'opened_at', to_char(timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
         from generate_series($2::int, $3::int) g
         returning tenant_id, id, type_key, data)
       insert into record_index (tenant_id, record_id, type_key, field_key, position, value_text, value_number)
       select r.tenant_id, r.id, r.type_key, f.key, 0, f.t, f.n
       from inserted r
       cross join lateral (values ('status', r.data->>'status', null::float8), ('region', r.data->>'region', null),
                                  ('score', null, (r.data->>'score')::float8)) f(key, t, n)`,
      [tenantId, from, to, regions],
    );
  }
  await admin.query(
    `insert into record_index_fields (tenant_id, type_key, field_key) select $1, 'case', f from unnest($2::text[]) f on conflict do nothing`,
    [tenantId, INDEXED_FIELDS],
  );
}

/** Random ids of existing records of one organisation. */
export async function sampleIds(admin: pg.Client, tenantId: string, count: number): Promise<string[]> {
  const { rows } = await admin.query<{ id: string }>(
    `select id from records where tenant_id = $1 and type_key = 'case' order by random() limit $2`,
    [tenantId, count],
  );
  return rows.map((row) => row.id);
}
