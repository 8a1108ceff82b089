// Static SQL of the records service's per-type state (src/records/type-state.ts).
// $1 is always the type key; RLS scopes every statement to the caller's organisation.

/**
 * The stamp: the type's current version (null when the organisation has no
 * such type), the revision of its access settings (0 when none are stored)
 * and the latest published version of the workflow attached to it (0 when
 * none). Every records request reads it in its first statement, together
 * with its own work, and compares it with the state it used.
 */
export const STAMP_COLUMNS = `(select current_version from entity_types where key = $1) as stamp_version,
    coalesce((select revision from entity_type_access where type_key = $1), 0) as stamp_revision,
    coalesce((select latest_version from workflows where entity_type = $1), 0) as stamp_workflow`;

/** The stamp, and the type's indexed fields whose entries are complete (listings choose their plan by it). */
export const SELECT_STAMP = `select ${STAMP_COLUMNS},
    array(select field_key from record_index_fields where type_key = $1 order by field_key) as stamp_complete`;

/**
 * Everything a records request needs about a type, from one snapshot: the
 * current definition and its version, the access revision, visibility and
 * grants (as stored: null visibility and no grants when nothing is stored),
 * the complete indexed fields, and the latest published version of the
 * type's workflow (null columns when it has none).
 */
export const SELECT_TYPE_STATE = `
  select t.current_version as version, v.definition,
    w.key as workflow_key, w.latest_version as workflow_version, wv.definition as workflow_definition,
    coalesce(a.revision, 0) as revision, a.visibility,
    coalesce((select json_agg(json_build_object('principal_kind', p.principal_kind, 'principal', p.principal,
        'can_read', p.can_read, 'can_create', p.can_create, 'can_update', p.can_update, 'can_delete', p.can_delete))
      from entity_type_permissions p where p.tenant_id = t.tenant_id and p.type_key = t.key), '[]'::json) as grants,
    array(select f.field_key from record_index_fields f where f.tenant_id = t.tenant_id and f.type_key = t.key order by f.field_key) as complete
  from entity_types t
  join entity_type_versions v on v.tenant_id = t.tenant_id and v.type_key = t.key and v.version = t.current_version
  left join entity_type_access a on a.tenant_id = t.tenant_id and a.type_key = t.key
  left join workflows w on w.tenant_id = t.tenant_id and w.entity_type = t.key and w.latest_version is not null
  left join workflow_versions wv on wv.tenant_id = w.tenant_id and wv.workflow_key = w.key and wv.version = w.latest_version
  where t.key = $1`;
