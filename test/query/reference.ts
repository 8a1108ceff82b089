// The reference implementation of a whole ValidatedQuery, in memory, for the
// differential test (differential.test.ts): the `where` of the condition
// language with its own evaluator (evaluate() over inMemoryRecords), and the
// rest written from the documented semantics, independently of the compiler:
// - sort: text by code point (COLLATE "C"), uuids by their lower-case text,
//   datetimes as instants, false < true; null is the largest value
//   (PostgreSQL's default: nulls last ascending, first descending); a JSON
//   path sorts as JSON scalars, booleans, then numbers, then strings, objects
//   and arrays as null; the record id ascending ends every list order;
// - select: a field's stored JSON value as it is, system fields as the
//   records API renders them;
// - group by: typed values (a value of the wrong JSON type is null), JSON
//   paths by their JSON value, time buckets as date_trunc(unit, t, zone);
// - aggregates: count (rows, or non-null values), count_distinct, sum, avg,
//   min, max and percentile_cont; sums exact (decimal arithmetic, as numeric);
// - having: SQL's three-valued logic over the outputs, literals read as the
//   output's type; totals: the aggregates over every matching record.
// Every answered row carries both the rendered value (what the API answers)
// and the typed value it sorts by, so groups can be ordered as PostgreSQL
// orders the value columns.
import {
  coerce, compareText, evaluate, inMemoryRecords,
  type Comparable, type EvaluationContext, type RecordView, type ResolvedPath, type StoredRecord, type ValueType,
} from '../../src/conditions/index.ts';
import { addDays, instantOf, isoWeekday, localDateTime } from '../../src/conditions/time-zone.ts';
import type { AggregateQuery, AggregateSpec, GroupKey, ListQuery, OutputCondition } from '../../src/query/core/query.ts';
import { canonical, percentileCont } from './expected-values.ts';

export type Row = Record<string, unknown>;

/** A value as it sorts: typed scalars, or null (the largest). `tie` marks values whose order the semantics leave open (JSON objects and arrays among themselves). */
export type Sortable = string | number | boolean | null;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function compareSortable(left: Sortable, right: Sortable): number {
  if (left === null || right === null) return left === right ? 0 : left === null ? 1 : -1;
  if (typeof left === 'string' && typeof right === 'string') return compareText(left, right);
  if (typeof left === 'number' && typeof right === 'number') return left === right ? 0 : left < right ? -1 : 1;
  if (typeof left === 'boolean' && typeof right === 'boolean') return left === right ? 0 : left ? 1 : -1;
  throw new Error(`reference: cannot order ${typeof left} against ${typeof right}`);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** A JSON value's sort keys: kind rank (boolean 1, number 2, string 3), then the value in its kind; not a scalar: all null. */
function jsonSortKeys(raw: unknown): Sortable[] {
  if (!isScalar(raw)) return [null, null, null, null];
  return [
    typeof raw === 'boolean' ? 1 : typeof raw === 'number' ? 2 : 3,
    typeof raw === 'boolean' ? raw : null,
    typeof raw === 'number' ? raw : null,
    typeof raw === 'string' ? raw : null,
  ];
}

/** The typed value of a path (coerce.ts), or for a JSON path its raw JSON value (JSON null and missing as null). */
function typedValue(view: RecordView, path: ResolvedPath): unknown {
  const raw = view.get(path);
  switch (path.valueType) {
    case 'json': return raw === undefined ? null : raw;
    case 'multi_enum': case 'references': return Array.isArray(raw) ? raw : null;
    case 'any_reference': return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && UUID.test(String((raw as { id?: unknown }).id)) ? raw : null;
    default: return coerce(raw, path.valueType);
  }
}

function sortKeysOf(view: RecordView, path: ResolvedPath): Sortable[] {
  const value = typedValue(view, path);
  if (path.valueType === 'json') return jsonSortKeys(value);
  return [isScalar(value) ? value : null];
}

function compareKeyLists(left: readonly Sortable[][], right: readonly Sortable[][], signs: readonly number[]): number {
  for (let index = 0; index < left.length; index++) {
    const a = left[index]!;
    const b = right[index]!;
    for (let part = 0; part < a.length; part++) {
      const order = compareSortable(a[part]!, b[part]!);
      if (order !== 0) return order * signs[index]!;
    }
  }
  return 0;
}

export function isoOfMicros(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString();
}

/** A selected path as the records API shows it (system fields as the API renders them; a field's stored JSON). */
function selectedValue(view: RecordView, path: ResolvedPath): unknown {
  const raw = view.get(path);
  if (raw === undefined) return null;
  if (path.system && ['created_at', 'updated_at', 'state_entered_at', 'sla_due_at'].includes(path.field)) {
    const micros = coerce(raw, 'datetime');
    return typeof micros === 'number' ? isoOfMicros(micros) : null;
  }
  if (path.system && typeof raw === 'string' && path.valueType === 'uuid') return raw.toLowerCase();
  return raw;
}

// ---------------------------------------------------------------- exact decimals (numeric sums)

interface Decimal { readonly units: bigint; readonly scale: number }

function decimalOf(value: number): Decimal {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(value));
  if (!match) throw new Error(`reference: not a decimal ${value}`);
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  let digits = `${whole}${fraction}`;
  let scale = fraction.length - exponent;
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  return { units: BigInt(`${sign}${digits}`), scale };
}

