// Static SQL of the entity type registry; every value is a bind parameter.
// RLS scopes every statement to the caller's organisation.

const TYPE_COLUMNS = `t.key, t.current_version, t.source, t.source_pack, t.source_pack_version, t.created_at, t.updated_at, v.definition`;
const CURRENT = `from entity_types t
  join entity_type_versions v on v.tenant_id = t.tenant_id and v.type_key = t.key and v.version = t.current_version`;

export const LIST_TYPES = `select ${TYPE_COLUMNS} ${CURRENT} order by t.key`;

export const SELECT_TYPE = `select ${TYPE_COLUMNS} ${CURRENT} where t.key = $1`;

/** The current definition of every type, for reference checks and the rule registry. */
export const CURRENT_DEFINITIONS = `select t.key, v.definition ${CURRENT}`;

/**
 * Serialises changes to one type: a second writer waits here and then reads
 * the version the first one committed. Only entity_types is locked, so the
 * re-check after the wait sees the committed row.
 */
export const LOCK_TYPE = `select key, current_version from entity_types where key = $1 for update`;

export const INSERT_TYPE = `
  insert into entity_types (tenant_id, key, current_version, source, created_by)
  values (current_setting('app.tenant_id')::uuid, $1, 1, 'tenant', $2)
  on conflict (tenant_id, key) do nothing
  returning key`;

export const INSERT_VERSION = `
  insert into entity_type_versions (tenant_id, type_key, version, definition, diff, change_kind, created_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5, $6)`;

export const SET_CURRENT_VERSION = `update entity_types set current_version = $2, updated_at = now() where key = $1`;

export const SELECT_VERSION_DEFINITION = `select definition from entity_type_versions where type_key = $1 and version = $2`;

export const LIST_VERSIONS = `
  select version, change_kind, created_by, created_at, diff, case when $2::boolean then definition end as definition
  from entity_type_versions where type_key = $1 order by version`;

/** Every field key any version of the type ever had: their values may still be stored in records. */
export const FIELD_KEYS_WITH_HISTORY = `
  select distinct f->>'key' as key
  from entity_type_versions v cross join lateral jsonb_array_elements(v.definition->'fields') f
  where v.type_key = $1`;

/** One keyset page of a type's records, for the change preview (RLS: the caller's visible records). */
export const SCAN_RECORDS = `select id, data from records where type_key = $1 and ($2::uuid is null or id > $2::uuid) order by id limit $3`;

/** Values of one field held by more than one record (a field about to become unique). */
export const DUPLICATE_VALUES = `
  select data->$2 as value, count(*)::int as count
  from records where type_key = $1 and data ? $2 and jsonb_typeof(data->$2) <> 'null'
  group by data->$2 having count(*) > 1
  order by count(*) desc, data->$2 limit $3`;
