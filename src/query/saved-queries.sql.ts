// Static SQL of saved queries (migrations/0010_saved_queries.sql). RLS scopes
// every statement to the caller's organisation; who sees which saved query
// within it is the `visible` condition: shared ones, one's own, and all of
// them for gestores ($user uuid or null, $gestor boolean).

const COLUMNS = `key, name, query, parameters, shared, source, owner_id, created_at, updated_at, created_by, updated_by`;

const visible = (user: string, gestor: string): string => `(shared or owner_id = ${user}::uuid or ${gestor}::boolean)`;

/** $1 key, $2 name, $3 query, $4 parameters, $5 shared, $6 owner. Nothing is returned when the key is taken. */
export const INSERT_SAVED_QUERY = `
  insert into saved_queries (tenant_id, key, name, query, parameters, shared, owner_id, created_by, updated_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5, $6, $6, $6)
  on conflict (tenant_id, key) do nothing
  returning ${COLUMNS}`;

export const LIST_SAVED_QUERIES = `select ${COLUMNS} from saved_queries where ${visible('$1', '$2')} order by key`;

export const SELECT_SAVED_QUERY = `select ${COLUMNS} from saved_queries where key = $1 and ${visible('$2', '$3')}`;

export const LOCK_SAVED_QUERY = `select ${COLUMNS} from saved_queries where key = $1 and ${visible('$2', '$3')} for update`;

/** $1 key, $2 name, $3 query, $4 parameters, $5 shared, $6 the member changing it. */
export const UPDATE_SAVED_QUERY = `
  update saved_queries set name = $2, query = $3, parameters = $4, shared = $5, updated_at = now(), updated_by = $6
  where key = $1
  returning ${COLUMNS}`;

export const DELETE_SAVED_QUERY = `delete from saved_queries where key = $1`;
