// Aggregates over a row scope (the root's group, or a related set in a
// LATERAL sub-select), group keys and time buckets, each as the value the
// statement groups, filters (`having`) and orders by, the SQL that renders it
// in the answer, and its column decoder.
import type { Compilation } from './compilation.ts';
import { nullCheckSql } from './compare-sql.ts';
import { rawPath, type RowScope } from './paths-sql.ts';
import type { AggregateSpec, ColumnDecoder, GroupKey } from './query.ts';
import { pathValue, readCastableDate, renderTimestamp, type SqlKind, type Typed } from './value-sql.ts';

export interface Output {
  /** What `group by`, `having` and `order by` use. */
  readonly value: Typed;
  /** What the answer shows (datetimes as the records API writes them). */
  readonly render: string;
  readonly decode: ColumnDecoder;
}

/** Render and decoder of a value of `kind`. */
export function rendered(value: Typed): Output {
  switch (value.kind) {
    case 'timestamptz': return { value, render: renderTimestamp(value.sql), decode: 'text' };
    case 'numeric': case 'float8': return { value, render: value.sql, decode: 'number' };
    case 'boolean': return { value, render: value.sql, decode: 'boolean' };
    case 'json': case 'array': case 'reference': return { value, render: value.sql, decode: 'json' };
    case 'text': case 'date': case 'uuid': return { value, render: value.sql, decode: 'text' };
  }
}

/** A number to sum, average or take a percentile of: the numeric value, or a JSON number below a json field. */
function numberOf(value: Typed): string {
  return value.kind === 'json' ? `(case jsonb_typeof(${value.sql}) when 'number' then (${value.sql})::numeric end)` : value.sql;
}

/** Collections and JSON values as aggregate inputs and group keys: the stored JSON when it is a value (is_not_null), else NULL. */
function jsonOf(value: Typed): string {
  return `(case when ${nullCheckSql('is_not_null', value)} then ${value.sql} end)`;
}

const TYPED: ReadonlySet<SqlKind> = new Set(['text', 'date', 'timestamptz', 'uuid', 'numeric', 'boolean']);

/**
 * count: rows, or non-null values; count_distinct: distinct non-null values;
 * sum, avg, percentile (continuous): numbers (below a json field, JSON numbers);
 * min, max: ordered values (text by code point, dates, datetimes, numbers; below a
 * json field, JSON numbers). An empty set gives count 0 and NULL otherwise.
 */
export function aggregateOutput(compilation: Compilation, spec: AggregateSpec, scope: RowScope): Output {
  const { b } = compilation;
  if (spec.path === null) return { ...rendered({ kind: 'numeric', sql: 'count(*)' }), decode: 'integer' };
  const value = pathValue(b, scope, spec.path);
  const typed = TYPED.has(value.kind);
  switch (spec.fn) {
    case 'count':
      return { ...rendered({ kind: 'numeric', sql: typed ? `count(${value.sql})` : `count(case when ${nullCheckSql('is_not_null', value)} then 1 end)` }), decode: 'integer' };
    case 'count_distinct':
      return { ...rendered({ kind: 'numeric', sql: `count(distinct ${typed ? value.sql : jsonOf(value)})` }), decode: 'integer' };
    case 'sum': case 'avg':
      return rendered({ kind: 'numeric', sql: `${spec.fn}(${numberOf(value)})` });
    case 'percentile':
      return rendered({ kind: 'float8', sql: `percentile_cont(${b.param(spec.p ?? 0.5, 'float8')}) within group (order by ${numberOf(value)})` });
    case 'min': case 'max':
      return rendered(extreme(spec.fn, value));
  }
}

function extreme(fn: 'min' | 'max', value: Typed): Typed {
  switch (value.kind) {
    case 'boolean': return { kind: 'boolean', sql: `${fn === 'min' ? 'bool_and' : 'bool_or'}(${value.sql})` };
    // uuid has no min/max; its text orders the same (fixed-width lower-case hex).
    case 'uuid': return { kind: 'text', sql: `${fn}(${value.sql}::text)` };
    case 'json': case 'array': case 'reference': return { kind: 'numeric', sql: `${fn}(${numberOf({ ...value, kind: 'json' })})` };
    default: return { kind: value.kind, sql: `${fn}(${value.sql})` };
  }
}

/** A group key: the path's typed value (JSON and collections: the stored JSON), or a time bucket. */
export function groupOutput(compilation: Compilation, key: GroupKey, scope: RowScope): Output {
  const { b } = compilation;
  const value = pathValue(b, scope, key.path);
  if (key.kind === 'path') return rendered(TYPED.has(value.kind) ? value : { kind: 'json', sql: jsonOf(value) });
  const unit = b.param(key.bucket, 'text');
  if (value.kind === 'timestamptz') {
    // The bucket's start in the zone's wall clock (date_trunc with a zone handles DST), answered as an instant.
    return rendered({ kind: 'timestamptz', sql: `date_trunc(${unit}, ${value.sql}, ${b.param(key.timeZone, 'text')})` });
  }
  // A date truncated as a calendar date ('hour' leaves it as it is).
  const date = readCastableDate(rawPath(b, scope, key.path));
  return rendered({ kind: 'date', sql: `to_char(date_trunc(${unit}, ${date}::timestamp), 'YYYY-MM-DD') collate "C"` });
}
