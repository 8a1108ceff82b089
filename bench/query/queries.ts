// The queries of `npm run bench:query`: each one as the DSL (POST /api/query)
// and as the SQL a person who knows the storage (records, record_index,
// record_links; docs/ARCHITECTURE.md) would write by hand for the same
// answer. Both run as the runtime role with the tenant entered, so RLS and the
// row ACL apply to both. `columns` names the answer's columns in order: the
// DSL answer's keys, and the hand-written statement's select list, so the two
// answers can be compared value by value (bench/query.ts checks them once
// before measuring).

/** What the queries need to know about the data. */
export interface QueryContext {
  /** A building (location.building) holding about 1 % of the incidents. */
  building: string;
  /** Page 1's next_cursor of `keyset-page-2`, from the API. */
  cursor: string;
  /** The position after page 1 of `keyset-page-2` for the hand-written SQL: created_at (exact text) and id. */
  afterCreatedAt: string;
  afterId: string;
}

export interface BenchQuery {
  key: string;
  label: string;
  /** Answer columns, in order: DSL answer keys, and the SQL's select list. */
  columns: string[];
  dsl(context: QueryContext): Record<string, unknown>;
  sql(context: QueryContext): { text: string; values: unknown[] };
  /** A list page: the SQL fetches limit + 1 rows (as the compiler does, to know there is a next page); compare the first `limit`. */
  page?: number;
}

const INCIDENTS = `records r where r.type_key = 'incident'`;

// Incidents on assets at locations in one building: from the building's index
// entries, back through the two links (record_links_to), to the incidents.
const IN_BUILDING = `
  from record_index b
  join record_links ll on ll.to_id = b.record_id and ll.field_key = 'location'
  join records a on a.id = ll.from_id and a.type_key = 'asset'
  join record_links il on il.to_id = a.id and il.field_key = 'asset'
  join records r on r.id = il.from_id and r.type_key = 'incident'
  where b.type_key = 'location' and b.field_key = 'building' and b.value_text = $1`;

