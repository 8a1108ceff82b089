// Runs compiled queries on PostgreSQL and answers the same queries in memory
// with the condition language's evaluate() over inMemoryRecords, so the two
// can be compared row by row. Used by the hand-picked cases of
// compile-postgres.test.ts and meant for a differential property test: give
// it types, create records through the API (odd data through `setData`),
// build ValidatedQuery values, and call `checkList` / `checkAggregate`.
//
// The statements run as the application does: in the tenant transaction of
// the organisation's owner (runtime role, RLS and row ACL in force). Records
// for the in-memory side come from the records API, so they are exactly what
// the caller may see, rendered as the API renders them.
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  coerce, compareText, evaluate, inMemoryRecords, type EvaluationContext, type RecordView, type ResolvedPath, type StoredRecord,
} from '../../src/conditions/index.ts';
import { addDays, instantOf, isoWeekday, localDateTime } from '../../src/conditions/time-zone.ts';
import type { EntityTypeDefinition, RegistrySnapshot } from '../../src/entities/core/definitions.ts';
import { compileQuery } from '../../src/query/core/compile.ts';
import { registryOf } from '../../src/query/core/compile-fixtures.ts';
import type {
  AggregateQuery, AggregateSpec, ColumnDecoder, CompileContext, CompiledStatement, CursorPosition, GroupKey, ListQuery, OutputCondition,
} from '../../src/query/core/query.ts';
import { defineType } from '../helpers/entities.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { canonical, percentileCont } from './expected-values.ts';

export type Row = Record<string, unknown>;

export interface Harness {
  readonly app: TestApp;
  readonly owner: SignedUp;
  readonly registry: RegistrySnapshot;
  /** Creates a record through the API; answers its id. */
  create(type: string, body: Record<string, unknown>): Promise<string>;
  /** Creates records through the bulk API; answers their ids in order. */
  createMany(type: string, bodies: readonly Record<string, unknown>[]): Promise<string[]>;
  /** Overwrites one field of a record's stored data directly (as the owner role): odd data the API would refuse. Not for indexed fields' values. */
  setField(id: string, field: string, value: unknown): Promise<void>;
  /** Every record the owner can see, as the records API renders them. */
  records(): Promise<StoredRecord[]>;
  /** The compile context: the given clock, zone and user, the indexed fields from record_index_fields. */
  context(overrides?: Partial<CompileContext>): Promise<CompileContext>;
  /** Runs one statement in the owner's tenant transaction. */
  run(statement: CompiledStatement): Promise<Row[]>;
  stop(): Promise<void>;
}

