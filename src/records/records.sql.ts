// Static SQL of records; every value (field keys and filter values included)
// is a bind parameter. RLS scopes every statement to the caller's organisation.
import { RECORD_COLUMNS } from './record-row.ts';
import { SELECT_STAMP, STAMP_COLUMNS } from './type-state.sql.ts';

const COLUMNS = RECORD_COLUMNS.join(', ');
const R_COLUMNS = COLUMNS.split(', ').map((column) => `r.${column}`).join(', ');

// "Stamped" statements also answer the type's stamp (src/records/type-state.ts):
// its current version and access revision, read in the same statement, so a
// request checks the state it used without a round trip of its own. They
// always answer at least one row; the record columns are null when there is
// no record. $1 is the type key.

/** SELECT_RECORD, stamped: $1 type, $2 id. */
export const SELECT_RECORD_STAMPED = `
  select ${STAMP_COLUMNS}, ${R_COLUMNS}
  from (select 1) one left join records r on r.type_key = $1 and r.id = $2`;

/**
 * Locks the record for a change, stamped: $1 type, $2 id. FOR NO KEY UPDATE,
 * so records that are being linked to this one (their foreign key check
 * takes KEY SHARE) are not blocked.
 */
export const LOCK_RECORD_STAMPED = `
  select ${STAMP_COLUMNS}, r.*
  from (select 1) one left join lateral (select ${COLUMNS} from records where type_key = $1 and id = $2 for no key update) r on true`;

/**
 * LOCK_RECORD_STAMPED with one more column, `alongside`: the single row of
 * another read-only select (its parameters numbered from $3), as JSON. A
 * caller that needs the answers of a statement that does not depend on the
 * locked row (the workflow facts) gets them in the lock's round trip.
 */
export const lockRecordStampedWith = (alongside: string, lock = true): string => `
  select ${STAMP_COLUMNS}, r.*, (select to_json(a) from (${alongside}) a) as alongside
  from (select 1) one left join lateral (select ${COLUMNS} from records where type_key = $1 and id = $2${lock ? ' for no key update' : ''}) r on true`;

/**
 * New records of type $1 at type version $2 ($3 ids, $4 a JSON array of
 * their data objects, in the same order; $5 the member creating them),
 * inserted only when the stamp still names version $2, access revision $6
 * and workflow version $7 (0: the type has no published workflow): the
 * creation checks the state it was validated and authorised with in the same
 * statement. $8 is the records' place in the workflow (WorkflowColumns as
 * JSON: the same for every record of one insert, as they enter the initial
 * state at the same instant) or null. Answers the stamp and the inserted rows
 * (one row with null record columns when nothing was inserted).
 */
export const INSERT_RECORDS_GUARDED = `
  with stamp as (select ${STAMP_COLUMNS}),
  place as (select * from jsonb_to_record(coalesce($8::jsonb, '{}')) as p(workflow_key text, workflow_version integer, state text,
    state_category text, state_entered_at timestamptz, sla_due_at timestamptz, sla_at_risk_at timestamptz, sla_status text)),
  inserted as (
    insert into records (tenant_id, id, type_key, type_version, data, created_by, updated_by,
      workflow_key, workflow_version, state, state_category, state_entered_at, sla_due_at, sla_at_risk_at, sla_status)
    select current_setting('app.tenant_id')::uuid, u.id, $1, $2, u.data, $5, $5,
      p.workflow_key, p.workflow_version, p.state, p.state_category, p.state_entered_at, p.sla_due_at, p.sla_at_risk_at, p.sla_status
    from stamp, place p, rows from (unnest($3::uuid[]), jsonb_array_elements($4::jsonb)) as u(id, data)
    where stamp.stamp_version = $2 and stamp.stamp_revision = $6 and stamp.stamp_workflow = $7
    returning ${COLUMNS})
  select s.stamp_version, s.stamp_revision, s.stamp_workflow, i.* from stamp s left join inserted i on true`;

/**
 * Taken (shared) before records of type $1 are inserted, and exclusively by
 * a workflow's publish before it attaches the type's existing records
 * (src/workflows): a publish waits for creations in flight, and creations
 * that follow read the new stamp, so no record created while a workflow is
 * first published is left outside it. Sent in the same round trip as the
 * insert (queued), but as a statement of its own: the insert's snapshot is
 * taken once the lock is held.
 */
export const LOCK_TYPE_CREATIONS = `select pg_advisory_xact_lock_shared(hashtextextended('records-create/' || current_setting('app.tenant_id') || '/' || $1, 0))`;

/** LOCK_TYPE_CREATIONS' exclusive side: no record of type $1 is being created until the caller commits. */
export const LOCK_TYPE_CREATIONS_EXCLUSIVE = `select pg_advisory_xact_lock(hashtextextended('records-create/' || current_setting('app.tenant_id') || '/' || $1, 0))`;

