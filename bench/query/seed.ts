// Data for `npm run bench:query`, written directly with SQL as the database
// owner (as bench/entities/seed.ts does, and for the same reason: millions of
// records through the API would take hours). The rows are what the records
// service writes for a create: the `records` row (UUIDv7 id whose time prefix
// is the record's created_at, as newId() would have made it then; data valid
// for the type, type version 1), one `record_index` row per indexed value (one
// per element of a multi_enum), one `record_links` row per reference, one
// `record_user_refs` row per `user` field, and the `record_index_fields` rows
// that say the entries are complete (so queries use the index).
import pg from 'pg';

/** The three types every organisation has, defined through the API in this order (a reference needs its target). */
export const QUERY_TYPES = [
  {
    key: 'location',
    label: 'Location',
    fields: [
      { key: 'name', type: 'text', required: true },
      { key: 'building', type: 'text', indexed: true },
      { key: 'floor', type: 'integer' },
    ],
  },
  {
    key: 'asset',
    label: 'Asset',
    fields: [
      { key: 'name', type: 'text', required: true },
      { key: 'kind', type: 'enum', values: ['pump', 'valve', 'panel', 'hvac'] },
      { key: 'location', type: 'reference', target: 'location' },
    ],
  },
  {
    key: 'incident',
    label: 'Incident',
    fields: [
      { key: 'title', type: 'text', required: true, max_length: 200 },
      { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'], indexed: true },
      { key: 'minutes_to_respond', type: 'integer' },
      { key: 'details', type: 'json' },
      { key: 'asset', type: 'reference', target: 'asset' },
      { key: 'assignee', type: 'user' },
      { key: 'tags', type: 'multi_enum', values: ['network', 'power', 'water', 'hvac', 'safety'], indexed: true },
    ],
  },
] as const;

/** How much data one organisation gets. */
export interface Shape {
  members: number;
  /** 10 locations per building. */
  locations: number;
  assets: number;
  incidents: number;
}

export const BUILDINGS_PER_LOCATION = 10;

// A UUIDv7-shaped id whose 48-bit millisecond prefix is the given timestamptz (version 7, variant 10).
const v7 = (at: string) => `(lpad(to_hex((extract(epoch from ${at}) * 1000)::bigint), 12, '0') || '7'
  || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid`;

/** `count` extra members (role cliente, no usable password) so `user` fields name several people. */
async function addMembers(admin: pg.Client, tenantId: string, count: number): Promise<void> {
  await admin.query(
    `insert into users (tenant_id, id, email, nome, password_hash, role)
     select $1::uuid, gen_random_uuid(), 'member' || g || '@' || replace($1::uuid::text, '-', '') || '.example', 'Member ' || g, 'bench: no login', 'cliente'
     from generate_series(1, $2::int) g`,
    [tenantId, count],
  );
}

/**
 * One organisation's data: locations (building `B<n>`, 10 locations per
 * building), assets (each at a location), incidents (each on an asset,
 * assigned to a member, created over the year before `until`, in id order).
 */
export async function loadOrganisation(admin: pg.Client, tenantId: string, shape: Shape, until: Date): Promise<void> {
  await addMembers(admin, tenantId, shape.members);
  const year = `$2::timestamptz - interval '365 days'`;
  await admin.query(
    `with src as (
       select g, ${year} + (g - 1) * interval '1 second' as at from generate_series(1, $3::int) g),
     inserted as (
       insert into records (tenant_id, id, type_key, type_version, data, created_at, updated_at)
       select $1::uuid, ${v7('src.at')}, 'location', 1,
              jsonb_build_object('name', 'Location ' || g, 'building', 'B' || ((g - 1) / ${BUILDINGS_PER_LOCATION}), 'floor', g % 12), at, at
       from src
       returning tenant_id, id, data)
     insert into record_index (tenant_id, record_id, type_key, field_key, position, value_text)
     select tenant_id, id, 'location', 'building', 0, data ->> 'building' from inserted`,
    [tenantId, until.toISOString(), shape.locations],
  );
  await admin.query(
    `with locations as (select array_agg(id order by id) as ids from records where tenant_id = $1 and type_key = 'location'),
     src as (
       select g, ${year} + interval '1 hour' + (g - 1) * interval '1 second' as at, l.ids[1 + (g - 1) % cardinality(l.ids)] as location
       from generate_series(1, $3::int) g, locations l),
     inserted as (
       insert into records (tenant_id, id, type_key, type_version, data, created_at, updated_at)
       select $1::uuid, ${v7('src.at')}, 'asset', 1,
              jsonb_build_object('name', 'Asset ' || g, 'kind', (array['pump', 'valve', 'panel', 'hvac'])[1 + g % 4], 'location', location::text), at, at
       from src
       returning tenant_id, id, data)
     insert into record_links (tenant_id, from_id, field_key, to_id, position)
     select tenant_id, id, 'location', (data ->> 'location')::uuid, 0 from inserted`,
    [tenantId, until.toISOString(), shape.assets],
  );
  const BATCH = 100_000;
  for (let from = 1; from <= shape.incidents; from += BATCH) {
    const to = Math.min(shape.incidents, from + BATCH - 1);
    // One statement per batch: the records, then their index entries, links and user refs.
    await admin.query(
      `with ctx as (
         select (select array_agg(id order by id) from records where tenant_id = $1 and type_key = 'asset') as assets,
                (select array_agg(id order by id) from users where tenant_id = $1) as members),
       src as (
         select g, ${year} + interval '2 hours' + (g - 1) * (interval '364 days' / $4::int) as at,
                ctx.assets[1 + (g::bigint * 7919) % cardinality(ctx.assets)] as asset,
                ctx.members[1 + g % cardinality(ctx.members)] as assignee,
                -- priorities 10 % p1, 20 % p2, 30 % p3, 40 % p4
                (array['p1', 'p2', 'p2', 'p3', 'p3', 'p3', 'p4', 'p4', 'p4', 'p4'])[1 + (g::bigint * 31) % 10] as priority,
                (array['["network"]', '["power"]', '["network", "power"]', '["water"]', '[]', '["hvac", "safety"]'])[1 + g % 6]::jsonb as tags
         from generate_series($3::int, $5::int) g, ctx),
       inserted as (
         insert into records (tenant_id, id, type_key, type_version, data, created_at, updated_at, created_by, updated_by)
         select $1::uuid, ${v7('src.at')}, 'incident', 1, jsonb_build_object(
                  'title', 'Incident ' || g, 'priority', priority, 'minutes_to_respond', floor(random() * 600)::int,
                  'details', jsonb_build_object('location', jsonb_build_object('floor', g % 12, 'room', 'R' || g % 40),
                                                'channel', (array['phone', 'email', 'web'])[1 + g % 3]),
                  'asset', asset::text, 'assignee', assignee::text, 'tags', tags),
                at, at, assignee, assignee
         from src
         returning tenant_id, id, data),
       entries as (
         insert into record_index (tenant_id, record_id, type_key, field_key, position, value_text)
         select tenant_id, id, 'incident', 'priority', 0, data ->> 'priority' from inserted
         union all
         select i.tenant_id, i.id, 'incident', 'tags', t.n - 1, t.v from inserted i, jsonb_array_elements_text(i.data -> 'tags') with ordinality t(v, n)),
       links as (
         insert into record_links (tenant_id, from_id, field_key, to_id, position)
         select tenant_id, id, 'asset', (data ->> 'asset')::uuid, 0 from inserted)
       insert into record_user_refs (tenant_id, record_id, user_id)
       select tenant_id, id, (data ->> 'assignee')::uuid from inserted`,
      [tenantId, until.toISOString(), from, shape.incidents, to],
    );
  }
  await admin.query(
    `insert into record_index_fields (tenant_id, type_key, field_key)
     values ($1, 'location', 'building'), ($1, 'incident', 'priority'), ($1, 'incident', 'tags') on conflict do nothing`,
    [tenantId],
  );
}
