// Every statement runs inside a tenant transaction: RLS limits it to the
// caller's organisation, so no statement filters by tenant_id itself.

/**
 * The type, locked against concurrent permission changes. `for no key update`
 * does not block record writes (their foreign key checks take key share).
 */
export const LOCK_TYPE = `select key from entity_types where key = $1 for no key update`;

export const SELECT_TYPE = `select key from entity_types where key = $1`;

export const SELECT_VISIBILITY = `select visibility from entity_type_access where type_key = $1`;

export const SELECT_GRANTS = `
  select principal_kind, principal, can_read, can_create, can_update, can_delete
  from entity_type_permissions where type_key = $1`;

export const UPSERT_VISIBILITY = `
  insert into entity_type_access (tenant_id, type_key, visibility, updated_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3)
  on conflict (tenant_id, type_key) do update
    set visibility = excluded.visibility, updated_at = now(), updated_by = excluded.updated_by,
      -- Every change raises the revision: the records service's cache of the type's permissions is keyed by it.
      revision = entity_type_access.revision + 1`;

export const DELETE_GRANTS = `delete from entity_type_permissions where type_key = $1`;

/** All of a type's grants in one statement, as parallel arrays. */
export const INSERT_GRANTS = `
  insert into entity_type_permissions (tenant_id, type_key, principal_kind, principal, can_read, can_create, can_update, can_delete)
  select current_setting('app.tenant_id')::uuid, $1, g.kind, g.principal, g.can_read, g.can_create, g.can_update, g.can_delete
  from unnest($2::text[], $3::text[], $4::boolean[], $5::boolean[], $6::boolean[], $7::boolean[])
    as g (kind, principal, can_read, can_create, can_update, can_delete)`;