/** One record (the entities benchmark's raw SQL baseline; the service inserts with INSERT_RECORDS_GUARDED). */
export const INSERT_RECORD = `
  insert into records (tenant_id, id, type_key, type_version, data, created_by, updated_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5, $5)
  returning ${COLUMNS}`;

/** Many records of one type in one statement: $1 ids, $2 data objects (the entities benchmark loads with it). */
export const INSERT_RECORDS = `
  insert into records (tenant_id, id, type_key, type_version, data, created_by, updated_by)
  select current_setting('app.tenant_id')::uuid, u.id, $3, $4, u.data, $5, $5
  from unnest($1::uuid[], $2::jsonb[]) as u(id, data)
  returning ${COLUMNS}`;

export const SELECT_RECORD = `select ${COLUMNS} from records where type_key = $1 and id = $2`;

/** Locks records about to be deleted; a concurrent link to them waits and then fails its foreign key. */
export const LOCK_RECORDS_FOR_DELETE = `select ${COLUMNS} from records where id = any($1::uuid[]) for update`;

/** Locks records whose references are being cleared (their keys do not change). */
export const LOCK_RECORDS_FOR_CHANGE = `select ${COLUMNS} from records where id = any($1::uuid[]) for no key update`;

export const SELECT_RECORDS_BY_ID = `select ${COLUMNS} from records where id = any($1::uuid[])`;

export const UPDATE_RECORD = `
  update records set data = $2, type_version = $3, version = version + 1, updated_at = now(), updated_by = $4
  where id = $1
  returning ${COLUMNS}`;

/**
 * UPDATE_RECORD that also moves the record in its workflow: $5 the
 * WorkflowColumns as JSON (a transition, or a migration of one record).
 */
export const UPDATE_RECORD_AND_STATE = `
  update records r set data = $2, type_version = $3, version = r.version + 1, updated_at = now(), updated_by = $4,
    workflow_key = p.workflow_key, workflow_version = p.workflow_version, state = p.state, state_category = p.state_category,
    state_entered_at = p.state_entered_at, sla_due_at = p.sla_due_at, sla_at_risk_at = p.sla_at_risk_at, sla_status = p.sla_status
  from jsonb_to_record($5::jsonb) as p(workflow_key text, workflow_version integer, state text, state_category text,
    state_entered_at timestamptz, sla_due_at timestamptz, sla_at_risk_at timestamptz, sla_status text)
  where r.id = $1
  returning ${COLUMNS.split(', ').map((column) => `r.${column}`).join(', ')}`;

/**
 * Links out of records about to be deleted. Deleted explicitly first: the
 * cascade on from_id and the check on to_id fire row by row in one statement,
 * so a link between two records deleted together could be checked before it
 * is cascaded away.
 */
export const DELETE_LINKS_FROM = `delete from record_links where from_id = any($1::uuid[])`;

export const DELETE_RECORDS = `delete from records where id = any($1::uuid[])`;

/** The type of each referenced record that exists in this organisation. */
export const REFERENCED_TYPES = `select id, type_key from records where id = any($1::uuid[])`;

/** Which of these ids are members of this organisation. */
export const MEMBER_IDS = `select id from users where id = any($1::uuid[])`;

export const INSERT_LINKS = `
  insert into record_links (tenant_id, from_id, field_key, to_id, position)
  select current_setting('app.tenant_id')::uuid, u.from_id, u.field_key, u.to_id, u.position
  from unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[]) as u(from_id, field_key, to_id, position)`;

export const DELETE_LINKS_OF_FIELDS = `delete from record_links where from_id = $1 and field_key = any($2::text[])`;

/** Links into any of these records from records outside the set, with the referencing record's type. */
export const INCOMING_LINKS = `
  select l.from_id, l.field_key, l.to_id, r.type_key as from_type
  from record_links l join records r on r.tenant_id = l.tenant_id and r.id = l.from_id
  where l.to_id = any($1::uuid[]) and not (l.from_id = any($1::uuid[]))
  order by l.from_id, l.field_key`;

export const DELETE_LINKS_TO = `delete from record_links where from_id = $1 and field_key = $2 and to_id = any($3::uuid[])`;

// Listing: one statement per sort order (the order cannot be a parameter).
// $1 type, $2 filter object (containment: equality of each given field),
// $3 cursor sort value (text, null on the first page), $4 cursor id, $5 limit.
// `sort_value` is the exact text of the sort column for the next cursor.
// With an index lookup (src/records/index-entries.ts), $6 field key and $7
// value select candidates through record_index, compared in the value
// column's own type (leakproof, so usable under RLS); `data @>` still decides.
const INDEX_CASTS = { value_text: 'text', value_number: 'float8', value_date: 'date', value_time: 'timestamptz', value_bool: 'boolean' } as const;
export type IndexValueColumn = keyof typeof INDEX_CASTS;