function addDecimals(values: readonly number[]): Decimal {
  const decimals = values.map(decimalOf);
  const scale = Math.max(0, ...decimals.map((decimal) => decimal.scale));
  let units = 0n;
  for (const decimal of decimals) units += decimal.units * 10n ** BigInt(scale - decimal.scale);
  return { units, scale };
}

function decimalNumber(decimal: Decimal): number {
  const negative = decimal.units < 0n;
  const digits = (negative ? -decimal.units : decimal.units).toString().padStart(decimal.scale + 1, '0');
  const text = decimal.scale === 0 ? digits : `${digits.slice(0, -decimal.scale)}.${digits.slice(-decimal.scale)}`;
  return Number(`${negative ? '-' : ''}${text}`);
}

// ---------------------------------------------------------------- aggregates

/** An answered value and the value it sorts and compares by (having). */
export interface Cell {
  readonly rendered: unknown;
  readonly typed: Sortable;
  /** The condition-language value type its literals are read as (having). */
  readonly valueType: ValueType;
}

function numberCell(value: number | null): Cell {
  return { rendered: value, typed: value, valueType: 'decimal' };
}

export function aggregateCell(spec: AggregateSpec, views: readonly RecordView[]): Cell {
  if (spec.path === null) return numberCell(views.length);
  const path = spec.path;
  const values = views.map((view) => typedValue(view, path)).filter((value) => value !== null && value !== undefined);
  // Numbers to sum: integer and decimal values; below a json field, JSON numbers.
  const numbers = path.valueType === 'json' || path.valueType === 'integer' || path.valueType === 'decimal'
    ? values.filter((value): value is number => typeof value === 'number') : [];
  switch (spec.fn) {
    case 'count': return numberCell(values.length);
    case 'count_distinct': return numberCell(new Set(values.map(canonical)).size);
    case 'sum': return numberCell(numbers.length === 0 ? null : decimalNumber(addDecimals(numbers)));
    case 'avg': {
      if (numbers.length === 0) return numberCell(null);
      return numberCell(decimalNumber(addDecimals(numbers)) / numbers.length);
    }
    case 'percentile': return numberCell(numbers.length === 0 ? null : percentileCont([...numbers].sort((a, b) => a - b), spec.p ?? 0.5));
    case 'min': case 'max': {
      const ordered = (path.valueType === 'json' ? numbers : values) as Sortable[];
      const valueType: ValueType = path.valueType === 'json' ? 'decimal' : path.valueType;
      if (ordered.length === 0) return { rendered: null, typed: null, valueType };
      const sorted = [...ordered].sort(compareSortable);
      const pick = sorted[spec.fn === 'min' ? 0 : sorted.length - 1]!;
      return { rendered: valueType === 'datetime' ? isoOfMicros(pick as number) : pick, typed: pick, valueType };
    }
  }
}

// ---------------------------------------------------------------- groups

function pad(value: number, length = 2): string {
  return String(value).padStart(length, '0');
}

