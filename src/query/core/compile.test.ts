// Golden tests of the compiler: for each feature the exact SQL text and bind
// values (docs: src/query/core/compile.ts and the files it uses). Long
// regular expressions (value-sql.ts) are spliced in by name. The same
// queries run on PostgreSQL in test/query/compile-postgres.test.ts, which
// checks what they mean; these pin down what they are.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_INDEXED_TEXT as RECORDS_MAX_INDEXED_TEXT, indexColumnOf } from '../../records/core/index-values.ts';
import type { FieldType } from '../../entities/core/definitions.ts';
import { compileQuery } from './compile.ts';
import { parseQuery } from './parse-query.ts';
import { aggregateQuery, context, listQuery, registry, reverse, spec } from './compile-fixtures.ts';
import { INDEX_COLUMNS, MAX_INDEXED_TEXT } from './index-sql.ts';
import type { CompiledStatement, QueryLimits, ValidatedQuery } from './query.ts';
import { CASTABLE_DATE_PATTERN as CASTABLE_DATE, DATE_PATTERN as DATE, DATETIME_PATTERN as DATETIME, isoFromMicros, UUID_PATTERN as UUID } from './value-sql.ts';

/** Statement text written one clause a line. */
const sql = (...lines: string[]) => lines.join(' ');
const columnsOf = (statement: CompiledStatement) => statement.columns.map((column) => `${column.name}:${column.column}:${column.decode}`);