interface Listing {
  readonly sql: string;
  /** The ORDER BY of the page, over the listing's output columns. */
  readonly order: string;
}

const LIST = (column: 'id' | 'created_at' | 'updated_at', direction: 'asc' | 'desc', index?: IndexValueColumn): Listing => {
  const op = direction === 'asc' ? '>' : '<';
  const order = column === 'id' ? `id ${direction}` : `${column} ${direction}, id ${direction}`;
  if (index && column === 'id') {
    // Paged from the index: the value's entries in record_id order (the
    // lookup indexes end with record_id, migrations/0009), each followed to
    // its record, until the page is full. A page reads about `limit` entries
    // whatever the number of records holding the value. The record is read
    // in a LATERAL subquery with LIMIT 1 (ids are unique, so it changes no
    // answer): the planner cannot flatten it into a join it could start from
    // `records`, which it would do when it underestimates the rows passing
    // `data @>` (it has no statistics for it), reading every record of the
    // type and sorting them. Proved by EXPLAIN ANALYZE in test/records/index-entries.test.ts.
    return {
      sql: `select ${R_COLUMNS}, r.id::text as sort_value
  from record_index i
  cross join lateral (
    select ${COLUMNS} from records
    where id = i.record_id and type_key = $1 and data @> $2::jsonb
    limit 1) r
  where i.type_key = $1 and i.field_key = $6 and i.${index} = $7::${INDEX_CASTS[index]}
    and ($4::uuid is null or i.record_id ${op} $4::uuid) and $3::text is null
  order by i.record_id ${direction} limit $5`,
      order,
    };
  }
  const after =
    column === 'id'
      ? `($4::uuid is null or id ${op} $4::uuid) and $3::text is null`
      : `($4::uuid is null or (${column}, id) ${op} ($3::timestamptz, $4::uuid))`;
  return {
    sql: `select ${COLUMNS}, ${column}::text as sort_value from records
  where type_key = $1 and data @> $2::jsonb and ${after}${
    index ? `\n  and id in (select record_id from record_index where type_key = $1 and field_key = $6 and ${index} = $7::${INDEX_CASTS[index]})` : ''
  }
  order by ${order} limit $5`,
    order,
  };
};

const SORTS = {
  id: ['id', 'asc'],
  '-id': ['id', 'desc'],
  created_at: ['created_at', 'asc'],
  '-created_at': ['created_at', 'desc'],
  updated_at: ['updated_at', 'asc'],
  '-updated_at': ['updated_at', 'desc'],
} as const;
export type ListSort = keyof typeof SORTS;
export const LIST_SORTS = Object.keys(SORTS) as ListSort[];

function bySort<T>(make: (column: 'id' | 'created_at' | 'updated_at', direction: 'asc' | 'desc') => T): Record<ListSort, T> {
  return Object.fromEntries(LIST_SORTS.map((sort) => [sort, make(SORTS[sort][0], SORTS[sort][1])])) as Record<ListSort, T>;
}

function byIndex<T>(make: (index: IndexValueColumn) => T): Record<IndexValueColumn, T> {
  return Object.fromEntries((Object.keys(INDEX_CASTS) as IndexValueColumn[]).map((index) => [index, make(index)])) as Record<IndexValueColumn, T>;
}

/**
 * A listing with the stamp and the type's complete indexed fields
 * (SELECT_STAMP) on every row, and one row of stamp alone when the page is empty.
 */
const stamped = ({ sql, order }: Listing): string => `
  select s.*, p.* from (${SELECT_STAMP}) s left join lateral (${sql}) p on true
  order by ${order
    .split(', ')
    .map((part) => `p.${part}`)
    .join(', ')}`;

export const LIST_RECORDS = bySort((column, direction) => LIST(column, direction).sql);

/** The same listings, with candidates from one index lookup: LIST_RECORDS_BY_INDEX[column][sort]. */
export const LIST_RECORDS_BY_INDEX = byIndex((index) => bySort((column, direction) => LIST(column, direction, index).sql));

/** LIST_RECORDS, stamped (what the records service sends). */
export const LIST_RECORDS_STAMPED = bySort((column, direction) => stamped(LIST(column, direction)));

/** LIST_RECORDS_BY_INDEX, stamped. */
export const LIST_RECORDS_BY_INDEX_STAMPED = byIndex((index) => bySort((column, direction) => stamped(LIST(column, direction, index))));