/** date_trunc(unit, value, zone): the local wall clock truncated, back to an instant (from days up, with the offset of the new local time). */
function bucketCell(value: unknown, key: Extract<GroupKey, { kind: 'bucket' }>): Cell {
  const truncate = (year: number, month: number, day: number, hour: number) => {
    switch (key.bucket) {
      case 'hour': return { year, month, day, hour };
      case 'day': return { year, month, day, hour: 0 };
      case 'week': return { ...addDays(year, month, day, 1 - isoWeekday(year, month, day)), hour: 0 };
      case 'month': return { year, month, day: 1, hour: 0 };
      case 'quarter': return { year, month: month - ((month - 1) % 3), day: 1, hour: 0 };
      case 'year': return { year, month: 1, day: 1, hour: 0 };
    }
  };
  if (key.path.valueType === 'date') {
    if (typeof value !== 'string') return { rendered: null, typed: null, valueType: 'date' };
    const [year, month, day] = value.split('-').map(Number) as [number, number, number];
    // PostgreSQL has no year 0: such a date has no bucket.
    if (year === 0) return { rendered: null, typed: null, valueType: 'date' };
    const start = truncate(year, month, day, 0);
    const text = `${pad(start.year, 4)}-${pad(start.month)}-${pad(start.day)}`;
    return { rendered: text, typed: text, valueType: 'date' };
  }
  if (typeof value !== 'number') return { rendered: null, typed: null, valueType: 'datetime' };
  const millis = Math.floor(value / 1000);
  const local = localDateTime(millis, key.timeZone);
  let start: number;
  // An hour keeps the instant's own offset: PostgreSQL re-resolves the zone's offset only for days and longer.
  if (key.bucket === 'hour') start = millis - (local.minute * 60 + local.second) * 1000 - local.millisecond;
  else start = instantOf({ ...truncate(local.year, local.month, local.day, local.hour), minute: 0, second: 0, millisecond: 0 }, key.timeZone);
  return { rendered: new Date(start).toISOString(), typed: start * 1000, valueType: 'datetime' };
}

/** A group key's cell; `identity` is what groups are told apart by. */
function groupCell(view: RecordView, key: GroupKey): { cell: Cell; identity: string; jsonKeys: Sortable[] | null } {
  const value = typedValue(view, key.path);
  if (key.kind === 'bucket') {
    const cell = bucketCell(value, key);
    return { cell, identity: canonical(cell.typed), jsonKeys: null };
  }
  const path = key.path;
  if (path.valueType === 'json') {
    return { cell: { rendered: value, typed: isScalar(value) ? value : null, valueType: 'json' }, identity: canonical(value), jsonKeys: jsonGroupKeys(value) };
  }
  const typed = isScalar(value) ? value : null;
  const rendered = typed !== null && path.valueType === 'datetime' ? isoOfMicros(typed as number) : typed;
  return { cell: { rendered, typed, valueType: path.valueType }, identity: canonical(typed), jsonKeys: null };
}

/** A JSON group key sorts as a JSON path does, with objects and arrays after the scalars (their order among themselves left open) and null last. */
function jsonGroupKeys(value: unknown): Sortable[] {
  if (value === null || value === undefined) return [null, null, null, null];
  if (!isScalar(value)) return [4, null, null, null];
  return jsonSortKeys(value);
}

/** A JSON object or array as a group key (canonical text), or null: their order among themselves is left open. */
function openJson(cell: Cell): string | null {
  return cell.valueType === 'json' && cell.rendered !== null && !isScalar(cell.rendered) ? canonical(cell.rendered) : null;
}

/** As compareKeyLists, but two different open keys (JSON objects and arrays) end the comparison undecided (0). */
function compareOpenKeyLists(left: readonly Sortable[][], leftOpen: readonly (string | null)[], right: readonly Sortable[][], rightOpen: readonly (string | null)[], signs: readonly number[]): number {
  for (let index = 0; index < left.length; index++) {
    const order = compareKeyLists([left[index]!], [right[index]!], [signs[index]!]);
    if (order !== 0) return order;
    if (leftOpen[index] !== rightOpen[index]) return 0;
  }
  return 0;
}