describe('compileQuery: golden SQL', () => {
  test('a plain page: system fields as the records API renders them, stored values as JSON, id order, limit + 1', () => {
    const compiled = compileQuery(listQuery({ select: ['id', 'title', 'version', 'state', 'created_at', 'details', 'subject'] }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, r.data -> $2::text as c1, r.version as c2, r.state as c3, to_char((r.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as c4, r.data -> $3::text as c5, r.data -> $4::text as c6, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text`,
      `order by r.id asc`,
      `limit $5::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'title', 'details', 'subject', 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text', 'title:c1:json', 'version:c2:integer', 'state:c3:text', 'created_at:c4:text', 'details:c5:json', 'subject:c6:json']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('filters on indexed fields look up record_index (in, ranges, relative times) and still compare on data', () => {
    const compiled = compileQuery(listQuery({ where: { and: [{ field: 'priority', op: 'in', value: ['p1', 'p2'] }, { field: 'minutes_to_respond', op: 'between', value: [5, 30] }, { field: 'opened_at', op: 'gte', value: { relative: '-7d' } }] } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text and ((r.id in (select ri1.record_id from record_index ri1 where ri1.type_key = $1::text and ri1.field_key = $2::text and ri1.value_text = any($4::text[])) and ((case jsonb_typeof(r.data -> $2::text) when 'string' then (r.data -> $2::text #>> '{}') end) collate "C" = any($3::text[]))) and (r.id in (select ri2.record_id from record_index ri2 where ri2.type_key = $1::text and ri2.field_key = $5::text and ri2.value_number between $8::float8 and $9::float8) and ((case jsonb_typeof(r.data -> $5::text) when 'number' then case when (r.data -> $5::text)::numeric = trunc((r.data -> $5::text)::numeric) and abs((r.data -> $5::text)::numeric) <= 9007199254740991 then (r.data -> $5::text)::numeric end end) >= $6::numeric and (case jsonb_typeof(r.data -> $5::text) when 'number' then case when (r.data -> $5::text)::numeric = trunc((r.data -> $5::text)::numeric) and abs((r.data -> $5::text)::numeric) <= 9007199254740991 then (r.data -> $5::text)::numeric end end) <= $7::numeric)) and (r.id in (select ri3.record_id from record_index ri3 where ri3.type_key = $1::text and ri3.field_key = $10::text and ri3.value_time >= $12::timestamptz) and (case when (r.data -> $10::text #>> '{}') ~ '${DATETIME}' then (r.data -> $10::text #>> '{}')::timestamptz end) >= $11::timestamptz))`,
      `order by r.id asc`,
      `limit $13::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'priority', ['p1', 'p2'], ['p1', 'p2'], 'minutes_to_respond', 5, 30, 5, 30, 'opened_at', '2026-03-03T15:00:00.000000Z', '2026-03-03T15:00:00.000000Z', 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('under not, and for neq, the comparison on data alone (no index lookup)', () => {
    const compiled = compileQuery(listQuery({ where: { or: [{ not: { field: 'priority', op: 'eq', value: 'p1' } }, { field: 'due_on', op: 'neq', value: '2026-03-01' }] } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text and ((not (case jsonb_typeof(r.data -> $2::text) when 'string' then (r.data -> $2::text #>> '{}') end) collate "C" = $3::text) or (case when (r.data -> $4::text #>> '{}') ~ '${DATE}' then (r.data -> $4::text #>> '{}') end) collate "C" <> $5::text)`,
      `order by r.id asc`,
      `limit $6::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'priority', 'p1', 'due_on', '2026-03-01', 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('text: COLLATE "C" order, icontains with the simple case mapping, pattern characters as plain text', () => {
    const compiled = compileQuery(listQuery({ where: { or: [{ field: 'title', op: 'lt', value: 'a' }, { field: 'title', op: 'icontains', value: 'İSTANBUL' }, { field: 'title', op: 'ends_with', value: '%_' }] } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text and ((case jsonb_typeof(r.data -> $2::text) when 'string' then (r.data -> $2::text #>> '{}') end) collate "C" < $3::text or strpos(lower((case jsonb_typeof(r.data -> $2::text) when 'string' then (r.data -> $2::text #>> '{}') end) collate "C" collate "default"), $4::text) > 0 or right((case jsonb_typeof(r.data -> $2::text) when 'string' then (r.data -> $2::text #>> '{}') end) collate "C", length($5::text)) = $5::text)`,
      `order by r.id asc`,
      `limit $6::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'title', 'a', 'istanbul', '%_', 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('field operands, booleans, current_user, datetime literals by instant (microseconds), collection null checks', () => {
    const compiled = compileQuery(listQuery({ where: { and: [{ field: 'cost', op: 'gt', value: { field: 'minutes_to_respond' } }, { field: 'urgent', op: 'neq', value: true }, { field: 'assignee', op: 'eq', value: { current_user: true } }, { field: 'closed_at', op: 'lt', value: '2026-01-20T10:00:00.1234567-03:00' }, { field: 'tags', op: 'is_null' }, { field: 'subject', op: 'is_not_null' }] } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text and ((case jsonb_typeof(r.data -> $2::text) when 'number' then (r.data -> $2::text)::numeric end) > (case jsonb_typeof(r.data -> $3::text) when 'number' then case when (r.data -> $3::text)::numeric = trunc((r.data -> $3::text)::numeric) and abs((r.data -> $3::text)::numeric) <= 9007199254740991 then (r.data -> $3::text)::numeric end end) and (case jsonb_typeof(r.data -> $4::text) when 'boolean' then (r.data -> $4::text)::boolean end) <> $5::boolean and (case when (r.data -> $6::text #>> '{}') ~ '${UUID}' then (r.data -> $6::text #>> '{}')::uuid end) = $7::uuid and (case when (r.data -> $8::text #>> '{}') ~ '${DATETIME}' then (r.data -> $8::text #>> '{}')::timestamptz end) < $9::timestamptz and coalesce(jsonb_typeof(r.data -> $10::text), '') <> 'array' and coalesce(jsonb_typeof(r.data -> $11::text) = 'object' and (r.data -> $11::text ->> 'id') ~ '${UUID}', false))`,
      `order by r.id asc`,
      `limit $12::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'cost', 'minutes_to_respond', 'urgent', true, 'assignee', '0190a000-0000-7000-8000-0000000000aa', 'closed_at', '2026-01-20T13:00:00.123457Z', 'tags', 'subject', 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('hops: LEFT JOINs for selected and negated paths, a semi-join (with the target’s index) for a filter, any_reference targets', () => {
    const compiled = compileQuery(listQuery({ select: ['asset.name', 'asset.location.site.name', 'subject.name'], where: { and: [{ field: 'asset.building', op: 'eq', value: '7' }, { not: { field: 'asset.location.floor', op: 'gte', value: 3 } }, { field: 'subject.name', op: 'is_null' }] } }), registry, context);
    assert.equal(compiled.text, sql(
      `select h1.data -> $3::text as c0, h3.data -> $3::text as c1, h4.data -> $3::text as c2, r.id::text as k0`,
      `from records r`,
      `left join record_links l1 on l1.from_id = r.id and l1.field_key = $2::text`,
      `left join records h1 on h1.id = l1.to_id and h1.type_key = $2::text`,
      `left join record_links l2 on l2.from_id = h1.id and l2.field_key = $4::text`,
      `left join records h2 on h2.id = l2.to_id and h2.type_key = $4::text`,
      `left join record_links l3 on l3.from_id = h2.id and l3.field_key = $5::text`,
      `left join records h3 on h3.id = l3.to_id and h3.type_key = $5::text`,
      `left join record_links l4 on l4.from_id = r.id and l4.field_key = $6::text`,
      `left join records h4 on h4.id = l4.to_id and h4.type_key = any($7::text[])`,
      `where r.type_key = $1::text and (exists (select 1 from record_links l5 join records t1 on t1.id = l5.to_id where l5.from_id = r.id and l5.field_key = $2::text and t1.type_key = $2::text and (t1.id in (select ri1.record_id from record_index ri1 where ri1.type_key = $2::text and ri1.field_key = $8::text and ri1.value_text = $10::text) and (case jsonb_typeof(t1.data -> $8::text) when 'string' then (t1.data -> $8::text #>> '{}') end) collate "C" = $9::text)) and (not (case jsonb_typeof(h2.data -> $11::text) when 'number' then case when (h2.data -> $11::text)::numeric = trunc((h2.data -> $11::text)::numeric) and abs((h2.data -> $11::text)::numeric) <= 9007199254740991 then (h2.data -> $11::text)::numeric end end) >= $12::numeric) and (case jsonb_typeof(h4.data -> $3::text) when 'string' then (h4.data -> $3::text #>> '{}') end) collate "C" is null)`,
      `order by r.id asc`,
      `limit $13::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'asset', 'name', 'location', 'site', 'subject', ['asset', 'contract'], 'building', '7', '7', 'floor', 3, 51]);
    assert.deepEqual(columnsOf(compiled), ['asset.name:c0:json', 'asset.location.site.name:c1:json', 'subject.name:c2:json']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('JSON paths: bound as one text[] path, scalars compared per kind, a non-canonical array index looked up as a key', () => {
    const compiled = compileQuery(listQuery({ select: ['details.items.0.sku'], where: { and: [{ field: 'details.level', op: 'eq', value: 3 }, { field: 'details.level', op: 'gt', value: 'b' }, { field: 'details.items.01', op: 'is_null' }, { field: 'details.level', op: 'in', value: [1, 'x', null] }] } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.data #> $2::text[] as c0, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text and ((case when jsonb_typeof(r.data #> $3::text[]) in ('string', 'number', 'boolean') then r.data #> $3::text[] end) = $4::jsonb and (case jsonb_typeof(r.data #> $3::text[]) when 'string' then (r.data #> $3::text[] #>> '{}') collate "C" > $5::text when 'number' then (r.data #> $3::text[])::numeric > $6::numeric when 'boolean' then (r.data #> $3::text[])::boolean > $7::boolean end) and coalesce(jsonb_typeof(r.data #> $8::text[] -> $9::text), 'null') = 'null' and ((case when jsonb_typeof(r.data #> $3::text[]) in ('string', 'number', 'boolean') then r.data #> $3::text[] end) = any($10::jsonb[])))`,
      `order by r.id asc`,
      `limit $11::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', ['details', 'items', '0', 'sku'], ['details', 'level'], '3', 'b', null, null, ['details', 'items'], '01', ['1', '"x"', null], 51]);
    assert.deepEqual(columnsOf(compiled), ['details.items.0.sku:c0:json']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('has_all on an indexed multi_enum, has_any on references (case-insensitive ids)', () => {
    const compiled = compileQuery(listQuery({ where: { and: [{ field: 'tags', op: 'has_all', value: ['network', 'power'] }, { field: 'watchers', op: 'has_any', value: ['0190A000-0000-7000-8000-000000000001'] }] } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text and ((r.id in (select ri1.record_id from record_index ri1 where ri1.type_key = $1::text and ri1.field_key = $2::text and ri1.value_text = any($4::text[])) and (case jsonb_typeof(r.data -> $2::text) when 'array' then r.data -> $2::text ?& $3::text[] end)) and (case jsonb_typeof(r.data -> $5::text) when 'array' then exists (select 1 from jsonb_array_elements_text(r.data -> $5::text) e(v) where e.v ~ '${UUID}' and lower(e.v) = any($6::text[])) end))`,
      `order by r.id asc`,
      `limit $7::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'tags', ['network', 'power'], ['network', 'power'], 'watchers', ['0190a000-0000-7000-8000-000000000001'], 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('quantifiers: forward EXISTS, every as NOT EXISTS ... IS NOT TRUE, none over a reverse any_reference', () => {
    const compiled = compileQuery(listQuery({ where: { and: [{ some: { path: 'watchers', where: { field: 'name', op: 'eq', value: 'Bob' } } }, { every: { path: 'task.incident', where: { field: 'done', op: 'eq', value: true } } }, { none: { path: 'note.about' } }] } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text and (exists (select 1 from record_links l1 join records q1 on q1.id = l1.to_id where l1.from_id = r.id and l1.field_key = $2::text and q1.type_key = $3::text and (case jsonb_typeof(q1.data -> $4::text) when 'string' then (q1.data -> $4::text #>> '{}') end) collate "C" = $5::text) and not exists (select 1 from record_links l2 join records q2 on q2.id = l2.from_id where l2.to_id = r.id and l2.field_key = $1::text and q2.type_key = $6::text and ((case jsonb_typeof(q2.data -> $7::text) when 'boolean' then (q2.data -> $7::text)::boolean end) = $8::boolean) is not true) and not exists (select 1 from record_links l3 join records q3 on q3.id = l3.from_id where l3.to_id = r.id and l3.field_key = $9::text and q3.type_key = $10::text))`,
      `order by r.id asc`,
      `limit $11::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'watchers', 'contact', 'name', 'Bob', 'task', 'done', true, 'about', 'note', 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('a related aggregate is a LATERAL sub-select over record_links_to', () => {
    const compiled = compileQuery({ ...listQuery({}), select: [{ kind: 'related_aggregate', name: 'open_estimate', relation: reverse('task.incident', 'incident'), aggregate: spec('sum', 'estimate', 'task'), where: listQuery({ from: 'task', where: { field: 'done', op: 'neq', value: true } }).where }] }, registry, context);
    assert.equal(compiled.text, sql(
      `select a1.value as c0, r.id::text as k0`,
      `from records r`,
      `cross join lateral (select sum((case jsonb_typeof(s1.data -> $3::text) when 'number' then case when (s1.data -> $3::text)::numeric = trunc((s1.data -> $3::text)::numeric) and abs((s1.data -> $3::text)::numeric) <= 9007199254740991 then (s1.data -> $3::text)::numeric end end)) as value from record_links l1 join records s1 on s1.id = l1.from_id where l1.to_id = r.id and l1.field_key = $1::text and s1.type_key = $2::text and (case jsonb_typeof(s1.data -> $4::text) when 'boolean' then (s1.data -> $4::text)::boolean end) <> $5::boolean) a1`,
      `where r.type_key = $1::text`,
      `order by r.id asc`,
      `limit $6::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'task', 'estimate', 'done', true, 51]);
    assert.deepEqual(columnsOf(compiled), ['open_estimate:c0:number']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('a keyset after a NULL key: an OR chain with IS NOT DISTINCT FROM ties', () => {
    const compiled = compileQuery(listQuery({ orderBy: [{ field: 'cost', direction: 'desc' }, { field: 'title' }], after: { keys: [null, 'Zebra'], id: '0190a000-0000-7000-8000-000000000001' } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, ((case jsonb_typeof(r.data -> $2::text) when 'number' then (r.data -> $2::text)::numeric end))::text as k0, (case jsonb_typeof(r.data -> $3::text) when 'string' then (r.data -> $3::text #>> '{}') end) collate "C" as k1, r.id::text as k2`,
      `from records r`,
      `where r.type_key = $1::text and ((((case jsonb_typeof(r.data -> $2::text) when 'number' then (r.data -> $2::text)::numeric end) < $4::numeric or ($4::numeric is null and (case jsonb_typeof(r.data -> $2::text) when 'number' then (r.data -> $2::text)::numeric end) is not null))) or ((case jsonb_typeof(r.data -> $2::text) when 'number' then (r.data -> $2::text)::numeric end) is not distinct from $4::numeric and ($5::text is not null and ((case jsonb_typeof(r.data -> $3::text) when 'string' then (r.data -> $3::text #>> '{}') end) collate "C" > $5::text or (case jsonb_typeof(r.data -> $3::text) when 'string' then (r.data -> $3::text #>> '{}') end) collate "C" is null))) or ((case jsonb_typeof(r.data -> $2::text) when 'number' then (r.data -> $2::text)::numeric end) is not distinct from $4::numeric and (case jsonb_typeof(r.data -> $3::text) when 'string' then (r.data -> $3::text #>> '{}') end) collate "C" is not distinct from $5::text and r.id > $6::uuid))`,
      `order by (case jsonb_typeof(r.data -> $2::text) when 'number' then (r.data -> $2::text)::numeric end) desc, (case jsonb_typeof(r.data -> $3::text) when 'string' then (r.data -> $3::text #>> '{}') end) collate "C" asc, r.id asc`,
      `limit $7::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'cost', 'title', null, 'Zebra', '0190a000-0000-7000-8000-000000000001', 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0', 'k1', 'k2']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('a keyset over non-null ascending keys is a row comparison', () => {
    const compiled = compileQuery(listQuery({ orderBy: [{ field: 'created_at' }], after: { keys: ['2026-03-01T10:00:00.123456Z AD'], id: '0190a000-0000-7000-8000-000000000001' } }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, to_char((r.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z" BC') as k0, r.id::text as k1`,
      `from records r`,
      `where r.type_key = $1::text and (r.created_at, r.id) > ($2::timestamptz, $3::uuid)`,
      `order by r.created_at asc, r.id asc`,
      `limit $4::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', '2026-03-01T10:00:00.123456Z AD', '0190a000-0000-7000-8000-000000000001', 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0', 'k1']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('a JSON order key sorts by kind, then boolean, number and string value', () => {
    const compiled = compileQuery(listQuery({ orderBy: [{ field: 'details.level', direction: 'desc' }] }), registry, context);
    assert.equal(compiled.text, sql(
      `select r.id as c0, ((case jsonb_typeof(r.data #> $2::text[]) when 'boolean' then 1 when 'number' then 2 when 'string' then 3 end))::text as k0, ((case jsonb_typeof(r.data #> $2::text[]) when 'boolean' then (r.data #> $2::text[])::boolean end))::text as k1, ((case jsonb_typeof(r.data #> $2::text[]) when 'number' then (r.data #> $2::text[])::numeric end))::text as k2, (case jsonb_typeof(r.data #> $2::text[]) when 'string' then (r.data #> $2::text[] #>> '{}') end) collate "C" as k3, r.id::text as k4`,
      `from records r`,
      `where r.type_key = $1::text`,
      `order by (case jsonb_typeof(r.data #> $2::text[]) when 'boolean' then 1 when 'number' then 2 when 'string' then 3 end) desc, (case jsonb_typeof(r.data #> $2::text[]) when 'boolean' then (r.data #> $2::text[])::boolean end) desc, (case jsonb_typeof(r.data #> $2::text[]) when 'number' then (r.data #> $2::text[])::numeric end) desc, (case jsonb_typeof(r.data #> $2::text[]) when 'string' then (r.data #> $2::text[] #>> '{}') end) collate "C" desc, r.id asc`,
      `limit $3::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', ['details', 'level'], 51]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0', 'k1', 'k2', 'k3', 'k4']);
    assert.equal(compiled.fetch, 51);
    assert.equal(compiled.totals, null);
  });

  test('streaming: no LIMIT, OFFSET when asked for', () => {
    const compiled = compileQuery(listQuery({ offset: 100 }), registry, { ...context, stream: true });
    assert.equal(compiled.text, sql(
      `select r.id as c0, r.id::text as k0`,
      `from records r`,
      `where r.type_key = $1::text`,
      `order by r.id asc`,
      `offset $2::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 100]);
    assert.deepEqual(columnsOf(compiled), ['id:c0:text']);
    assert.deepEqual(compiled.cursorColumns, ['k0']);
    assert.equal(compiled.fetch, null);
    assert.equal(compiled.totals, null);
  });

  test('groups: path and week bucket in a zone, count and percentile, having, order, totals', () => {
    const compiled = compileQuery(aggregateQuery({ where: { field: 'state', op: 'neq', value: 'closed' }, groupBy: ['assignee', { field: 'opened_at', bucket: 'week', timeZone: 'America/Sao_Paulo', as: 'week' }], aggregates: [{ fn: 'count', as: 'open' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' }], having: { kind: 'compare', op: 'gt', name: 'open', value: 5 }, orderBy: [{ name: 'open', direction: 'desc' }], totals: true }), registry, context);
    assert.equal(compiled.text, sql(
      `select (case when (r.data -> $2::text #>> '{}') ~ '${UUID}' then (r.data -> $2::text #>> '{}')::uuid end) as c0, to_char((date_trunc($4::text, (case when (r.data -> $3::text #>> '{}') ~ '${DATETIME}' then (r.data -> $3::text #>> '{}')::timestamptz end), $5::text)) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as c1, date_trunc($4::text, (case when (r.data -> $3::text #>> '{}') ~ '${DATETIME}' then (r.data -> $3::text #>> '{}')::timestamptz end), $5::text) as v1, count(*) as c2, percentile_cont($7::float8) within group (order by (case jsonb_typeof(r.data -> $6::text) when 'number' then case when (r.data -> $6::text)::numeric = trunc((r.data -> $6::text)::numeric) and abs((r.data -> $6::text)::numeric) <= 9007199254740991 then (r.data -> $6::text)::numeric end end)) as c3`,
      `from records r`,
      `where r.type_key = $1::text and r.state collate "C" <> $8::text`,
      `group by c0, v1`,
      `having count(*) > $9::numeric`,
      `order by c2 desc, c0 asc, v1 asc`,
      `limit $10::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'assignee', 'opened_at', 'week', 'America/Sao_Paulo', 'minutes_to_respond', 0.9, 'closed', 5, 100]);
    assert.deepEqual(columnsOf(compiled), ['assignee:c0:text', 'week:c1:text', 'open:c2:integer', 'p90:c3:number']);
    assert.deepEqual(compiled.cursorColumns, []);
    assert.equal(compiled.fetch, 100);
    assert.equal(compiled.totals?.text, sql(
      `select count(*) as c0, percentile_cont($3::float8) within group (order by (case jsonb_typeof(r.data -> $2::text) when 'number' then case when (r.data -> $2::text)::numeric = trunc((r.data -> $2::text)::numeric) and abs((r.data -> $2::text)::numeric) <= 9007199254740991 then (r.data -> $2::text)::numeric end end)) as c1`,
      `from records r`,
      `where r.type_key = $1::text and r.state collate "C" <> $4::text`,
    ));
    assert.deepEqual(compiled.totals?.values, ['incident', 'minutes_to_respond', 0.9, 'closed']);
  });

  test('groups: a date bucket, a JSON value, min/max/count_distinct, having over a list, offset', () => {
    const J = `(case when coalesce(jsonb_typeof(r.data #> $4::text[]), 'null') <> 'null' then r.data #> $4::text[] end)`;
    const compiled = compileQuery(aggregateQuery({ groupBy: [{ field: 'due_on', bucket: 'month', as: 'month' }, 'details.level'], aggregates: [{ fn: 'min', field: 'title', as: 'first' }, { fn: 'max', field: 'details.level', as: 'top' }, { fn: 'count_distinct', field: 'tags', as: 'tag_sets' }, { fn: 'max', field: 'closed_at', as: 'last_closed' }], having: { kind: 'list', op: 'in', name: 'month', items: ['2026-03-01', null] }, limit: 10, offset: 20 }), registry, context);
    assert.equal(compiled.text, sql(
      `select to_char(date_trunc($3::text, (case when (r.data -> $2::text #>> '{}') ~ '${CASTABLE_DATE}' then (r.data -> $2::text #>> '{}')::date end)::timestamp), 'YYYY-MM-DD') collate "C" as c0, (case when coalesce(jsonb_typeof(r.data #> $4::text[]), 'null') <> 'null' then r.data #> $4::text[] end) as c1, min((case jsonb_typeof(r.data -> $5::text) when 'string' then (r.data -> $5::text #>> '{}') end) collate "C") as c2, max((case jsonb_typeof(r.data #> $4::text[]) when 'number' then (r.data #> $4::text[])::numeric end)) as c3, count(distinct (case when coalesce(jsonb_typeof(r.data -> $6::text), '') = 'array' then r.data -> $6::text end)) as c4, to_char((max((case when (r.data -> $7::text #>> '{}') ~ '${DATETIME}' then (r.data -> $7::text #>> '{}')::timestamptz end))) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as c5, max((case when (r.data -> $7::text #>> '{}') ~ '${DATETIME}' then (r.data -> $7::text #>> '{}')::timestamptz end)) as v5`,
      `from records r`,
      `where r.type_key = $1::text`,
      `group by c0, c1`,
      `having (to_char(date_trunc($3::text, (case when (r.data -> $2::text #>> '{}') ~ '${CASTABLE_DATE}' then (r.data -> $2::text #>> '{}')::date end)::timestamp), 'YYYY-MM-DD') collate "C" = any($8::text[]))`,
      // A JSON group key sorts as a JSON path sorts in a list: by kind, then by value.
      `order by c0 asc, (case jsonb_typeof(${J}) when 'boolean' then 1 when 'number' then 2 when 'string' then 3 when 'array' then 4 when 'object' then 4 end) asc,`,
      `(case jsonb_typeof(${J}) when 'boolean' then (${J})::boolean end) asc,`,
      `(case jsonb_typeof(${J}) when 'number' then (${J})::numeric end) asc,`,
      `(case jsonb_typeof(${J}) when 'string' then (${J} #>> '{}') end) collate "C" asc,`,
      `${J} asc`,
      `limit $9::integer`,
      `offset $10::integer`,
    ));
    assert.deepEqual(compiled.values, ['incident', 'due_on', 'month', ['details', 'level'], 'title', 'tags', 'closed_at', ['2026-03-01', null], 10, 20]);
    assert.deepEqual(columnsOf(compiled), ['month:c0:text', 'details.level:c1:json', 'first:c2:text', 'top:c3:number', 'tag_sets:c4:integer', 'last_closed:c5:text']);
    assert.deepEqual(compiled.cursorColumns, []);
    assert.equal(compiled.fetch, 10);
    assert.equal(compiled.totals, null);
  });
});

describe('compileQuery: shape, safety and agreement with the records capability', () => {
  test('the same shape gives the same text; only the values differ', () => {
    const shape = (priority: string, minutes: number, title: string) => compileQuery(listQuery({
      select: ['title', 'asset.name'],
      where: { and: [{ field: 'priority', op: 'eq', value: priority }, { field: 'minutes_to_respond', op: 'lt', value: minutes }, { field: 'title', op: 'contains', value: title }] },
      orderBy: [{ field: 'opened_at', direction: 'desc' }],
    }), registry, context);
    const one = shape('p1', 5, 'pump');
    const two = shape('p3', 90, 'x'.repeat(2000));
    assert.equal(one.text, two.text);
    assert.notDeepEqual(one.values, two.values);
    // Equal literals still get parameters of their own (sharing them would make the text depend on values).
    const same = compileQuery(listQuery({ where: { or: [{ field: 'title', op: 'eq', value: 'a' }, { field: 'title', op: 'eq', value: 'a' }] } }), registry, context);
    const different = compileQuery(listQuery({ where: { or: [{ field: 'title', op: 'eq', value: 'a' }, { field: 'title', op: 'eq', value: 'b' }] } }), registry, context);
    assert.equal(same.text, different.text);
  });

  test('no value, key or JSON path from the query becomes SQL text', () => {
    const hostile = `x'); drop table records; --`;
    const compiled = compileQuery(listQuery({
      select: [`details.${hostile}`],
      where: { and: [{ field: 'title', op: 'eq', value: hostile }, { field: `details.a"b.${hostile}`, op: 'icontains', value: hostile }, { field: 'tags', op: 'has_any', value: ['network'] }] },
      orderBy: [{ field: `details.${hostile}` }],
    }), registry, context);
    assert.ok(!compiled.text.includes('drop table'), compiled.text);
    assert.ok(!compiled.text.includes('a"b'), compiled.text);
    assert.ok(!/'(incident|title|details|tags|network)'/.test(compiled.text), compiled.text);
    assert.ok(compiled.values.some((value) => Array.isArray(value) && value.includes(hostile)));
  });

  test('a value no index entry can hold means no lookup: text over 1,000 characters, year 0000, has_all of nothing', () => {
    const indexed = compileQuery(listQuery({ where: { field: 'priority', op: 'eq', value: 'p1' } }), registry, context);
    assert.ok(indexed.text.includes('record_index'), indexed.text);
    const code = 'c'.repeat(MAX_INDEXED_TEXT + 1);
    const unindexable = compileQuery(listQuery({ where: { field: 'code', op: 'eq', value: code } }), registry, context);
    assert.ok(!unindexable.text.includes('record_index'), unindexable.text);
    const yearZero = compileQuery(listQuery({ where: { field: 'due_on', op: 'lt', value: '0000-01-01' } }), registry, context);
    assert.ok(!yearZero.text.includes('record_index'), yearZero.text);
  });

  test('the index lookup follows the records capability: entry columns and the longest entered text', () => {
    assert.equal(MAX_INDEXED_TEXT, RECORDS_MAX_INDEXED_TEXT);
    const types: FieldType[] = ['text', 'long_text', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'enum', 'multi_enum', 'email', 'url', 'json', 'user', 'reference', 'references', 'any_reference'];
    for (const type of types) assert.equal(INDEX_COLUMNS[type]?.column, indexColumnOf({ key: 'f', type }), type);
  });

  test('fields whose entries are not complete filter on data only', () => {
    const compiled = compileQuery(listQuery({ where: { field: 'priority', op: 'eq', value: 'p1' } }), registry, { ...context, indexedFields: () => new Set() });
    assert.ok(!compiled.text.includes('record_index'), compiled.text);
  });

  test('datetimes are bound with microseconds, years before 1 as BC', () => {
    assert.equal(isoFromMicros(Date.UTC(2026, 0, 20, 13) * 1000 + 123457), '2026-01-20T13:00:00.123457Z');
    assert.equal(isoFromMicros(-62167219200000000), '0001-01-01T00:00:00.000000Z BC');
    assert.equal(isoFromMicros(-1), '1969-12-31T23:59:59.999999Z');
  });

  test('a cursor with another number of keys than the order is refused (the service checks cursors first)', () => {
    assert.throws(() => compileQuery(listQuery({ orderBy: [{ field: 'title' }], after: { keys: [], id: '0190a000-0000-7000-8000-000000000001' } }), registry, context), /order keys/);
  });

  test('a related aggregate with a percentile, and the totals of a query without groups', () => {
    const item = { kind: 'related_aggregate' as const, name: 'p50', relation: reverse('task.incident', 'incident'), aggregate: spec('percentile', 'estimate', 'task', 0.5), where: null };
    const compiled = compileQuery({ ...listQuery({}), select: [item] }, registry, context);
    assert.match(compiled.text, /cross join lateral \(select percentile_cont\(\$4::float8\) within group \(order by .*\) as value from record_links l1 join records s1 on s1\.id = l1\.from_id where l1\.to_id = r\.id/);
    assert.deepEqual(columnsOf(compiled), ['p50:c0:number']);
    const totals = compileQuery(aggregateQuery({ aggregates: [{ fn: 'count', as: 'n' }], totals: true }), registry, context);
    assert.equal(totals.text, sql('select count(*) as c0', 'from records r', 'where r.type_key = $1::text', 'limit $2::integer'));
    assert.equal(totals.totals?.text, sql('select count(*) as c0', 'from records r', 'where r.type_key = $1::text'));
  });

  test('the examples of issue #5, parsed by parseQuery, compile to one statement each', () => {
    const limits: QueryLimits = { defaultPageSize: 50, maxPageSize: 200, maxGroups: 1000, maxHops: 3, maxConditions: 50, maxSelect: 50, statementTimeoutMs: 5000, maxStreamRows: 100_000 };
    const parsed = (input: unknown): ValidatedQuery => {
      const result = parseQuery(input, registry, limits);
      assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
      return result.query;
    };
    const list = compileQuery(parsed({
      from: 'incident', select: ['id', 'title', 'priority', 'asset.name', 'details.location.floor'],
      where: { and: [{ field: 'priority', op: 'in', value: ['p1', 'p2'] }, { field: 'asset.building', op: 'eq', value: '7' }, { field: 'created_at', op: 'gte', value: { relative: '-7d' } }] },
      order_by: [{ field: 'created_at', direction: 'desc' }], limit: 50,
    }), registry, context);
    assert.deepEqual(columnsOf(list), ['id:c0:text', 'title:c1:json', 'priority:c2:json', 'asset.name:c3:json', 'details.location.floor:c4:json']);
    assert.match(list.text, /ri1\.value_text = any\(/);
    assert.match(list.text, /exists \(select 1 from record_links l2 join records t1 on t1\.id = l2\.to_id where l2\.from_id = r\.id/);
    assert.match(list.text, / order by r\.created_at desc, r\.id asc limit \$\d+::integer$/);
    assert.equal(list.fetch, 51);
    const groups = compileQuery(parsed({
      from: 'incident', where: { field: 'state', op: 'neq', value: 'closed' },
      group_by: ['assignee', { field: 'created_at', bucket: 'week', time_zone: 'America/Sao_Paulo' }],
      aggregate: [{ fn: 'count', as: 'open' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' }],
      having: { field: 'open', op: 'gt', value: 5 }, order_by: [{ field: 'open', direction: 'desc' }], totals: true,
    }), registry, context);
    assert.deepEqual(columnsOf(groups), ['assignee:c0:text', 'created_at:c1:text', 'open:c2:integer', 'p90:c3:number']);
    assert.match(groups.text, / group by c0, v1 having count\(\*\) > \$\d+::numeric order by c2 desc, c0 asc, v1 asc limit /);
    assert.deepEqual(columnsOf(groups.totals!), ['open:c0:integer', 'p90:c1:number']);
  });
});
