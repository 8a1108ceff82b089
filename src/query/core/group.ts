// `group_by`: paths as strings, or `{ "field", "bucket"?, "time_zone"?, "as"? }`.
// A bucket truncates a date or datetime to the start of its hour, day, ISO
// week, month, quarter or year in an IANA time zone (default UTC).
import { isTimeZone, pointerTo, type ResolvedPath, type ValueType } from '../../conditions/index.ts';
import { parseOutputName } from './aggregates.ts';
import { has, isObject, member, rejectUnknownMembers, type JsonObject } from './dsl-input.ts';
import { MAX_GROUP_KEYS } from './limits.ts';
import type { OutputNames } from './outputs.ts';
import { describePath, isScalarPath, SCALAR_RULE } from './path-kinds.ts';
import { TIME_BUCKETS, type GroupKey, type TimeBucket } from './query.ts';
import type { ParseScope } from './scope.ts';

const GROUP_KEYS = ['field', 'bucket', 'time_zone', 'as'] as const;
const ITEM_SHAPES = 'a field path, or {"field", "bucket"?, "time_zone"?, "as"?}';
const DATE_BUCKETS = TIME_BUCKETS.filter((bucket) => bucket !== 'hour');
// IANA names only: a leading sign ("+03:00") means opposite offsets to Intl and to PostgreSQL (POSIX).
const ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** The zone's canonical IANA spelling ("america/sao_paulo" -> "America/Sao_Paulo"), so equal queries compile to equal values; null when unknown. */
function canonicalZone(value: unknown): string | null {
  if (typeof value !== 'string' || !ZONE_PATTERN.test(value) || !isTimeZone(value)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
}

function bucketOf(scope: ParseScope, item: JsonObject, pointer: string, path: ResolvedPath | null): { bucket: TimeBucket; timeZone: string } | null | undefined {
  const problems = scope.problems;
  if (!has(item, 'bucket')) {
    if (has(item, 'time_zone')) problems.add(pointerTo(pointer, 'time_zone'), 'applies to time buckets only: add "bucket" or remove "time_zone"');
    return undefined;
  }
  const bucketPointer = pointerTo(pointer, 'bucket');
  const bucket = item.bucket;
  let known: TimeBucket | null = null;
  if (typeof bucket !== 'string' || !(TIME_BUCKETS as readonly string[]).includes(bucket)) problems.add(bucketPointer, `must be one of: ${TIME_BUCKETS.join(', ')}`);
  else known = bucket as TimeBucket;
  let timeZone: string | null = 'UTC';
  if (has(item, 'time_zone')) {
    timeZone = canonicalZone(item.time_zone);
    if (timeZone === null) problems.add(pointerTo(pointer, 'time_zone'), 'must be an IANA time zone name such as "UTC", "Europe/Lisbon" or "America/Sao_Paulo"');
  }
  if (path !== null && known !== null) {
    if (path.jsonPath.length > 0 || (path.valueType !== 'date' && path.valueType !== 'datetime')) {
      return problems.add(bucketPointer, `time buckets apply to date and datetime fields only, not ${describePath(path)}`);
    }
    if (path.valueType === 'date' && known === 'hour') {
      return problems.add(bucketPointer, `a date field ('${path.path}') has no hours; must be one of: ${DATE_BUCKETS.join(', ')}`);
    }
  }
  return known === null || timeZone === null ? null : { bucket: known, timeZone };
}

export function parseGroupBy(scope: ParseScope, input: unknown, type: string | null, outputs: OutputNames): GroupKey[] | null {
  const problems = scope.problems;
  const pointer = '/group_by';
  if (!Array.isArray(input) || input.length === 0) return problems.add(pointer, `must be a non-empty array of group keys: ${ITEM_SHAPES} (omit it to aggregate over all rows)`);
  if (input.length > MAX_GROUP_KEYS) return problems.add(pointer, `must have at most ${MAX_GROUP_KEYS} group keys`);
  const before = problems.count;
  const keys: GroupKey[] = [];
  input.forEach((item: unknown, index) => {
    const itemPointer = pointerTo(pointer, index);
    if (typeof item !== 'string' && !isObject(item)) return problems.add(itemPointer, `must be ${ITEM_SHAPES}`);
    const object: JsonObject = typeof item === 'string' ? { field: item } : item;
    if (isObject(item)) rejectUnknownMembers(item, GROUP_KEYS, itemPointer, problems);
    const fieldPointer = typeof item === 'string' ? itemPointer : pointerTo(itemPointer, 'field');
    let path: ResolvedPath | null = null;
    if (!has(object, 'field')) problems.add(itemPointer, 'must have "field": the path to group by');
    else {
      path = scope.path(object.field, type, fieldPointer);
      if (path !== null && !isScalarPath(path)) {
        problems.add(fieldPointer, `cannot group by ${describePath(path)}; group by ${SCALAR_RULE}`);
        path = null;
      }
    }
    const bucket = bucketOf(scope, object, itemPointer, path);
    const as = parseOutputName(scope, object, itemPointer, false);
    const written = member(object, 'field');
    const name = as ?? (typeof written === 'string' ? written : null);
    if (name === null) return null;
    const valueType: ValueType | null = path === null ? null : bucket ? (path.valueType === 'date' ? 'date' : 'datetime') : path.valueType;
    const info = { name, valueType, enumValues: path !== null && !bucket ? path.enumValues : null, role: 'group key' };
    if (!outputs.add(info, as === undefined ? fieldPointer : pointerTo(itemPointer, 'as'), problems) || path === null || bucket === null) return null;
    keys.push(bucket === undefined ? { kind: 'path', name, path } : { kind: 'bucket', name, path, bucket: bucket.bucket, timeZone: bucket.timeZone });
    return null;
  });
  return problems.count > before ? null : keys;
}