// ---------------------------------------------------------------- having

type Truth = boolean | null;
const and = (values: Truth[]): Truth => (values.includes(false) ? false : values.includes(null) ? null : true);
const or = (values: Truth[]): Truth => (values.includes(true) ? true : values.includes(null) ? null : false);

/** A literal read as the output's type (coerce.ts); integers as numbers. */
function literalOf(value: unknown, cell: Cell): Sortable {
  if (value === null || value === undefined) return null;
  const read = coerce(value, cell.valueType === 'integer' ? 'decimal' : cell.valueType);
  return isScalar(read) ? read : null;
}

function compareTruth(op: string, left: Sortable, right: Sortable): Truth {
  if (left === null || right === null) return null;
  if (typeof left !== typeof right) {
    // JSON scalars of different kinds: never equal, not ordered.
    if (op === 'eq') return false;
    if (op === 'neq') return true;
    return null;
  }
  const sign = compareSortable(left, right);
  switch (op) {
    case 'eq': return sign === 0;
    case 'neq': return sign !== 0;
    case 'lt': return sign < 0;
    case 'lte': return sign <= 0;
    case 'gt': return sign > 0;
    case 'gte': return sign >= 0;
    default: throw new Error(`reference: operator ${op}`);
  }
}

function havingTruth(condition: OutputCondition, cells: ReadonlyMap<string, Cell>): Truth {
  const cell = (name: string) => {
    const found = cells.get(name);
    if (found === undefined) throw new Error(`reference: no output ${name}`);
    return found;
  };
  switch (condition.kind) {
    case 'and': return and(condition.items.map((item) => havingTruth(item, cells)));
    case 'or': return or(condition.items.map((item) => havingTruth(item, cells)));
    case 'not': {
      const value = havingTruth(condition.item, cells);
      return value === null ? null : !value;
    }
    case 'null_check': {
      const target = cell(condition.name);
      const isNull = target.valueType === 'json' ? target.rendered === null : target.typed === null;
      return condition.op === 'is_null' ? isNull : !isNull;
    }
    case 'compare': {
      const target = cell(condition.name);
      return compareTruth(condition.op, target.typed, literalOf(condition.value, target));
    }
    case 'between': {
      const target = cell(condition.name);
      return and([compareTruth('gte', target.typed, literalOf(condition.low, target)), compareTruth('lte', target.typed, literalOf(condition.high, target))]);
    }
    case 'list': {
      const target = cell(condition.name);
      const found = condition.items.length === 0 ? false : or(condition.items.map((item) => compareTruth('eq', target.typed, literalOf(item, target))));
      return condition.op === 'in' ? found : found === null ? null : !found;
    }
  }
}

// ---------------------------------------------------------------- queries

export interface ReferenceList {
  readonly rows: Row[];
}

export function referenceList(records: readonly StoredRecord[], query: ListQuery, context: EvaluationContext): Row[] {
  const set = inMemoryRecords(records);
  const signs = query.orderBy.map((order) => (order.direction === 'asc' ? 1 : -1));
  const matching = records
    .filter((record) => record.type === query.from)
    .map((record) => ({ record, view: set.view(record) }))
    .filter(({ view }) => query.where === null || evaluate(query.where, view, context) === true)
    .map((entry) => ({ ...entry, keys: query.orderBy.map((order) => sortKeysOf(entry.view, order.path)) }))
    .sort((left, right) => compareKeyLists(left.keys, right.keys, signs) || compareText(left.record.id.toLowerCase(), right.record.id.toLowerCase()));
  const start = query.offset ?? 0;
  const page = query.offset === null ? matching : matching.slice(start, start + query.limit);
  return page.map(({ view }) => Object.fromEntries(query.select.map((item) => {
    if (item.kind === 'path') return [item.name, selectedValue(view, item.path)];
    const related = [...view.related(item.relation)].filter((other) => item.where === null || evaluate(item.where, other, context) === true);
    return [item.name, aggregateCell(item.aggregate, related).rendered];
  })));
}

