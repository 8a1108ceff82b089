// Static SQL of records; every value (field keys and filter values included)
// is a bind parameter. RLS scopes every statement to the caller's organisation.

const COLUMNS = `id, type_key, type_version, data, version, created_at, updated_at, created_by, updated_by`;

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

/**
 * Locks the record for a change. FOR NO KEY UPDATE, so records that are being
 * linked to this one (their foreign key check takes KEY SHARE) are not blocked.
 */
export const LOCK_RECORD = `select ${COLUMNS} from records where type_key = $1 and id = $2 for no key update`;

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

const LIST = (column: 'id' | 'created_at' | 'updated_at', direction: 'asc' | 'desc', index?: IndexValueColumn): string => {
  const op = direction === 'asc' ? '>' : '<';
  const after =
    column === 'id'
      ? `($4::uuid is null or id ${op} $4::uuid) and $3::text is null`
      : `($4::uuid is null or (${column}, id) ${op} ($3::timestamptz, $4::uuid))`;
  const order = column === 'id' ? `id ${direction}` : `${column} ${direction}, id ${direction}`;
  return `select ${COLUMNS}, ${column}::text as sort_value from records
  where type_key = $1 and data @> $2::jsonb and ${after}${
    index ? `\n  and id in (select record_id from record_index where type_key = $1 and field_key = $6 and ${index} = $7::${INDEX_CASTS[index]})` : ''
  }
  order by ${order} limit $5`;
};

export const LIST_RECORDS = {
  id: LIST('id', 'asc'),
  '-id': LIST('id', 'desc'),
  created_at: LIST('created_at', 'asc'),
  '-created_at': LIST('created_at', 'desc'),
  updated_at: LIST('updated_at', 'asc'),
  '-updated_at': LIST('updated_at', 'desc'),
} as const;

export type ListSort = keyof typeof LIST_RECORDS;
export const LIST_SORTS = Object.keys(LIST_RECORDS) as ListSort[];

/** The same listings, with candidates from one index lookup: LIST_RECORDS_BY_INDEX[column][sort]. */
export const LIST_RECORDS_BY_INDEX = Object.fromEntries(
  (Object.keys(INDEX_CASTS) as IndexValueColumn[]).map((index) => [
    index,
    {
      id: LIST('id', 'asc', index),
      '-id': LIST('id', 'desc', index),
      created_at: LIST('created_at', 'asc', index),
      '-created_at': LIST('created_at', 'desc', index),
      updated_at: LIST('updated_at', 'asc', index),
      '-updated_at': LIST('updated_at', 'desc', index),
    },
  ]),
) as Record<IndexValueColumn, Record<ListSort, string>>;
