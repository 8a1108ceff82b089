// Static SQL for reading records related to others: `?expand` (expand.ts)
// and the records type-level rules reach on write (related-records.ts). Every
// value is a bind parameter; RLS scopes every statement to the caller's
// organisation, and the row ACL hides the records the caller may not see.

import { RECORD_COLUMNS } from './record-row.ts';

const COLUMNS = RECORD_COLUMNS.join(', ');

/**
 * The current definition and the stored permissions of each of these types,
 * in one statement (what loadCurrentDefinitions and loadStoredPermissions
 * read, for many types at once): `visibility` null and `grants` empty when
 * nothing was stored.
 */
export const TYPES_WITH_PERMISSIONS = `
  select t.key, v.definition, a.visibility,
    coalesce((select json_agg(json_build_object('principal_kind', p.principal_kind, 'principal', p.principal,
        'can_read', p.can_read, 'can_create', p.can_create, 'can_update', p.can_update, 'can_delete', p.can_delete))
      from entity_type_permissions p where p.tenant_id = t.tenant_id and p.type_key = t.key), '[]'::json) as grants
  from entity_types t
  join entity_type_versions v on v.tenant_id = t.tenant_id and v.type_key = t.key and v.version = t.current_version
  left join entity_type_access a on a.tenant_id = t.tenant_id and a.type_key = t.key
  where t.key = any($1::text[])`;

/** Records by id, of the given types only. */
export const RECORDS_BY_ID_OF_TYPES = `select ${COLUMNS} from records where id = any($1::uuid[]) and type_key = any($2::text[])`;

/**
 * Reverse relations of many records at once: for each ($1 to_id, $2 field,
 * $3 type), the records of that type whose field links to to_id, at most $4
 * of them, and at most $5 rows in all (record_links holds every reference,
 * references and any_reference value, and is indexed by to_id).
 */
export const REVERSE_RELATED = `
  select w.to_id as related_to, w.field_key as via_field, w.type_key as via_type, r.*
  from unnest($1::uuid[], $2::text[], $3::text[]) as w(to_id, field_key, type_key)
  cross join lateral (
    select ${COLUMNS.split(', ').map((column) => `rec.${column}`).join(', ')}
    from record_links l join records rec on rec.tenant_id = l.tenant_id and rec.id = l.from_id
    where l.to_id = w.to_id and l.field_key = w.field_key and rec.type_key = w.type_key
    limit $4
  ) r
  limit $5`;