export interface ReferenceAggregate {
  /** The groups in order (after having, offset and limit). */
  readonly data: Row[];
  readonly totals: Row | null;
  /** Whether the order of `data` is total (false when JSON objects or arrays tie as group keys): then compare as ordered runs. */
  readonly total: boolean;
  /** Compares two answered rows by the query's order (0 for ties the semantics leave open), for checking an order that is not total. */
  readonly compare: (left: Row, right: Row) => number;
}

export function referenceAggregate(records: readonly StoredRecord[], query: AggregateQuery, context: EvaluationContext): ReferenceAggregate {
  const set = inMemoryRecords(records);
  const views = records.filter((record) => record.type === query.from).map((record) => set.view(record))
    .filter((view) => query.where === null || evaluate(query.where, view, context) === true);
  interface Group { cells: Map<string, Cell>; jsonKeys: Map<string, Sortable[]>; members: RecordView[] }
  const groups = new Map<string, Group>();
  if (query.groupBy.length === 0) groups.set('', { cells: new Map(), jsonKeys: new Map(), members: views });
  for (const view of query.groupBy.length === 0 ? [] : views) {
    const keys = query.groupBy.map((key) => ({ key, ...groupCell(view, key) }));
    const identity = keys.map((key) => key.identity).join('|');
    let group = groups.get(identity);
    if (group === undefined) {
      group = {
        cells: new Map(keys.map((key) => [key.key.name, key.cell])),
        jsonKeys: new Map(keys.filter((key) => key.jsonKeys !== null).map((key) => [key.key.name, key.jsonKeys!])),
        members: [],
      };
      groups.set(identity, group);
    }
    group.members.push(view);
  }
  for (const group of groups.values()) {
    for (const aggregate of query.aggregates) group.cells.set(aggregate.name, aggregateCell(aggregate.aggregate, group.members));
  }
  let kept = [...groups.values()];
  if (query.having !== null) kept = kept.filter((group) => havingTruth(query.having!, group.cells) === true);

  const order = [
    ...query.orderBy,
    ...query.groupBy.filter((key) => !query.orderBy.some((item) => item.name === key.name)).map((key) => ({ name: key.name, direction: 'asc' as const })),
  ];
  const keysOf = (group: Group) => order.map((item) => group.jsonKeys.get(item.name) ?? [group.cells.get(item.name)!.typed]);
  const opensOf = (group: Group) => order.map((item) => openJson(group.cells.get(item.name)!));
  const signs = order.map((item) => (item.direction === 'asc' ? 1 : -1));
  const compareGroups = (left: Group, right: Group) => compareOpenKeyLists(keysOf(left), opensOf(left), keysOf(right), opensOf(right), signs);
  kept.sort(compareGroups);
  const total = !kept.some((group, index) => index > 0 && compareGroups(kept[index - 1]!, group) === 0);
  const rowOf = (group: Group): Row => Object.fromEntries([...group.cells].map(([name, cell]) => [name, cell.rendered]));
  const start = query.offset ?? 0;
  const data = kept.slice(start, start + query.limit).map(rowOf);

  // Ordering answered rows: JSON keys by their JSON value, datetimes (rendered) by instant, the rest as answered.
  const answeredKeys = (row: Row) => order.map((item) => {
    const key = query.groupBy.find((group) => group.name === item.name);
    const value = row[item.name] ?? null;
    if (key !== undefined && key.kind === 'path' && key.path.valueType === 'json') return jsonGroupKeys(value);
    if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) && !Number.isNaN(Date.parse(value))) return [Date.parse(value)];
    return [value as Sortable];
  });
  const answeredOpens = (row: Row) => order.map((item) => {
    const key = query.groupBy.find((group) => group.name === item.name);
    const value = row[item.name] ?? null;
    return key !== undefined && key.kind === 'path' && key.path.valueType === 'json' && value !== null && !isScalar(value) ? canonical(value) : null;
  });
  const compare = (left: Row, right: Row) => compareOpenKeyLists(answeredKeys(left), answeredOpens(left), answeredKeys(right), answeredOpens(right), signs);

  const totals = query.totals
    ? Object.fromEntries(query.aggregates.map((aggregate) => [aggregate.name, aggregateCell(aggregate.aggregate, views).rendered]))
    : null;
  return { data, totals, total, compare };
}
