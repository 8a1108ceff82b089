// The differential property test of the query engine (issue #5, "Correctness,
// proven"): fast-check generates random entity data and random queries as DSL
// JSON; each query goes through parseQuery, compileQuery and PostgreSQL (as
// the runtime role, in the organisation owner's tenant transaction, so RLS
// and the row ACL are in force) and through the in-memory reference
// (reference.ts: evaluate() over inMemoryRecords plus the documented sort,
// group and aggregate semantics); the answers must be equal (numbers within
// a relative 1e-9; order exactly wherever the query's order is total).
//
// Each property run loads one dataset into a fresh organisation (records
// through the bulk API, so storage is exactly what production writes; a few
// values of the wrong JSON type written directly afterwards, as an older
// version of a type could have left them), then runs QUERIES_PER_DATASET
// queries against it. Earlier runs' organisations stay in the database, so
// every query also runs beside other tenants' data.
//
// Numbers: DATASETS (default 10) datasets of about 45 records x
// QUERIES_PER_DATASET (default 200) queries = 2,000 query cases per CI run
// (about half list queries, each followed page by page through keyset
// cursors, half aggregate queries; some 4,000 answered rows), about 40 s on
// 2 cores (60 s on a loaded machine). DIFFERENTIAL_DATASETS /
// DIFFERENTIAL_QUERIES scale it (20 x 300 and 25 x 300 were run while
// writing it); on failure the message names the query JSON and both answers,
// and DIFFERENTIAL_SEED / DIFFERENTIAL_PATH replay the run (DIFFERENTIAL_SHRINK
// shrinks it, DIFFERENTIAL_DEBUG prints the dataset, timings and slow statements).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import {
  comparableFamily, operatorsFor, resolvePath, resolveRelation,
  type EvaluationContext, type ResolvedPath, type StoredRecord,
} from '../../src/conditions/index.ts';
import type { EntityTypeDefinition, FieldDefinition, RegistrySnapshot } from '../../src/entities/core/definitions.ts';
import { compileQuery } from '../../src/query/core/compile.ts';
import { registryOf } from '../../src/query/core/compile-fixtures.ts';
import { QUERY_LIMITS } from '../../src/query/core/limits.ts';
import { parseQuery } from '../../src/query/core/parse-query.ts';
import type { AggregateQuery, CompileContext, CompiledStatement, ListQuery } from '../../src/query/core/query.ts';
import { defineType } from '../helpers/entities.ts';
import { signup, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { answer, listAll, type Row } from './harness.ts';
import { referenceAggregate, referenceList } from './reference.ts';

const DATASETS = Number(process.env.DIFFERENTIAL_DATASETS ?? 10);
const QUERIES_PER_DATASET = Number(process.env.DIFFERENTIAL_QUERIES ?? 200);
const CONCURRENCY = 3;
const SEED = process.env.DIFFERENTIAL_SEED === undefined ? undefined : Number(process.env.DIFFERENTIAL_SEED);

// ---------------------------------------------------------------- the types (every field type; reference chains of 3 hops)

const TYPES: readonly EntityTypeDefinition[] = [
  { key: 'site', label: 'Site', fields: [{ key: 'name', type: 'text' }, { key: 'region', type: 'text', indexed: true }, { key: 'size', type: 'integer' }] },
  {
    key: 'location', label: 'Location', fields: [
      { key: 'name', type: 'text' }, { key: 'floor', type: 'integer' }, { key: 'site', type: 'reference', target: 'site' },
    ],
  },
  {
    key: 'asset', label: 'Asset', fields: [
      { key: 'name', type: 'text' }, { key: 'building', type: 'text', indexed: true },
      { key: 'status', type: 'enum', values: ['active', 'retired'] }, { key: 'location', type: 'reference', target: 'location' },
      { key: 'rating', type: 'decimal', indexed: true },
    ],
  },
  { key: 'contract', label: 'Contract', fields: [{ key: 'name', type: 'text' }, { key: 'value', type: 'decimal' }] },
  { key: 'contact', label: 'Contact', fields: [{ key: 'name', type: 'text' }, { key: 'vip', type: 'boolean' }] },
  {
    key: 'incident', label: 'Incident', fields: [
      { key: 'title', type: 'text' },
      { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'], indexed: true },
      { key: 'asset', type: 'reference', target: 'asset' },
      { key: 'minutes', type: 'integer', indexed: true },
      { key: 'cost', type: 'decimal' },
      { key: 'urgent', type: 'boolean', indexed: true },
      { key: 'due_on', type: 'date', indexed: true },
      { key: 'opened_at', type: 'datetime', indexed: true },
      { key: 'closed_at', type: 'datetime' },
      { key: 'tags', type: 'multi_enum', values: ['network', 'power', 'water'], indexed: true },
      { key: 'watchers', type: 'references', target: 'contact' },
      { key: 'assignee', type: 'user' },
      { key: 'details', type: 'json' },
      { key: 'subject', type: 'any_reference', targets: ['asset', 'contract'] },
    ],
  },
  {
    key: 'task', label: 'Task', fields: [
      { key: 'title', type: 'text', indexed: true }, { key: 'incident', type: 'reference', target: 'incident' },
      { key: 'estimate', type: 'integer' }, { key: 'done', type: 'boolean' }, { key: 'started_on', type: 'date' },
    ],
  },
  { key: 'note', label: 'Note', fields: [{ key: 'body', type: 'text' }, { key: 'about', type: 'any_reference', targets: ['incident', 'asset'] }] },
];
const REGISTRY: RegistrySnapshot = registryOf(TYPES);
const LIMITS = QUERY_LIMITS.enterprise;
const ROOTS = ['incident', 'incident', 'incident', 'asset', 'task', 'location', 'note'] as const;

// ---------------------------------------------------------------- value pools (shared by data and queries, so they meet)

const LONG = 'L'.repeat(1001); // longer than a record_index entry holds
const TEXTS = ['', 'a', 'A', 'b', 'B', 'Zeta', 'zeta', 'ZETA', 'élan', 'Élan', 'ΣΑΣ', 'σας', 'İstanbul', 'istanbul', '😀 smile', '\uE000 private',
  'a_b%c', '100%', ' a', 'a ', 'North', 'pump', 'Pump', 'z', '7', LONG];
const PATTERNS = ['', 'a', 'A', 'z', '_', '%', 'b%', 'é', 'É', 'σ', 'Σ', 'istanbul', 'İ', '😀', '\uE000', 'ump', 'L'];
const INTEGERS = [0, 1, -1, 2, 3, 7, 12, 100, 9007199254740991, -9007199254740991];
const DECIMALS = [0, 0.1, 0.2, 0.3, -1.5, 1.5, 3, 10.25, 123456.789, 1e-7, 1e20, -0.000001, 2.5];
const DATES = ['2026-03-10', '2026-03-09', '2026-03-03', '2026-03-01', '2026-02-28', '2024-02-29', '2018-11-04', '2019-02-16', '1999-12-31', '1900-01-01', '2026-12-31'];
/** Only as literals: the records API refuses years before 1900. */
const DATE_LITERALS = [...DATES, '0001-01-01', '0000-01-01'];
const DATETIMES = [
  '2026-03-10T15:00:00Z', '2026-03-10T11:59:59.999-03:00', '2026-03-03T02:59:00-03:00', '2026-03-09T10:00:00Z', '2026-03-10T03:00:00Z',
  '2026-03-10T02:59:59.999999Z', '2018-11-03T23:30:00-03:00', '2018-11-04T01:30:00-02:00', '2019-02-16T23:30:00-02:00',
  '2019-02-16T23:30:00-03:00', '2026-01-01T00:00:00+14:00', '1970-01-01T00:00:00Z', '2026-03-02T03:00:00.000001Z', '2025-12-31T23:59:59+05:30',
  '2026-03-08T15:00:00Z', '2026-02-10T15:00:00.5Z',
];
const NICE_NUMBERS = [0, 1, 2, 2.5, 3, 10, -1.5, 100];
const ZONES = ['UTC', 'America/Sao_Paulo', 'Asia/Kolkata', 'Pacific/Chatham', 'Europe/Lisbon'];
const FOREIGN_UUID = '7f000000-0000-4000-8000-00000000abcd';

// Placeholders for ids, replaced once the dataset exists: "\u0001<type>:<n>" is the n-th record of the
// type (modulo their number; dropped when there is none), upper-cased with "\u0002"; "\u0001me" the owner.
const ref = (type: string, n: number, upper = false) => `${upper ? '\u0002' : '\u0001'}${type}:${n}`;
const ME = '\u0001me';

// ---------------------------------------------------------------- data

const jsonScalar = fc.oneof(fc.constantFrom(...TEXTS), fc.constantFrom(...INTEGERS), fc.constantFrom(...DECIMALS), fc.boolean());
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.record({
    level: fc.oneof(jsonScalar, fc.constant(null), fc.constant([1, 2]), fc.constant({ a: 1 })),
    location: fc.oneof(fc.record({ floor: fc.oneof(fc.constantFrom(...INTEGERS), fc.constantFrom('2', '3')) }), fc.constant('lobby')),
    items: fc.array(fc.record({ sku: jsonScalar }, { requiredKeys: [] }), { maxLength: 3 }),
    note: jsonScalar,
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: jsonScalar },
  { weight: 1, arbitrary: fc.constant([{ sku: 'a' }]) },
);

function valueArb(field: FieldDefinition): fc.Arbitrary<unknown> {
  switch (field.type) {
    case 'text': return fc.constantFrom(...TEXTS);
    case 'enum': return fc.constantFrom(...(field.values ?? []));
    case 'integer': return fc.constantFrom(...INTEGERS);
    case 'decimal': return fc.oneof(fc.constantFrom(...DECIMALS), fc.constantFrom(...INTEGERS));
    case 'boolean': return fc.boolean();
    case 'date': return fc.constantFrom(...DATES);
    case 'datetime': return fc.constantFrom(...DATETIMES);
    case 'multi_enum': return fc.subarray([...(field.values ?? [])]);
    case 'json': return jsonValue;
    case 'reference': return fc.tuple(fc.nat(7), fc.boolean()).map(([n, upper]) => ref(field.target!, n, upper));
    case 'references': return fc.uniqueArray(fc.nat(5), { maxLength: 4 }).map((ns) => ns.map((n) => ref(field.target!, n)));
    case 'any_reference': return fc.tuple(fc.constantFrom(...(field.targets ?? [])), fc.nat(7)).map(([type, n]) => ({ type, id: ref(type, n) }));
    case 'user': return fc.constant(ME);
    default: return fc.constant(undefined);
  }
}

function bodyArb(type: EntityTypeDefinition): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(type.fields.map((field) => [field.key, fc.option(valueArb(field), { nil: undefined, freq: 3 })]));
  return fc.record(fields);
}

const SIZES: Record<string, number> = { site: 3, location: 4, asset: 6, contract: 3, contact: 4, incident: 22, task: 12, note: 8 };

/** Values of the wrong JSON type, written directly into fields that are neither indexed nor relations. */
const ODD_VALUES: readonly { type: string; field: string; values: readonly unknown[] }[] = [
  { type: 'incident', field: 'title', values: [42, true, { a: 1 }, null] },
  { type: 'incident', field: 'cost', values: ['3', 1.5e300, null, [1]] },
  { type: 'incident', field: 'closed_at', values: ['garbage', '2019-02-17T00:30:00.5+01:00', 12, '2026-02-30T00:00:00Z', '2026-03-10 12:00:00+00'] },
  { type: 'task', field: 'estimate', values: [1.5, '5', 2 ** 53, 1.0] },
  { type: 'task', field: 'done', values: ['yes', 1] },
  { type: 'task', field: 'started_on', values: ['2026-02-30', '2026-3-1', 20260301, '0000-01-01'] },
  { type: 'contact', field: 'vip', values: ['true'] },
  { type: 'location', field: 'floor', values: ['3', 3.5] },
  { type: 'asset', field: 'name', values: [7] },
  { type: 'contract', field: 'value', values: ['10.5', false] },
];

const oddArb = fc.array(fc.tuple(fc.nat(ODD_VALUES.length - 1), fc.nat(30), fc.nat(10)), { maxLength: 6 });

const datasetArb = fc.record({
  bodies: fc.record(Object.fromEntries(TYPES.map((type) => [type.key, fc.array(bodyArb(type), { minLength: Math.floor(SIZES[type.key]! / 2), maxLength: SIZES[type.key] })]))),
  odd: oddArb,
  timeZone: fc.constantFrom(...ZONES),
  anonymous: fc.boolean(),
});
type Dataset = { bodies: Record<string, Record<string, unknown>[]>; odd: [number, number, number][]; timeZone: string; anonymous: boolean };

// ---------------------------------------------------------------- paths and relations of the registry

const JSON_PATHS = ['level', 'location.floor', 'location', 'items.0.sku', 'items.1.sku', 'items.0', 'note', 'items.01.sku'];
const SYSTEM = ['id', 'type', 'version', 'state', 'created_at', 'updated_at', 'created_by'];

function pathsOf(root: string): ResolvedPath[] {
  const found: ResolvedPath[] = [];
  const walk = (prefix: string, owners: readonly string[], hops: number) => {
    const keys = new Set<string>(SYSTEM);
    const common = owners.map((owner) => REGISTRY.type(owner)!.fields.map((field) => field.key));
    for (const key of common[0]!) if (common.every((list) => list.includes(key))) keys.add(key);
    for (const key of keys) {
      const text = `${prefix}${key}`;
      const resolved = resolvePath(text, root, REGISTRY, 3);
      if (!resolved.ok) continue;
      found.push(resolved.value);
      const path = resolved.value;
      if (path.fieldType === 'json') {
        for (const json of JSON_PATHS) {
          const inner = resolvePath(`${text}.${json}`, root, REGISTRY, 3);
          if (inner.ok) found.push(inner.value);
        }
      }
      if ((path.fieldType === 'reference' || path.fieldType === 'any_reference') && hops < 3 && !path.system) {
        const definition = REGISTRY.type(path.ownerTypes[0]!)!.fields.find((field) => field.key === key)!;
        walk(`${text}.`, definition.type === 'reference' ? [definition.target!] : definition.targets!, hops + 1);
      }
    }
  };
  walk('', [root], 0);
  return found;
}

const PATHS = new Map(TYPES.map((type) => [type.key, pathsOf(type.key)]));
const paths = (type: string) => PATHS.get(type)!;
const scalarPaths = (type: string) => paths(type).filter(isScalar);

function isScalar(path: ResolvedPath): boolean {
  if (path.valueType === 'json') return path.jsonPath.length > 0;
  return !['multi_enum', 'references', 'any_reference'].includes(path.valueType);
}

/** Quantifier relations from a type: its references fields, and every field of another type pointing at it. */
function relationsOf(type: string): string[] {
  const relations: string[] = [];
  for (const field of REGISTRY.type(type)!.fields) if (field.type === 'references') relations.push(field.key);
  for (const source of TYPES) {
    for (const field of source.fields) if (resolveRelation(`${source.key}.${field.key}`, type, REGISTRY).ok) relations.push(`${source.key}.${field.key}`);
  }
  return relations;
}

function relationTarget(type: string, relation: string): string {
  const resolved = resolveRelation(relation, type, REGISTRY);
  if (!resolved.ok) throw new Error(resolved.message);
  return resolved.value.kind === 'forward' ? resolved.value.targetType : resolved.value.sourceType;
}

// ---------------------------------------------------------------- queries (DSL JSON)

function targetOfUuid(path: ResolvedPath): string[] {
  if (path.field === 'id') return [...path.ownerTypes];
  if (path.fieldType === 'reference') {
    const definition = REGISTRY.type(path.ownerTypes[0]!)!.fields.find((field) => field.key === path.field)!;
    return [definition.target!];
  }
  return [];
}

function literalArb(path: ResolvedPath): fc.Arbitrary<unknown> {
  switch (path.valueType) {
    case 'text': return fc.constantFrom(...TEXTS);
    case 'enum': return fc.constantFrom(...(path.enumValues ?? []));
    case 'integer': return fc.constantFrom(...INTEGERS);
    case 'decimal': return fc.oneof(fc.constantFrom(...DECIMALS), fc.constantFrom(...INTEGERS));
    case 'boolean': return fc.boolean();
    case 'date': return fc.constantFrom(...DATE_LITERALS);
    case 'datetime': return fc.constantFrom(...DATETIMES);
    case 'json': return jsonScalar;
    case 'uuid': {
      const targets = targetOfUuid(path);
      const options: fc.Arbitrary<unknown>[] = [fc.constant(FOREIGN_UUID), fc.constant(ME)];
      if (targets.length > 0) options.push(fc.tuple(fc.constantFrom(...targets), fc.nat(7), fc.boolean()).map(([type, n, upper]) => ref(type, n, upper)));
      return fc.oneof(...options);
    }
    default: return fc.constant('x');
  }
}

const relativeArb = fc.tuple(fc.constantFrom('-', '+'), fc.nat(40), fc.constantFrom('m', 'h', 'd', 'w')).map(([sign, n, unit]) => ({ relative: `${sign}${n}${unit}` }));
const startOfArb = fc.constantFrom('day', 'week', 'month', 'quarter', 'year').map((unit) => ({ start_of: unit }));

function operandArb(path: ResolvedPath, root: string): fc.Arbitrary<unknown> {
  const options: { weight: number; arbitrary: fc.Arbitrary<unknown> }[] = [{ weight: 6, arbitrary: literalArb(path) }];
  const family = comparableFamily(path.valueType);
  const peers = paths(root).filter((other) => family !== null && comparableFamily(other.valueType) === family && (path.valueType === 'json') === (other.valueType === 'json'));
  if (peers.length > 0) options.push({ weight: 2, arbitrary: fc.constantFrom(...peers).map((other) => ({ field: other.path })) });
  if (path.valueType === 'date' || path.valueType === 'datetime') options.push({ weight: 3, arbitrary: fc.oneof(relativeArb, startOfArb) });
  if (path.fieldType === 'user') options.push({ weight: 2, arbitrary: fc.constant({ current_user: true }) });
  return fc.oneof(...options);
}

function comparisonArb(root: string): fc.Arbitrary<unknown> {
  return fc.constantFrom(...paths(root)).chain((path) => fc.constantFrom(...operatorsFor(path.valueType)).chain((op): fc.Arbitrary<unknown> => {
    const node = (value?: unknown) => (value === undefined ? { field: path.path, op } : { field: path.path, op, value });
    switch (op) {
      case 'is_null': case 'is_not_null': return fc.constant(node());
      case 'between': return fc.tuple(operandArb(path, root), operandArb(path, root)).map((pair) => node(pair));
      case 'in': case 'nin': return fc.array(fc.option(literalArb(path), { nil: null, freq: 5 }), { maxLength: 4 }).map(node);
      case 'contains': case 'starts_with': case 'ends_with': case 'icontains': return fc.constantFrom(...PATTERNS).map(node);
      case 'has_any': case 'has_all': {
        if (path.valueType === 'multi_enum') return fc.subarray([...(path.enumValues ?? [])]).map(node);
        const definition = REGISTRY.type(path.ownerTypes[0]!)!.fields.find((field) => field.key === path.field)!;
        return fc.array(fc.oneof(fc.tuple(fc.nat(5), fc.boolean()).map(([n, upper]) => ref(definition.target!, n, upper)), fc.constant(FOREIGN_UUID)), { maxLength: 3 }).map(node);
      }
      default: return operandArb(path, root).map(node);
    }
  }));
}

function conditionArb(root: string, depth: number): fc.Arbitrary<unknown> {
  if (depth <= 0) return comparisonArb(root);
  const inner = conditionArb(root, depth - 1);
  const relations = relationsOf(root);
  const options: { weight: number; arbitrary: fc.Arbitrary<unknown> }[] = [
    { weight: 6, arbitrary: comparisonArb(root) },
    { weight: 2, arbitrary: fc.array(inner, { minLength: 1, maxLength: 3 }).map((items) => ({ and: items })) },
    { weight: 2, arbitrary: fc.array(inner, { minLength: 1, maxLength: 3 }).map((items) => ({ or: items })) },
    { weight: 2, arbitrary: inner.map((item) => ({ not: item })) },
  ];
  if (relations.length > 0) {
    options.push({
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom('some', 'none', 'every'), fc.constantFrom(...relations)).chain(([quantifier, relation]) =>
        fc.option(conditionArb(relationTarget(root, relation), depth - 1), { nil: undefined, freq: 4 })
          .map((where) => ({ [quantifier]: where === undefined ? { path: relation } : { path: relation, where } }))),
    });
  }
  return fc.oneof(...options);
}