export async function startHarness(types: readonly EntityTypeDefinition[]): Promise<Harness> {
  const app = await startTestApp();
  const owner = await signup(app);
  for (const type of types) await defineType(app, owner.token, type);
  const admin = new pg.Client({ connectionString: app.database.adminUrl });
  await admin.connect();
  const scope = { tenantId: owner.tenantId, userId: owner.userId, role: 'gestor' as const };

  const request = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const response = await app.request({ method, url, token: owner.token, body });
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };

  return {
    app,
    owner,
    registry: registryOf(types),
    create: async (type, body) => (await request('POST', `/api/records/${type}`, body)).id,
    createMany: async (type, bodies) => {
      const ids: string[] = [];
      for (let start = 0; start < bodies.length; start += 500) {
        const { results } = await request('POST', `/api/records/${type}/bulk`, { records: bodies.slice(start, start + 500) });
        for (const result of results) {
          assert.ok(result.status < 300, JSON.stringify(result));
          ids.push(result.id);
        }
      }
      return ids;
    },
    setField: async (id, field, value) => {
      const sql = value === undefined ? 'update records set data = data - $2 where id = $1' : 'update records set data = jsonb_set(data, array[$2], $3::jsonb) where id = $1';
      await admin.query(sql, value === undefined ? [id, field] : [id, field, JSON.stringify(value)]);
    },
    records: async () => {
      const all: StoredRecord[] = [];
      for (const type of types) {
        let cursor: string | null = null;
        do {
          const page: { data: StoredRecord[]; next_cursor: string | null } = await request('GET', `/api/records/${type.key}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          all.push(...page.data);
          cursor = page.next_cursor;
        } while (cursor !== null);
      }
      return all;
    },
    context: async (overrides = {}) => {
      const { rows } = await app.db.tenant.query<{ type_key: string; field_key: string }>(scope, 'select type_key, field_key from record_index_fields');
      const indexed = new Map<string, Set<string>>();
      for (const row of rows) indexed.set(row.type_key, (indexed.get(row.type_key) ?? new Set()).add(row.field_key));
      return {
        now: new Date('2026-03-10T15:00:00Z'), timeZone: 'America/Sao_Paulo', userId: owner.userId,
        indexedFields: (type: string) => indexed.get(type) ?? new Set<string>(), stream: false, ...overrides,
      };
    },
    run: (statement) => app.db.tenant.transaction(scope, async (tx) => (await tx.query(statement.text, [...statement.values])).rows),
    stop: async () => {
      await admin.end();
      await app.stop();
    },
  };
}

// ---------------------------------------------------------------- decoding

export function decode(value: unknown, decoder: ColumnDecoder): unknown {
  if (value === null || value === undefined) return null;
  switch (decoder) {
    case 'json': return value;
    case 'text': return String(value);
    case 'number': case 'integer': return Number(value);
    case 'boolean': return value === true;
  }
}

export function answer(rows: readonly Row[], statement: CompiledStatement): Row[] {
  return rows.map((row) => Object.fromEntries(statement.columns.map((column) => [column.name, decode(row[column.column], column.decode)])));
}

function position(row: Row, statement: CompiledStatement): CursorPosition {
  const texts = statement.cursorColumns.map((column) => (row[column] === null ? null : String(row[column])));
  return { keys: texts.slice(0, -1), id: String(texts.at(-1)) };
}

/** Every row of a list query, page by page through keyset cursors (as a client following next_cursor). */
export async function listAll(harness: Harness, query: ListQuery, context: CompileContext): Promise<Row[]> {
  const rows: Row[] = [];
  let after: CursorPosition | null = null;
  for (let page = 0; page < 1000; page++) {
    const statement = compileQuery({ ...query, after }, harness.registry, context);
    const fetched = await harness.run(statement);
    const more = statement.fetch !== null && fetched.length === statement.fetch;
    const shown = more ? fetched.slice(0, -1) : fetched;
    rows.push(...answer(shown, statement));
    if (!more) return rows;
    after = position(shown.at(-1)!, statement);
  }
  throw new Error('listAll: more than 1000 pages');
}

// ---------------------------------------------------------------- the in-memory side

function evaluationOf(context: CompileContext): EvaluationContext {
  return { now: context.now, timeZone: context.timeZone, userId: context.userId };
}

type Sortable = string | number | boolean | null;

/** Null is the largest value (PostgreSQL: nulls last ascending, first descending). */
function compareSortable(left: Sortable, right: Sortable): number {
  if (left === null || right === null) return left === right ? 0 : left === null ? 1 : -1;
  if (typeof left === 'string' && typeof right === 'string') return compareText(left, right);
  if (typeof left === 'number' && typeof right === 'number') return left === right ? 0 : left < right ? -1 : 1;
  if (typeof left === 'boolean' && typeof right === 'boolean') return left === right ? 0 : left ? 1 : -1;
  throw new Error(`cannot order ${typeof left} against ${typeof right}`);
}

/** A path's sort keys as the compiler defines them (keyset-sql.ts). */
function sortValues(view: RecordView, path: ResolvedPath): Sortable[] {
  const raw = view.get(path);
  if (path.valueType === 'json') {
    const scalar = typeof raw === 'boolean' || typeof raw === 'number' || typeof raw === 'string' ? raw : null;
    const rank = scalar === null ? null : typeof scalar === 'boolean' ? 1 : typeof scalar === 'number' ? 2 : 3;
    return [rank, typeof scalar === 'boolean' ? scalar : null, typeof scalar === 'number' ? scalar : null, typeof scalar === 'string' ? scalar : null];
  }
  const value = coerce(raw, path.valueType);
  return [value !== null && typeof value === 'object' ? JSON.stringify(value) : value];
}

/** A selected path as the records API renders it. */
function selected(view: RecordView, path: ResolvedPath): unknown {
  const raw = view.get(path);
  return raw === undefined ? null : raw;
}

export function expectedList(records: readonly StoredRecord[], query: ListQuery, context: CompileContext): Row[] {
  const set = inMemoryRecords(records);
  const evaluation = evaluationOf(context);
  const matching = records.filter((record) => record.type === query.from && (query.where === null || evaluate(query.where, set.view(record), evaluation) === true));
  const sorted = matching
    .map((record) => ({ record, view: set.view(record) }))
    .map((entry) => ({ ...entry, keys: query.orderBy.map((order) => ({ values: sortValues(entry.view, order.path), sign: order.direction === 'asc' ? 1 : -1 })) }))
    .sort((left, right) => {
      for (let index = 0; index < left.keys.length; index++) {
        const a = left.keys[index]!;
        const b = right.keys[index]!;
        for (let part = 0; part < a.values.length; part++) {
          const order = compareSortable(a.values[part]!, b.values[part]!);
          if (order !== 0) return order * a.sign;
        }
      }
      return compareText(left.record.id.toLowerCase(), right.record.id.toLowerCase());
    });
  const page = sorted.slice(query.offset ?? 0);
  return page.map(({ view }) => Object.fromEntries(query.select.map((item) => {
    if (item.kind === 'path') return [item.name, selected(view, item.path)];
    const related = [...view.related(item.relation)].filter((other) => item.where === null || evaluate(item.where, other, evaluation) === true);
    return [item.name, aggregateOf(item.aggregate, related)];
  })));
}

/** A value as aggregates and group keys see it: typed values coerced, JSON values raw (JSON null as missing). */
function readValue(view: RecordView, path: ResolvedPath): unknown {
  const raw = view.get(path);
  if (path.valueType === 'json' || path.valueType === 'multi_enum' || path.valueType === 'references') {
    if (path.valueType !== 'json' && !Array.isArray(raw)) return null;
    return raw === undefined ? null : raw;
  }
  if (path.valueType === 'any_reference') return coerce(raw, 'any_reference') === null ? null : raw;
  return coerce(raw, path.valueType);
}

function isoOfMicros(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString();
}

/** The rendered answer value of a typed value (datetimes as ISO instants with milliseconds). */
function renderValue(path: ResolvedPath, value: unknown): unknown {
  if (value === null) return null;
  return path.valueType === 'datetime' ? isoOfMicros(value as number) : value;
}

export function aggregateOf(spec: AggregateSpec, views: readonly RecordView[]): unknown {
  if (spec.path === null) return views.length;
  const path = spec.path;
  const values = views.map((view) => readValue(view, path)).filter((value) => value !== null);
  const numbers = values.filter((value): value is number => typeof value === 'number' && (path.valueType !== 'datetime'));
  switch (spec.fn) {
    case 'count': return values.length;
    case 'count_distinct': return new Set(values.map(canonical)).size;
    case 'sum': return numbers.length === 0 ? null : numbers.reduce((sum, value) => sum + value, 0);
    case 'avg': return numbers.length === 0 ? null : numbers.reduce((sum, value) => sum + value, 0) / numbers.length;
    case 'percentile': return numbers.length === 0 ? null : percentileCont([...numbers].sort((a, b) => a - b), spec.p ?? 0.5);
    case 'min': case 'max': {
      const ordered = (path.valueType === 'json' ? numbers : values as Sortable[]).filter((value) => typeof value !== 'boolean');
      if (path.valueType === 'boolean') {
        const booleans = values as boolean[];
        return booleans.length === 0 ? null : spec.fn === 'min' ? booleans.every(Boolean) : booleans.some(Boolean);
      }
      if (ordered.length === 0) return null;
      const pick = [...ordered].sort(compareSortable)[spec.fn === 'min' ? 0 : ordered.length - 1]!;
      return renderValue(path, pick);
    }
  }
}

function pad(value: number, length = 2): string {
  return String(value).padStart(length, '0');
}

/** date_trunc(unit, instant, zone) in memory: the local wall clock truncated, back to an instant by PostgreSQL's rules. */
export function bucketOf(value: unknown, key: Extract<GroupKey, { kind: 'bucket' }>): unknown {
  if (value === null) return null;
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
    const [year, month, day] = (value as string).split('-').map(Number) as [number, number, number];
    if (year === 0) return null;
    const start = truncate(year, month, day, 0);
    return `${pad(start.year, 4)}-${pad(start.month)}-${pad(start.day)}`;
  }
  const instant = Math.floor((value as number) / 1000);
  const local = localDateTime(instant, key.timeZone);
  // An hour keeps the instant's own offset (PostgreSQL re-resolves the zone only from days up), so the
  // hour repeated by a DST change is two buckets.
  if (key.bucket === 'hour') return new Date(instant - (local.minute * 60 + local.second) * 1000 - local.millisecond).toISOString();
  const start = truncate(local.year, local.month, local.day, local.hour);
  return new Date(instantOf({ ...start, minute: 0, second: 0, millisecond: 0 }, key.timeZone)).toISOString();
}

function groupValue(view: RecordView, key: GroupKey): unknown {
  const value = readValue(view, key.path);
  return key.kind === 'bucket' ? bucketOf(value, key) : renderValue(key.path, value);
}

/** `having` in memory, SQL's three-valued logic over the answered values. */
function having(condition: OutputCondition, row: Row, types: ReadonlyMap<string, ResolvedPath['valueType']>): boolean | null {
  const read = (name: string, value: unknown): Sortable => {
    if (value === null || value === undefined) return null;
    const type = types.get(name) ?? 'decimal';
    const typed = coerce(value, type === 'integer' ? 'decimal' : type);
    return typeof typed === 'object' ? null : typed;
  };
  const compare = (op: string, name: string, literal: unknown): boolean | null => {
    const left = read(name, row[name]);
    const right = read(name, literal);
    if (left === null || right === null) return null;
    const sign = compareSortable(left, right);
    return { eq: sign === 0, neq: sign !== 0, lt: sign < 0, lte: sign <= 0, gt: sign > 0, gte: sign >= 0 }[op] ?? null;
  };
  const and = (values: (boolean | null)[]) => (values.includes(false) ? false : values.includes(null) ? null : true);
  const or = (values: (boolean | null)[]) => (values.includes(true) ? true : values.includes(null) ? null : false);
  switch (condition.kind) {
    case 'and': return and(condition.items.map((item) => having(item, row, types)));
    case 'or': return or(condition.items.map((item) => having(item, row, types)));
    case 'not': { const value = having(condition.item, row, types); return value === null ? null : !value; }
    case 'null_check': return (row[condition.name] === null) === (condition.op === 'is_null');
    case 'compare': return compare(condition.op, condition.name, condition.value);
    case 'between': return and([compare('gte', condition.name, condition.low), compare('lte', condition.name, condition.high)]);
    case 'list': {
      const found = condition.items.length === 0 ? false : or(condition.items.map((item) => (item === null ? null : compare('eq', condition.name, item))));
      return condition.op === 'in' ? found : found === null ? null : !found;
    }
  }
}

/** The groups of an aggregate query in memory (all of them, ordered as the compiler orders them), and the totals. */
export function expectedAggregate(records: readonly StoredRecord[], query: AggregateQuery, context: CompileContext): { data: Row[]; totals: Row | null } {
  const set = inMemoryRecords(records);
  const evaluation = evaluationOf(context);
  const views = records.filter((record) => record.type === query.from).map((record) => set.view(record))
    .filter((view) => query.where === null || evaluate(query.where, view, evaluation) === true);
  const aggregatesOf = (members: readonly RecordView[]) => Object.fromEntries(query.aggregates.map((aggregate) => [aggregate.name, aggregateOf(aggregate.aggregate, members)]));
  const groups = new Map<string, { keys: Row; members: RecordView[] }>();
  if (query.groupBy.length === 0) groups.set('', { keys: {}, members: views });
  for (const view of query.groupBy.length === 0 ? [] : views) {
    const keys = Object.fromEntries(query.groupBy.map((key) => [key.name, groupValue(view, key)]));
    const id = canonical(query.groupBy.map((key) => keys[key.name]));
    const group = groups.get(id) ?? { keys, members: [] };
    group.members.push(view);
    groups.set(id, group);
  }
  const types = new Map<string, ResolvedPath['valueType']>([
    ...query.groupBy.map((key) => [key.name, key.kind === 'bucket' ? key.path.valueType : key.path.valueType] as const),
    ...query.aggregates.map((aggregate) => [aggregate.name, aggregateType(aggregate.aggregate)] as const),
  ]);
  let rows = [...groups.values()].map((group) => ({ ...group.keys, ...aggregatesOf(group.members) }));
  if (query.having !== null) rows = rows.filter((row) => having(query.having!, row, types) === true);
  const orderNames = [...query.orderBy, ...query.groupBy.filter((key) => !query.orderBy.some((order) => order.name === key.name)).map((key) => ({ name: key.name, direction: 'asc' as const }))];
  // A JSON group key sorts by kind (booleans, numbers, strings, then objects and arrays), then by value.
  const sortable = (name: string, value: unknown): Sortable[] => {
    if (value === null || value === undefined) return [null];
    const type = types.get(name);
    if (type === 'datetime') return [coerce(value, 'datetime') as number];
    if (type !== 'json') return [value as Sortable];
    const rank = typeof value === 'boolean' ? 1 : typeof value === 'number' ? 2 : typeof value === 'string' ? 3 : 4;
    return [rank, typeof value === 'boolean' ? value : null, typeof value === 'number' ? value : null, typeof value === 'string' ? value : null];
  };
  rows.sort((left, right) => {
    for (const order of orderNames) {
      const a = sortable(order.name, left[order.name]);
      const b = sortable(order.name, right[order.name]);
      for (let part = 0; part < Math.max(a.length, b.length); part++) {
        const sign = compareSortable(a[part] ?? null, b[part] ?? null);
        if (sign !== 0) return order.direction === 'asc' ? sign : -sign;
      }
    }
    return 0;
  });
  const data = rows.slice(query.offset ?? 0, (query.offset ?? 0) + query.limit);
  return { data, totals: query.totals ? aggregatesOf(views) : null };
}

function aggregateType(spec: AggregateSpec): ResolvedPath['valueType'] {
  if (spec.fn === 'min' || spec.fn === 'max') return spec.path === null || spec.path.valueType === 'json' ? 'decimal' : spec.path.valueType;
  return 'decimal';
}

// ---------------------------------------------------------------- comparing

/** Numbers within a relative 1e-9 (numeric in PostgreSQL, doubles here); everything else exactly. */
export function assertRowsEqual(actual: readonly Row[], expected: readonly Row[], message: string): void {
  const normal = (rows: readonly Row[]) => rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'number' ? Number(value.toPrecision(9)) : value])));
  assert.deepEqual(normal(actual), normal(expected), message);
}

/** Runs a list query on PostgreSQL (following cursors, `pageSize` rows a page) and in memory, and asserts the same rows in the same order. */
export async function checkList(harness: Harness, query: ListQuery, options: { records?: StoredRecord[]; context?: CompileContext; pageSize?: number } = {}): Promise<Row[]> {
  const context = options.context ?? await harness.context();
  const records = options.records ?? await harness.records();
  const expected = expectedList(records, query, context);
  let actual: Row[];
  if (query.offset === null) {
    actual = await listAll(harness, { ...query, limit: options.pageSize ?? query.limit }, context);
  } else {
    const statement = compileQuery(query, harness.registry, context);
    actual = answer((await harness.run(statement)).slice(0, query.limit), statement);
    expected.splice(query.limit);
  }
  assertRowsEqual(actual, expected, `list ${JSON.stringify({ where: query.where, order: query.orderBy.map((order) => [order.path.path, order.direction]) })}`);
  return actual;
}

/** Runs an aggregate query (and its totals) on PostgreSQL and in memory and asserts the same groups in the same order. */
export async function checkAggregate(harness: Harness, query: AggregateQuery, options: { records?: StoredRecord[]; context?: CompileContext } = {}): Promise<{ data: Row[]; totals: Row | null }> {
  const context = options.context ?? await harness.context();
  const records = options.records ?? await harness.records();
  const compiled = compileQuery(query, harness.registry, context);
  const data = answer(await harness.run(compiled), compiled);
  const totals = compiled.totals === null ? null : answer(await harness.run(compiled.totals), compiled.totals)[0] ?? null;
  const expected = expectedAggregate(records, query, context);
  assertRowsEqual(data, expected.data, `aggregate ${query.groupBy.map((key) => key.name).join(', ')}`);
  if (query.totals) assertRowsEqual([totals ?? {}], [expected.totals ?? {}], 'totals');
  return { data, totals };
}