export const QUERIES: BenchQuery[] = [
  {
    key: 'indexed-filter',
    label: 'Indexed filter, list page (priority = p1, 50 rows by id)',
    columns: ['id', 'title', 'priority', 'created_at'],
    page: 50,
    dsl: () => ({ from: 'incident', select: ['id', 'title', 'priority', 'created_at'], where: { field: 'priority', op: 'eq', value: 'p1' }, limit: 50 }),
    sql: () => ({
      text: `select r.id::text as id, r.data -> 'title' as title, r.data -> 'priority' as priority, r.created_at
             from ${INCIDENTS}
               and r.id in (select e.record_id from record_index e where e.type_key = 'incident' and e.field_key = 'priority' and e.value_text = $1)
             order by r.id limit 51`,
      values: ['p1'],
    }),
  },
  {
    key: 'path-2-hops',
    label: '2-hop path filter (asset.location.building = B7, 50 rows by id)',
    columns: ['id', 'title', 'asset.name'],
    page: 50,
    dsl: (c) => ({ from: 'incident', select: ['id', 'title', 'asset.name'], where: { field: 'asset.location.building', op: 'eq', value: c.building }, limit: 50 }),
    sql: (c) => ({
      text: `select r.id::text as id, r.data -> 'title' as title, a.data -> 'name' as asset_name ${IN_BUILDING}
             order by r.id limit 51`,
      values: [c.building],
    }),
  },
  {
    key: 'reverse-count',
    label: 'Reverse-relation count in select (assets with their p1 incidents, 50 rows)',
    columns: ['id', 'name', 'p1_incidents'],
    page: 50,
    dsl: () => ({
      from: 'asset',
      select: ['id', 'name', { fn: 'count', from: 'incident', via: 'asset', where: { field: 'priority', op: 'eq', value: 'p1' }, as: 'p1_incidents' }],
      limit: 50,
    }),
    sql: () => ({
      // The page of assets first, then one count per asset (a sub-plan per row through record_links_to).
      text: `with page as (select a.id, a.data from records a where a.type_key = 'asset' order by a.id limit 51)
             select p.id::text as id, p.data -> 'name' as name,
                    (select count(*) from record_links l join records i on i.id = l.from_id
                     where l.to_id = p.id and l.field_key = 'asset' and i.type_key = 'incident' and i.data ->> 'priority' = $1) as n
             from page p order by p.id`,
      values: ['p1'],
    }),
  },
  {
    key: 'group-week',
    label: 'Group by week (America/Sao_Paulo) with count, all incidents',
    columns: ['week', 'n'],
    dsl: () => ({
      from: 'incident',
      group_by: [{ field: 'created_at', bucket: 'week', time_zone: 'America/Sao_Paulo', as: 'week' }],
      aggregate: [{ fn: 'count', as: 'n' }],
      limit: 1000,
    }),
    sql: () => ({
      text: `select date_trunc('week', r.created_at, $1) as week, count(*) as n from ${INCIDENTS} group by 1 order by 1 limit 1000`,
      values: ['America/Sao_Paulo'],
    }),
  },
  {
    key: 'percentile-by-group',
    label: 'Percentile by group (p90 minutes_to_respond and count by priority)',
    columns: ['priority', 'n', 'p90'],
    dsl: () => ({
      from: 'incident',
      group_by: ['priority'],
      aggregate: [{ fn: 'count', as: 'n' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' }],
      limit: 1000,
    }),
    sql: () => ({
      text: `select r.data ->> 'priority' as priority, count(*) as n,
                    percentile_cont(0.9) within group (order by (r.data ->> 'minutes_to_respond')::int) as p90
             from ${INCIDENTS} group by 1 order by 1 limit 1000`,
      values: [],
    }),
  },
  {
    key: 'group-json-path',
    label: 'Group by a nested JSON path (details.location.floor) with count',
    columns: ['details.location.floor', 'n'],
    dsl: () => ({ from: 'incident', group_by: ['details.location.floor'], aggregate: [{ fn: 'count', as: 'n' }], limit: 1000 }),
    sql: () => ({
      text: `select r.data #> '{details,location,floor}' as floor, count(*) as n from ${INCIDENTS} group by 1 order by 1 limit 1000`,
      values: [],
    }),
  },
  {
    key: 'quantifier',
    label: 'Quantifier (assets with some p1 incident answered in ≥ 590 min, 50 rows)',
    columns: ['id', 'name'],
    page: 50,
    dsl: () => ({
      from: 'asset',
      select: ['id', 'name'],
      where: { some: { path: 'incident.asset', where: { and: [{ field: 'priority', op: 'eq', value: 'p1' }, { field: 'minutes_to_respond', op: 'gte', value: 590 }] } } },
      limit: 50,
    }),
    sql: () => ({
      text: `select a.id::text as id, a.data -> 'name' as name
             from records a
             where a.type_key = 'asset' and exists (
               select 1 from record_links l join records i on i.id = l.from_id
               where l.to_id = a.id and l.field_key = 'asset' and i.type_key = 'incident'
                 and i.data ->> 'priority' = $1 and (i.data ->> 'minutes_to_respond')::int >= $2)
             order by a.id limit 51`,
      values: ['p1', 590],
    }),
  },
  {
    key: 'sort-unindexed',
    label: 'Sort on a non-indexed field with limit (minutes_to_respond desc, 50 rows)',
    columns: ['id', 'title', 'minutes_to_respond'],
    page: 50,
    dsl: () => ({ from: 'incident', select: ['id', 'title', 'minutes_to_respond'], order_by: [{ field: 'minutes_to_respond', direction: 'desc' }], limit: 50 }),
    sql: () => ({
      text: `select r.id::text as id, r.data -> 'title' as title, r.data -> 'minutes_to_respond' as minutes
             from ${INCIDENTS} order by (r.data ->> 'minutes_to_respond')::int desc, r.id limit 51`,
      values: [],
    }),
  },
  {
    key: 'keyset-page-2',
    label: 'Keyset second page (created_at desc, 50 rows after the cursor)',
    columns: ['id', 'title', 'created_at'],
    page: 50,
    dsl: (c) => ({ from: 'incident', select: ['id', 'title', 'created_at'], order_by: [{ field: 'created_at', direction: 'desc' }], limit: 50, cursor: c.cursor }),
    sql: (c) => ({
      text: `select r.id::text as id, r.data -> 'title' as title, r.created_at
             from ${INCIDENTS} and (r.created_at < $1 or (r.created_at = $1 and r.id > $2))
             order by r.created_at desc, r.id limit 51`,
      values: [c.afterCreatedAt, c.afterId],
    }),
  },
  {
    key: 'issue-list',
    label: "The issue's list (priority in p1,p2 + asset.location.building + created_at ≥ -90d, by created_at desc)",
    columns: ['id', 'title', 'priority', 'asset.name', 'details.location.floor'],
    page: 50,
    dsl: (c) => ({
      from: 'incident',
      select: ['id', 'title', 'priority', 'asset.name', 'details.location.floor'],
      where: {
        and: [
          { field: 'priority', op: 'in', value: ['p1', 'p2'] },
          { field: 'asset.location.building', op: 'eq', value: c.building },
          { field: 'created_at', op: 'gte', value: { relative: '-90d' } },
        ],
      },
      order_by: [{ field: 'created_at', direction: 'desc' }],
      limit: 50,
    }),
    sql: (c) => ({
      text: `select r.id::text as id, r.data -> 'title' as title, r.data -> 'priority' as priority, a.data -> 'name' as asset_name,
                    r.data #> '{details,location,floor}' as floor ${IN_BUILDING}
               and r.data ->> 'priority' = any($2) and r.created_at >= now() - interval '90 days'
             order by r.created_at desc, r.id limit 51`,
      values: [c.building, ['p1', 'p2']],
    }),
  },
  {
    key: 'issue-groups',
    label: "The issue's groups (p1/p2 by assignee and week: count, p90, having, order by count)",
    columns: ['assignee', 'week', 'open', 'p90'],
    dsl: () => ({
      from: 'incident',
      where: { field: 'priority', op: 'in', value: ['p1', 'p2'] },
      group_by: ['assignee', { field: 'created_at', bucket: 'week', time_zone: 'America/Sao_Paulo', as: 'week' }],
      aggregate: [{ fn: 'count', as: 'open' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' }],
      having: { field: 'open', op: 'gt', value: 5 },
      order_by: [{ field: 'open', direction: 'desc' }],
      limit: 100,
    }),
    sql: () => ({
      text: `select r.data ->> 'assignee' as assignee, date_trunc('week', r.created_at, $2) as week, count(*) as open,
                    percentile_cont(0.9) within group (order by (r.data ->> 'minutes_to_respond')::int) as p90
             from ${INCIDENTS} and r.data ->> 'priority' = any($1)
             group by 1, 2 having count(*) > 5 order by 3 desc, 1, 2 limit 100`,
      values: [['p1', 'p2'], 'America/Sao_Paulo'],
    }),
  },
];

/** The full stream: every incident, five columns, in id order. */
export const STREAM_QUERY = {
  columns: ['id', 'title', 'priority', 'created_at', 'minutes_to_respond'],
  dsl: { from: 'incident', select: ['id', 'title', 'priority', 'created_at', 'minutes_to_respond'] },
  sql: `select r.id::text as id, r.data -> 'title' as title, r.data -> 'priority' as priority, r.created_at, r.data -> 'minutes_to_respond' as minutes
        from ${INCIDENTS} order by r.id`,
};

/** Page 1 of keyset-page-2 (for its cursor and position). */
export const KEYSET_PAGE_1 = {
  dsl: { from: 'incident', select: ['id', 'title', 'created_at'], order_by: [{ field: 'created_at', direction: 'desc' }], limit: 50 },
  // The position after it, created_at as exact text (microseconds).
  sql: `select r.id::text as id, r.created_at::text as created_at from ${INCIDENTS} order by r.created_at desc, r.id limit 1 offset 49`,
};

/** A value as both answers can be compared: numbers to 9 digits, datetimes as ISO instants with milliseconds. */
export function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number(value.toPrecision(9));
  if (typeof value === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return Number(Number(value).toPrecision(9));
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value)) return new Date(value).toISOString();
  return value;
}