const aggregateFns = (path: ResolvedPath | null): string[] => {
  if (path === null) return ['count'];
  const fns = ['count'];
  if (isScalar(path)) fns.push('count_distinct');
  const json = path.valueType === 'json' && path.jsonPath.length > 0;
  if (json || ['integer', 'decimal'].includes(path.valueType)) fns.push('sum', 'avg', 'percentile');
  if (json || ['integer', 'decimal', 'date', 'datetime', 'text'].includes(path.valueType)) fns.push('min', 'max');
  return fns;
};

/** `{ fn, field?, p? }` over the paths of `type`. */
function aggregateSpecArb(type: string): fc.Arbitrary<Record<string, unknown>> {
  return fc.option(fc.constantFrom(...paths(type)), { nil: null, freq: 3 }).chain((path) => fc.constantFrom(...aggregateFns(path)).chain((fn) => {
    const spec: Record<string, unknown> = { fn };
    if (path !== null) spec.field = path.path;
    if (fn !== 'percentile') return fc.constant(spec);
    return fc.constantFrom(0, 0.25, 0.5, 0.9, 1, 0.333).map((p) => ({ ...spec, p }));
  }));
}

function relatedAggregateArb(root: string, name: string): fc.Arbitrary<unknown> | null {
  const reverse = relationsOf(root).filter((relation) => relation.includes('.'));
  if (reverse.length === 0) return null;
  return fc.constantFrom(...reverse).chain((relation) => {
    const [from, via] = relation.split('.') as [string, string];
    return fc.tuple(aggregateSpecArb(from), fc.option(conditionArb(from, 1), { nil: undefined, freq: 2 }))
      .map(([spec, where]) => ({ ...spec, from, via, ...(where === undefined ? {} : { where }), as: name }));
  });
}

