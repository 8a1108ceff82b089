// Static SQL of business calendars (migrations/0011_workflows.sql). Every
// value is a bind parameter; RLS scopes every statement to the organisation.

const CALENDAR_COLUMNS = `c.key, c.name, c.time_zone, c.working_hours, c.holidays, c.created_at, c.updated_at`;
/** The organisation's time zone (calendars without their own zone use it). */
const ORG_TIME_ZONE = `coalesce((select time_zone from tenant_settings), 'UTC') as org_time_zone`;

/**
 * The organisation's stored calendars with its time zone: always at least
 * one row (the zone), calendar columns null when none is stored.
 */
export const LIST_CALENDARS = `
  select s.org_time_zone, ${CALENDAR_COLUMNS}
  from (select ${ORG_TIME_ZONE}) s
  left join business_calendars c on true
  order by c.key`;

/** One stored calendar ($1) with the organisation's time zone: one row, calendar columns null when not stored. */
export const SELECT_CALENDAR = `
  select s.org_time_zone, ${CALENDAR_COLUMNS}
  from (select ${ORG_TIME_ZONE}) s
  left join business_calendars c on c.key = $1`;

/** The stored calendar, locked for a change (a concurrent PUT or DELETE of the same key waits). */
export const LOCK_CALENDAR = `select ${CALENDAR_COLUMNS} from business_calendars c where c.key = $1 for update`;

/** Creates or replaces; `inserted` tells which (a concurrent first PUT of the key turns into a replace). */
export const UPSERT_CALENDAR = `
  insert into business_calendars as c (tenant_id, key, name, time_zone, working_hours, holidays)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4::jsonb, $5::jsonb)
  on conflict (tenant_id, key) do update
    set name = excluded.name, time_zone = excluded.time_zone, working_hours = excluded.working_hours,
        holidays = excluded.holidays, updated_at = now()
  returning ${CALENDAR_COLUMNS}, (c.xmax = 0) as inserted, ${ORG_TIME_ZONE}`;

export const DELETE_CALENDAR = `delete from business_calendars c where c.key = $1 returning ${CALENDAR_COLUMNS}, ${ORG_TIME_ZONE}`;

/**
 * The workflow definitions a calendar must stay for: every workflow's
 * latest version (new records and transitions use it), and every older
 * version some record is still on (its records may still enter its states).
 */
export const DEFINITIONS_IN_USE = `
  select v.workflow_key, v.version, v.definition
  from workflow_versions v join workflows w on w.key = v.workflow_key
  where v.version = w.latest_version
     or exists (select 1 from records r where r.workflow_key = v.workflow_key and r.workflow_version = v.version)`;
