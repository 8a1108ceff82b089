// Static SQL of workflow definitions, publishing and migration. Every value
// is a bind parameter; RLS scopes every statement to the caller's organisation.

const WORKFLOW_COLUMNS = `key, entity_type, draft, draft_revision, latest_version, created_at, updated_at`;

export const LIST_WORKFLOWS = `select ${WORKFLOW_COLUMNS} from workflows order by key`;

export const SELECT_WORKFLOW = `select ${WORKFLOW_COLUMNS} from workflows where key = $1`;

/** Locks the workflow for a change of its draft, a publish or a migration (they serialise per workflow). */
export const LOCK_WORKFLOW = `select ${WORKFLOW_COLUMNS} from workflows where key = $1 for update`;

/** The workflow attached to entity type $1, if any. */
export const WORKFLOW_OF_TYPE = `select key from workflows where entity_type = $1`;

/** $1 key, $2 entity type, $3 draft, $4 the member. Conflicts (key, type) are answered by the constraint's name. */
export const INSERT_WORKFLOW = `
  insert into workflows (tenant_id, key, entity_type, draft, created_by, updated_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $4)
  returning ${WORKFLOW_COLUMNS}`;

/** Replaces the draft of $1: $2 the draft, $3 the member. (entity_type never changes: the app role may not update it.) */
export const UPDATE_DRAFT = `
  update workflows set draft = $2, draft_revision = draft_revision + 1, updated_at = now(), updated_by = $3
  where key = $1
  returning ${WORKFLOW_COLUMNS}`;

export const LIST_VERSIONS = `
  select version, entity_type, published_at, published_by from workflow_versions where workflow_key = $1 order by version`;

export const SELECT_VERSION = `
  select version, entity_type, definition, published_at, published_by from workflow_versions where workflow_key = $1 and version = $2`;

/** Two versions of $1 at once (a diff, a migration): $2 an array of version numbers. */
export const SELECT_VERSIONS = `
  select version, entity_type, definition, published_at, published_by from workflow_versions where workflow_key = $1 and version = any($2::int[])`;

/** $1 key, $2 version, $3 entity type, $4 definition, $5 the member. */
export const INSERT_VERSION = `
  insert into workflow_versions (tenant_id, workflow_key, version, entity_type, definition, published_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5)
  returning version, published_at`;

export const SET_LATEST_VERSION = `
  update workflows set latest_version = $2, updated_at = now(), updated_by = $3 where key = $1`;

/** What validating a draft needs beyond the registry: team names (lower-cased) and stored calendar keys. */
export const SELECT_VALIDATION_CONTEXT = `
  select array(select lower(name) from teams) as teams, array(select key from business_calendars) as calendars`;

/**
 * A UUIDv7 made in SQL from the instant $ts (milliseconds) and random bits,
 * so rows written by INSERT ... SELECT sort like those written with ids from
 * the application (src/platform/ids.ts).
 */
const uuidV7At = (ts: string) =>
  `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from ${ts}) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid`;

/**
 * The first publish attaches the type's existing records ($9, workflow_key
 * null) to version $2 of workflow $1 in initial state $3 (category $4),
 * entered at $5 with SLA $6/$7 (status $8), in one statement: the records
 * (version bumped: their view changed), a history entry each (kind 'attach',
 * actor $10/$11, request $12), and the timers every record gets alike ($13:
 * a JSON array of { kind, transition_key, event_type, due_at }). Answers how
 * many were attached, and (when $14) each one's id and data, for timers that
 * depend on the record's own fields.
 */
export const ATTACH_RECORDS = `
  with placed as (
    update records set workflow_key = $1, workflow_version = $2, state = $3, state_category = $4, state_entered_at = $5,
      sla_due_at = $6, sla_at_risk_at = $7, sla_status = $8, version = version + 1
    where type_key = $9 and workflow_key is null
    returning id, data),
  history as (
    insert into record_history (tenant_id, id, record_id, type_key, workflow_key, workflow_version, kind, to_state,
      actor_type, actor_id, occurred_at, request_id)
    select current_setting('app.tenant_id')::uuid, ${uuidV7At('$5::timestamptz')}, p.id, $9, $1, $2, 'attach', $3, $10, $11, $5, $12
    from placed p),
  timers as (
    insert into workflow_timers (tenant_id, id, record_id, kind, transition_key, event_type, state, state_entered_at, due_at)
    select current_setting('app.tenant_id')::uuid, ${uuidV7At('$5::timestamptz')}, p.id, t.kind, t.transition_key, t.event_type, $3, $5, t.due_at
    from placed p cross join jsonb_to_recordset($13::jsonb) as t(kind text, transition_key text, event_type text, due_at timestamptz))
  select (select count(*)::int from placed) as attached,
    case when $14::boolean then coalesce((select json_agg(json_build_object('id', p.id, 'data', p.data)) from placed p), '[]'::json) end as records`;

/** In-flight records (in states $3) on version $2 of workflow $1, counted per state: a migration's dry run. */
export const COUNT_IN_FLIGHT = `
  select state, count(*)::int as records from records
  where workflow_key = $1 and workflow_version = $2 and state = any($3::text[])
  group by state order by state`;

/** The same records, locked for their move (FOR NO KEY UPDATE, as transitions lock them). */
export const LOCK_IN_FLIGHT = `
  select id, type_key, data, version, state, state_entered_at, sla_due_at, sla_at_risk_at, sla_status,
    created_at, updated_at, created_by, updated_by
  from records
  where workflow_key = $1 and workflow_version = $2 and state = any($3::text[])
  order by id
  for no key update`;

/** Moves locked records to version $2 (one row of $1 per record: id, state, category, stay, SLA). */
export const MOVE_RECORDS = `
  update records r set workflow_version = $2, state = u.state, state_category = u.state_category, state_entered_at = u.state_entered_at,
    sla_due_at = u.sla_due_at, sla_at_risk_at = u.sla_at_risk_at, sla_status = u.sla_status, version = r.version + 1
  from jsonb_to_recordset($1::jsonb) as u(id uuid, state text, state_category text, state_entered_at timestamptz,
    sla_due_at timestamptz, sla_at_risk_at timestamptz, sla_status text)
  where r.id = u.id`;