function listQueryArb(root: string): fc.Arbitrary<Record<string, unknown>> {
  const related = [relatedAggregateArb(root, 'r0'), relatedAggregateArb(root, 'r1')].filter((item): item is fc.Arbitrary<unknown> => item !== null);
  const select = fc.tuple(fc.subarray(paths(root).map((path) => path.path), { minLength: 1, maxLength: 6 }), fc.subarray(related.length > 0 ? [0, 1] : [], { maxLength: related.length }))
    .chain(([chosen, relatedIndexes]) => fc.tuple(...relatedIndexes.map((index) => related[index]!)).map((items) => [...chosen, ...items]));
  return fc.record({
    from: fc.constant(root),
    select: fc.option(select, { nil: undefined, freq: 5 }),
    where: fc.option(conditionArb(root, 2), { nil: undefined, freq: 6 }),
    order_by: fc.option(fc.uniqueArray(fc.record({ field: fc.constantFrom(...scalarPaths(root).map((path) => path.path)), direction: fc.constantFrom('asc', 'desc') }), { maxLength: 3, selector: (item) => item.field }), { nil: undefined, freq: 6 }),
    limit: fc.integer({ min: 1, max: 9 }),
    offset: fc.option(fc.nat(6), { nil: undefined, freq: 4 }),
  }, { requiredKeys: ['from', 'limit'] });
}

/** Ops for a `having` comparison on an output of `valueType` (the condition language's operators, without text and array ones). */
function havingOps(valueType: string): string[] {
  const allowed = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'is_null', 'is_not_null'];
  return operatorsFor(valueType as Parameters<typeof operatorsFor>[0]).filter((op) => allowed.includes(op));
}

interface OutputSpec { name: string; valueType: string; literal: fc.Arbitrary<unknown> }

function havingArb(outputs: readonly OutputSpec[], depth: number): fc.Arbitrary<unknown> {
  const comparison = fc.constantFrom(...outputs).chain((output) => fc.constantFrom(...havingOps(output.valueType)).chain((op): fc.Arbitrary<unknown> => {
    const node = (value?: unknown) => (value === undefined ? { field: output.name, op } : { field: output.name, op, value });
    switch (op) {
      case 'is_null': case 'is_not_null': return fc.constant(node());
      case 'between': return fc.tuple(output.literal, output.literal).map(node);
      case 'in': case 'nin': return fc.array(fc.option(output.literal, { nil: null, freq: 5 }), { maxLength: 3 }).map(node);
      default: return output.literal.map(node);
    }
  }));
  if (depth <= 0) return comparison;
  const inner = havingArb(outputs, depth - 1);
  return fc.oneof(
    { weight: 4, arbitrary: comparison },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 1, maxLength: 3 }).map((items) => ({ and: items })) },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 1, maxLength: 3 }).map((items) => ({ or: items })) },
    { weight: 1, arbitrary: inner.map((item) => ({ not: item })) },
  );
}

function outputOfAggregate(spec: Record<string, unknown>, name: string, root: string): OutputSpec {
  const path = typeof spec.field === 'string' ? paths(root).find((candidate) => candidate.path === spec.field)! : null;
  switch (spec.fn) {
    case 'count': case 'count_distinct': return { name, valueType: 'integer', literal: fc.constantFrom(0, 1, 2, 3, 5) };
    case 'min': case 'max':
      if (path !== null && path.valueType !== 'json') return { name, valueType: path.valueType, literal: literalArb(path) };
      return { name, valueType: 'json', literal: fc.oneof(fc.constantFrom(...NICE_NUMBERS), fc.constantFrom('a', true)) };
    default: return { name, valueType: 'decimal', literal: fc.constantFrom(...NICE_NUMBERS) };
  }
}

function aggregateQueryArb(root: string): fc.Arbitrary<Record<string, unknown>> {
  const keyArb = fc.constantFrom(...scalarPaths(root)).chain((path): fc.Arbitrary<{ item: unknown; output: (name: string) => OutputSpec }> => {
    const plain = { item: path.path, output: (name: string) => ({ name, valueType: path.valueType, literal: literalArb(path) }) };
    if (path.valueType !== 'date' && path.valueType !== 'datetime') return fc.constant(plain);
    const buckets = path.valueType === 'date' ? ['day', 'week', 'month', 'quarter', 'year'] : ['hour', 'day', 'week', 'month', 'quarter', 'year'];
    return fc.option(fc.tuple(fc.constantFrom(...buckets), fc.option(fc.constantFrom(...ZONES), { nil: undefined })), { nil: undefined, freq: 2 }).map((bucket) => {
      if (bucket === undefined) return plain;
      const [unit, zone] = bucket;
      return {
        item: { field: path.path, bucket: unit, ...(zone === undefined ? {} : { time_zone: zone }) },
        output: (name: string) => ({ name, valueType: path.valueType, literal: literalArb(path) }),
      };
    });
  });
  return fc.tuple(
    fc.uniqueArray(keyArb, { maxLength: 2, selector: (key) => JSON.stringify(key.item) }),
    fc.array(aggregateSpecArb(root), { maxLength: 3 }),
    fc.option(conditionArb(root, 2), { nil: undefined, freq: 4 }),
    fc.boolean(),
    fc.option(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.nat(3)), { nil: undefined, freq: 4 }),
    fc.nat(1000),
  ).chain(([keys, specs, where, totals, page, salt]) => {
    const groupBy = keys.map((key, index) => {
      // Buckets are named by "as"; paths by themselves, or sometimes by "as".
      if (typeof key.item === 'string' && salt % (index + 2) !== 0) return { item: key.item, name: key.item };
      const object = typeof key.item === 'string' ? { field: key.item } : key.item as Record<string, unknown>;
      return { item: { ...object, as: `g${index}` }, name: `g${index}` };
    });
    const aggregates = (specs.length === 0 && groupBy.length === 0 ? [{ fn: 'count' }] : specs).map((spec, index) => ({ ...spec, as: `a${index}` }));
    const outputs: OutputSpec[] = [
      ...keys.map((key, index) => key.output(groupBy[index]!.name)),
      ...aggregates.map((spec) => outputOfAggregate(spec, spec.as, root)),
    ];
    const names = outputs.map((output) => output.name);
    return fc.record({
      having: fc.option(havingArb(outputs, 1), { nil: undefined, freq: 3 }),
      order_by: fc.option(fc.uniqueArray(fc.record({ field: fc.constantFrom(...names), direction: fc.constantFrom('asc', 'desc') }), { maxLength: 3, selector: (item) => item.field }), { nil: undefined }),
    }, { requiredKeys: [] }).map(({ having, order_by }) => {
      const query: Record<string, unknown> = { from: root };
      if (groupBy.length > 0) query.group_by = groupBy.map((key) => key.item);
      if (aggregates.length > 0) query.aggregate = aggregates;
      if (where !== undefined) query.where = where;
      if (having !== undefined) query.having = having;
      if (order_by !== undefined) query.order_by = order_by;
      if (totals) query.totals = true;
      if (page !== undefined && groupBy.length > 0) {
        query.limit = page[0];
        query.offset = page[1];
      }
      return query;
    });
  });
}

const queryArb: fc.Arbitrary<Record<string, unknown>> = fc.constantFrom(...ROOTS).chain((root) => fc.oneof(listQueryArb(root), aggregateQueryArb(root)));

// ---------------------------------------------------------------- running one dataset

/** Placeholders replaced by ids; one without a record becomes `missing` (data: left out; queries: an id no record has). */
function substitute(value: unknown, ids: ReadonlyMap<string, string[]>, me: string, missing: string | null = FOREIGN_UUID): unknown {
  if (typeof value === 'string' && (value.startsWith('\u0001') || value.startsWith('\u0002'))) {
    if (value === ME) return me;
    const [type, n] = value.slice(1).split(':') as [string, string];
    const list = ids.get(type) ?? [];
    if (list.length === 0) return missing ?? undefined;
    const id = list[Number(n) % list.length]!;
    return value.startsWith('\u0002') ? id.toUpperCase() : id;
  }
  if (Array.isArray(value)) {
    return value.map((item) => {
      const resolved = substitute(item, ids, me, missing);
      return resolved === undefined ? FOREIGN_UUID : resolved;
    });
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => [key, substitute(item, ids, me, missing)] as const);
    return Object.fromEntries(entries.filter(([, item]) => item !== undefined));
  }
  return value;
}

/** A record body with its placeholders resolved; relation values without a record to point at are left out. */
function resolveBody(type: EntityTypeDefinition, body: Record<string, unknown>, ids: ReadonlyMap<string, string[]>, me: string): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const field of type.fields) {
    const value = body[field.key];
    if (value === undefined) continue;
    if (field.type === 'references') {
      const list = [...new Set((value as string[]).map((item) => substitute(item, ids, me, null)).filter((item): item is string => typeof item === 'string' && item !== FOREIGN_UUID).map((id) => id.toLowerCase()))];
      resolved[field.key] = list;
      continue;
    }
    if (field.type === 'any_reference') {
      const id = substitute((value as { id: string }).id, ids, me, null);
      if (typeof id === 'string') resolved[field.key] = { type: (value as { type: string }).type, id };
      continue;
    }
    const substituted = substitute(value, ids, me, null);
    if (substituted !== undefined) resolved[field.key] = substituted;
  }
  return resolved;
}

interface Loaded {
  readonly records: StoredRecord[];
  readonly context: CompileContext;
  readonly evaluation: EvaluationContext;
  readonly ids: ReadonlyMap<string, string[]>;
  readonly me: string;
  run(statement: CompiledStatement): Promise<Row[]>;
}

async function load(app: TestApp, admin: pg.Client, dataset: Dataset): Promise<Loaded> {
  const owner = await signup(app);
  for (const type of TYPES) await defineType(app, owner.token, type);
  const request = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const response = await app.request({ method, url, token: owner.token, body });
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body} ${JSON.stringify(body)}`);
    return response.json();
  };
  const ids = new Map<string, string[]>();
  for (const type of TYPES) {
    const bodies = (dataset.bodies[type.key] ?? []).map((body) => resolveBody(type, body, ids, owner.userId));
    const created: string[] = [];
    if (bodies.length > 0) {
      const { results } = await request('POST', `/api/records/${type.key}/bulk`, { records: bodies });
      for (const [index, result] of (results as { status: number; id: string }[]).entries()) {
        assert.ok(result.status < 300, `bulk ${type.key}: ${JSON.stringify(result)} for ${JSON.stringify(bodies[index])}`);
        created.push(result.id);
      }
    }
    ids.set(type.key, created);
  }
  for (const [which, recordIndex, valueIndex] of dataset.odd) {
    const odd = ODD_VALUES[which]!;
    const list = ids.get(odd.type) ?? [];
    if (list.length === 0) continue;
    const id = list[recordIndex % list.length]!;
    const value = odd.values[valueIndex % odd.values.length];
    await admin.query('update records set data = jsonb_set(data, array[$2], $3::jsonb) where id = $1', [id, odd.field, JSON.stringify(value)]);
  }
  // Statistics, as autovacuum keeps them in production: without them the planner guesses badly for
  // nested semi-joins over record_links, and a few statements take seconds on these small tables.
  await admin.query('analyze records, record_links, record_index');
  const records: StoredRecord[] = [];
  for (const type of TYPES) {
    let cursor: string | null = null;
    do {
      const page: { data: StoredRecord[]; next_cursor: string | null } = await request('GET', `/api/records/${type.key}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      records.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor !== null);
  }
  const scope = { tenantId: owner.tenantId, userId: owner.userId, role: 'gestor' as const };
  const { rows } = await app.db.tenant.query<{ type_key: string; field_key: string }>(scope, 'select type_key, field_key from record_index_fields');
  const indexed = new Map<string, Set<string>>();
  for (const row of rows) indexed.set(row.type_key, (indexed.get(row.type_key) ?? new Set()).add(row.field_key));
  const context: CompileContext = {
    now: new Date('2026-03-10T15:00:00Z'), timeZone: dataset.timeZone, userId: dataset.anonymous ? null : owner.userId,
    indexedFields: (type) => indexed.get(type) ?? new Set<string>(), stream: false,
  };
  return {
    records, context, ids, me: owner.userId,
    evaluation: { now: context.now, timeZone: context.timeZone, userId: context.userId },
    run: async (statement) => {
      const start = performance.now();
      try {
        return await app.db.tenant.transaction(scope, async (tx) => (await tx.query(statement.text, [...statement.values])).rows);
      } finally {
        if (process.env.DIFFERENTIAL_DEBUG && performance.now() - start > 1000) console.log(`slow statement (${Math.round(performance.now() - start)} ms): ${statement.text}`);
      }
    },
  };
}

// ---------------------------------------------------------------- comparing

function numbersClose(left: number, right: number): boolean {
  return left === right || Math.abs(left - right) <= 1e-9 * Math.max(Math.abs(left), Math.abs(right));
}

function same(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') return numbersClose(actual, expected);
  if (Array.isArray(actual) && Array.isArray(expected)) return actual.length === expected.length && actual.every((item, index) => same(item, expected[index]));
  if (typeof actual === 'object' && actual !== null && typeof expected === 'object' && expected !== null && !Array.isArray(actual) && !Array.isArray(expected)) {
    const keys = Object.keys(actual);
    return keys.length === Object.keys(expected).length && keys.every((key) => Object.hasOwn(expected, key) && same((actual as Row)[key], (expected as Row)[key]));
  }
  return Object.is(actual, expected) || actual === expected;
}

function mismatch(what: string, input: unknown, actual: unknown, expected: unknown): Error {
  const show = (value: unknown) => JSON.stringify(value, (_key, item) => (typeof item === 'string' && item.length > 40 ? `${item.slice(0, 12)}…(${item.length})` : item));
  return new Error(`${what}\nquery: ${JSON.stringify(input)}\nSQL:       ${show(actual)}\nreference: ${show(expected)}`);
}

/** Rows as multisets (for orders that are not total): each actual row matched to an equal expected row. */
function sameRowsUnordered(actual: readonly Row[], expected: readonly Row[]): boolean {
  if (actual.length !== expected.length) return false;
  const left = [...expected];
  for (const row of actual) {
    const index = left.findIndex((candidate) => same(row, candidate));
    if (index < 0) return false;
    left.splice(index, 1);
  }
  return true;
}

const stats = { list: 0, aggregate: 0, rejected: 0, rows: 0 };

async function checkQuery(loaded: Loaded, input: unknown): Promise<void> {
  const parsed = parseQuery(input, REGISTRY, LIMITS);
  if (!parsed.ok) {
    // The generators aim at valid queries; the few they get wrong (e.g. an operand of the
    // wrong type after substitution) are counted, and must stay rare (asserted at the end).
    stats.rejected++;
    if (process.env.DIFFERENTIAL_DEBUG) console.log('rejected', JSON.stringify(input), JSON.stringify(parsed.errors));
    return;
  }
  const query = parsed.query;
  if (query.kind === 'list') await checkListQuery(loaded, input, query);
  else await checkAggregateQuery(loaded, input, query);
}

async function checkListQuery(loaded: Loaded, input: unknown, query: ListQuery): Promise<void> {
  stats.list++;
  const expected = referenceList(loaded.records, query, loaded.evaluation);
  let actual: Row[];
  try {
    if (query.offset === null) {
      // Every row, page by page through keyset cursors (`limit` rows a page).
      actual = await listAll({ registry: REGISTRY, run: loaded.run } as Parameters<typeof listAll>[0], query, loaded.context);
    } else {
      const statement = compileQuery(query, REGISTRY, loaded.context);
      actual = answer((await loaded.run(statement)).slice(0, query.limit), statement);
    }
  } catch (error) {
    throw mismatch(`list query failed on PostgreSQL: ${(error as Error).message}`, input, null, expected);
  }
  stats.rows += actual.length;
  if (actual.length !== expected.length || !actual.every((row, index) => same(row, expected[index]))) throw mismatch('list answers differ', input, actual, expected);
}

async function checkAggregateQuery(loaded: Loaded, input: unknown, query: AggregateQuery): Promise<void> {
  stats.aggregate++;
  const expected = referenceAggregate(loaded.records, query, loaded.evaluation);
  let data: Row[];
  let totals: Row | null;
  try {
    const compiled = compileQuery(query, REGISTRY, loaded.context);
    data = answer(await loaded.run(compiled), compiled);
    totals = compiled.totals === null ? null : answer(await loaded.run(compiled.totals), compiled.totals)[0] ?? {}; // as the service answers it
  } catch (error) {
    throw mismatch(`aggregate query failed on PostgreSQL: ${(error as Error).message}`, input, null, expected.data);
  }
  stats.rows += data.length;
  if (expected.total) {
    if (data.length !== expected.data.length || !data.every((row, index) => same(row, expected.data[index]))) throw mismatch('aggregate answers differ', input, data, expected.data);
  } else {
    // Groups whose keys tie (JSON objects and arrays): the same groups, in an order consistent with the query's.
    // A page (limit/offset) of such an order is not determined, so only whole answers are compared.
    const sorted = data.every((row, index) => index === 0 || expected.compare(data[index - 1]!, row) <= 0);
    const whole = query.offset === null && data.length < query.limit;
    if (!sorted || (whole && !sameRowsUnordered(data, expected.data))) throw mismatch('aggregate answers differ (partial order)', input, data, expected.data);
  }
  if (query.totals && !same(totals, expected.totals)) throw mismatch('totals differ', input, totals, expected.totals);
}

// ---------------------------------------------------------------- the property

describe('differential: compiled SQL on PostgreSQL vs the in-memory reference', () => {
  let app: TestApp;
  let admin: pg.Client;

  before(async () => {
    app = await startTestApp();
    admin = new pg.Client({ connectionString: app.database.adminUrl });
    await admin.connect();
  });
  after(async () => {
    await admin?.end();
    await app?.stop();
  });

  test(`${DATASETS} random datasets x ${QUERIES_PER_DATASET} random queries agree`, async () => {
    let lastEnd = Date.now();
    const details = await fc.check(
      fc.asyncProperty(datasetArb, fc.array(queryArb, { minLength: QUERIES_PER_DATASET, maxLength: QUERIES_PER_DATASET }), async (dataset, queries) => {
        const started = Date.now();
        if (process.env.DIFFERENTIAL_DEBUG) console.log(`generated in ${started - lastEnd} ms`);
        const loaded = await load(app, admin, dataset as Dataset);
        const loadedAt = Date.now();
        // A few queries at a time (the runtime pool has several connections; PostgreSQL gets the other core).
        let next = 0;
        const worker = async () => {
          while (next < queries.length) await checkQuery(loaded, substitute(queries[next++], loaded.ids, loaded.me));
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        lastEnd = Date.now();
        if (process.env.DIFFERENTIAL_DEBUG) console.log(`dataset of ${loaded.records.length} records: loaded in ${loadedAt - started} ms, ${queries.length} queries in ${Date.now() - loadedAt} ms`);
      }),
      { numRuns: DATASETS, seed: SEED, path: process.env.DIFFERENTIAL_PATH, endOnFailure: process.env.DIFFERENTIAL_SHRINK === undefined },
    );
    if (details.failed) {
      // The message names the query and both answers; the seed (and path) replay the run; the dataset is
      // printed only on request (DIFFERENTIAL_DEBUG), it is long.
      const message = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      if (process.env.DIFFERENTIAL_DEBUG) console.log('dataset:', JSON.stringify(details.counterexample?.[0]));
      assert.fail(`differential mismatch after ${details.numRuns} dataset(s); replay with DIFFERENTIAL_SEED=${details.seed} DIFFERENTIAL_PATH=${details.counterexamplePath ?? ''}\n${message}`);
    }
    const total = stats.list + stats.aggregate;
    console.log(`differential: ${total} queries compared (${stats.list} list, ${stats.aggregate} aggregate; ${stats.rows} rows), ${stats.rejected} rejected by parseQuery`);
    assert.ok(stats.rejected <= (total + stats.rejected) * 0.1, `too many generated queries rejected by parseQuery: ${stats.rejected}`);
  });
});
