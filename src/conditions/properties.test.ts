// Property tests: parsing and type checking never throw and always point at
// real locations; random valid conditions over random registries evaluate
// without throwing; three-valued logic laws hold on random records with nulls.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { EntityTypeDefinition, FieldDefinition, FieldType, RegistrySnapshot } from '../entities/core/definitions.ts';
import { COMPARISON_OPERATORS } from './ast.ts';
import { evaluate, type EvaluationContext } from './evaluate.ts';
import { compileCondition } from './index.ts';
import { inMemoryRecords, type StoredRecord } from './memory-records.ts';
import { parse } from './parse.ts';
import { resolvePath, resolveRelation } from './resolve-path.ts';
import type { ResolvedCondition, ResolvedPath } from './resolved.ts';
import { registry as fixtureRegistry, registryOf, resolvePointer } from './test-fixtures.ts';
import { comparableFamily, operatorsFor } from './value-types.ts';

const RUNS = { numRuns: 300 };

function assertPointersResolve(input: unknown, errors: readonly { pointer: string }[]): void {
  for (const error of errors) assert.ok(resolvePointer(input, error.pointer).found, `pointer ${error.pointer} does not exist in ${JSON.stringify(input)}`);
}

// ---- condition-shaped junk: real keys, random contents, to reach deep error paths ----
const fieldNames = fc.constantFrom('title', 'priority', 'asset.building', 'asset.nope', 'tags', 'details.x.y', 'subject.name', 'subject.building', 'nope',
  'created_at', 'related', 'due_on', 'urgent', 'asset.site.region.parent.name', 'a/b', 'x~y', '', 'a..b');
const operandish = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.record({ field: fc.oneof(fieldNames, fc.jsonValue({ maxDepth: 0 })) }),
  fc.record({ current_user: fc.oneof(fc.constant(true), fc.jsonValue({ maxDepth: 0 })) }),
  fc.record({ relative: fc.oneof(fc.constantFrom('-7d', '+1h', '3w', '7', '-x'), fc.jsonValue({ maxDepth: 0 })) }),
  fc.record({ start_of: fc.oneof(fc.constantFrom('day', 'week', 'decade'), fc.jsonValue({ maxDepth: 0 })) }),
);
const conditionish = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ field: fc.oneof(fieldNames, fc.jsonValue({ maxDepth: 0 })), op: fc.oneof(fc.constantFrom(...COMPARISON_OPERATORS, 'like'), fc.jsonValue({ maxDepth: 0 })), value: fc.oneof(operandish, fc.array(operandish, { maxLength: 3 })) }, { requiredKeys: [] }),
    fc.record({ and: fc.oneof(fc.array(tie('node'), { maxLength: 3 }), fc.jsonValue({ maxDepth: 0 })) }),
    fc.record({ or: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
    fc.record({ some: fc.record({ path: fc.oneof(fc.constantFrom('related', 'incident.asset', 'asset', 'nope.x'), fc.jsonValue({ maxDepth: 0 })), where: tie('node') }, { requiredKeys: [] }) }),
    fc.record({ every: fc.record({ path: fc.constantFrom('related', 'incident.asset'), where: tie('node'), extra: fc.jsonValue({ maxDepth: 0 }) }, { requiredKeys: ['path'] }) }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
})).node;

describe('condition properties', () => {
  test('parse never throws on arbitrary JSON, and every error pointer exists in the input', () => {
    fc.assert(fc.property(fc.jsonValue(), (input) => {
      const result = parse(input);
      if (!result.ok) {
        assert.ok(result.errors.length > 0);
        assertPointersResolve(input, result.errors);
      }
    }), { numRuns: 1000 });
  });

  test('parse and typeCheck never throw on condition-shaped junk, and every error pointer exists', () => {
    fc.assert(fc.property(conditionish, fc.constantFrom('incident', 'asset', 'contract'), (input, type) => {
      const result = compileCondition(input, type, fixtureRegistry);
      if (!result.ok) {
        assert.ok(result.errors.length > 0);
        assertPointersResolve(input, result.errors);
      }
    }), { numRuns: 2000 });
  });

  test('random valid conditions over a random registry type-check and evaluate to true, false or null', () => {
    fc.assert(fc.property(worldArb.chain((world) => fc.tuple(fc.constant(world), conditionArb(world, 'T0', 3), contextArb)), ([world, condition, context]) => {
      const compiled = compileCondition(condition, 'T0', world.registry);
      assert.ok(compiled.ok, JSON.stringify({ condition, errors: compiled.ok ? [] : compiled.errors }));
      for (const record of world.records.filter((entry) => entry.type === 'T0')) {
        const value = evaluate(compiled.condition, world.set.view(record), context);
        assert.ok(value === true || value === false || value === null);
      }
    }), RUNS);
  });

  test('De Morgan and double negation hold under three-valued logic', () => {
    fc.assert(fc.property(worldArb.chain((world) => fc.tuple(fc.constant(world), conditionArb(world, 'T0', 2), conditionArb(world, 'T0', 2), contextArb)), ([world, a, b, context]) => {
      const [ra, rb] = [resolve(world, a), resolve(world, b)];
      const not = (item: ResolvedCondition): ResolvedCondition => ({ kind: 'not', item });
      for (const record of world.records.filter((entry) => entry.type === 'T0')) {
        const view = world.set.view(record);
        const value = (condition: ResolvedCondition) => evaluate(condition, view, context);
        assert.equal(value(not({ kind: 'and', items: [ra, rb] })), value({ kind: 'or', items: [not(ra), not(rb)] }));
        assert.equal(value(not({ kind: 'or', items: [ra, rb] })), value({ kind: 'and', items: [not(ra), not(rb)] }));
        assert.equal(value(not(not(ra))), value(ra));
        // Excluded middle fails only on null: a or not a is true or null, never false.
        assert.notEqual(value({ kind: 'or', items: [ra, not(ra)] }), false);
      }
    }), RUNS);
  });

  test('between is gte and lte', () => {
    const arb = worldArb.chain((world) => {
      const orderable = world.paths.T0!.filter((path) => operatorsFor(path.valueType).includes('between'));
      return fc.tuple(fc.constant(world), fc.constantFrom(...orderable).chain((path) => fc.tuple(fc.constant(path), operandArb(world, 'T0', path), operandArb(world, 'T0', path))), contextArb);
    });
    fc.assert(fc.property(arb, ([world, [path, low, high], context]) => {
      const between = resolve(world, { field: path.path, op: 'between', value: [low, high] });
      const both = resolve(world, { and: [{ field: path.path, op: 'gte', value: low }, { field: path.path, op: 'lte', value: high }] });
      for (const record of world.records.filter((entry) => entry.type === 'T0')) {
        assert.equal(evaluate(between, world.set.view(record), context), evaluate(both, world.set.view(record), context));
      }
    }), RUNS);
  });
});

// ---- a random little world: a registry of three types, records with nulls, valid conditions ----

const TYPES = ['T0', 'T1', 'T2'] as const;
const SCALAR_TYPES: readonly FieldType[] = ['text', 'long_text', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'enum', 'multi_enum', 'email', 'url', 'json', 'user'];
const idOf = (type: number, n: number) => `00000000-0000-4000-8000-0000000${type}000${n}`;
const RECORD_IDS: Record<string, string[]> = Object.fromEntries(TYPES.map((type, index) => [type, [0, 1, 2].map((n) => idOf(index, n))]));
const USERS = ['00000000-0000-4000-8000-00000000aaaa', '00000000-0000-4000-8000-00000000bbbb'];
const TEXTS = ['', 'a', 'b', 'A', 'ab', 'é', '\u{1F600}', '%'];
const DATES = ['2026-01-01', '2026-01-02', '2025-12-31', '2026-11-23'];
const DATETIMES = ['2026-01-01T00:00:00Z', '2026-01-01T01:00:00+01:00', '2026-01-02T12:00:00-03:00', '2026-11-25T11:59:59.999999Z'];
const NUMBERS = [-1.5, 0, 1, 2.25, 3];

interface World {
  readonly registry: RegistrySnapshot;
  readonly records: readonly StoredRecord[];
  readonly set: ReturnType<typeof inMemoryRecords>;
  readonly paths: Record<string, ResolvedPath[]>;
  readonly relations: Record<string, { path: string; type: string }[]>;
}

const typeArb = fc.record({
  scalars: fc.uniqueArray(fc.constantFrom(...SCALAR_TYPES), { maxLength: 7 }),
  values: fc.subarray(['x', 'y', 'z'], { minLength: 1 }),
  ref: fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
  refs: fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
  any: fc.option(fc.subarray([...TYPES], { minLength: 1 }), { nil: undefined }),
});

function buildType(key: string, spec: { scalars: FieldType[]; values: string[]; ref?: string; refs?: string; any?: string[] }): EntityTypeDefinition {
  const fields: FieldDefinition[] = spec.scalars.map((type) => (type === 'enum' || type === 'multi_enum' ? { key: `f_${type}`, type, values: spec.values } : { key: `f_${type}`, type }));
  if (spec.ref) fields.push({ key: 'ref', type: 'reference', target: spec.ref });
  if (spec.refs) fields.push({ key: 'refs', type: 'references', target: spec.refs });
  if (spec.any) fields.push({ key: 'any', type: 'any_reference', targets: spec.any });
  return { key, label: key, fields };
}

function candidatePaths(registry: RegistrySnapshot, type: string, prefix: string, hops: number): string[] {
  const definition = registry.type(type);
  if (!definition) return [];
  const own = ['id', 'created_at', 'created_by', 'type', 'version', ...definition.fields.map((field) => field.key)].map((key) => prefix + key);
  const deeper = hops >= 3 ? [] : definition.fields.flatMap((field) => {
    if (field.type === 'json') return [`${prefix}${field.key}.a`, `${prefix}${field.key}.b.c`, `${prefix}${field.key}.0`];
    if (field.type === 'reference') return candidatePaths(registry, field.target!, `${prefix}${field.key}.`, hops + 1);
    if (field.type === 'any_reference') return candidatePaths(registry, field.targets![0]!, `${prefix}${field.key}.`, hops + 1);
    return [];
  });
  return [...own, ...deeper];
}

function valueArb(fieldType: FieldType, field: FieldDefinition): fc.Arbitrary<unknown> {
  switch (fieldType) {
    case 'text': case 'long_text': case 'email': case 'url': return fc.constantFrom(...TEXTS);
    case 'integer': return fc.integer({ min: -2, max: 3 });
    case 'decimal': return fc.constantFrom(...NUMBERS);
    case 'boolean': return fc.boolean();
    case 'date': return fc.constantFrom(...DATES);
    case 'datetime': return fc.constantFrom(...DATETIMES);
    case 'enum': return fc.constantFrom(...(field.values ?? ['x']));
    case 'multi_enum': return fc.subarray([...(field.values ?? ['x'])]);
    case 'user': return fc.constantFrom(...USERS);
    case 'json': return fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.record({ a: fc.oneof(fc.constantFrom(...TEXTS), fc.integer({ min: -1, max: 2 }), fc.boolean(), fc.constant(null)), b: fc.record({ c: fc.constantFrom('a', 1, true) }) }, { requiredKeys: [] }), fc.array(fc.constantFrom('a', 1)));
    case 'reference': return fc.constantFrom(...RECORD_IDS[field.target!]!, '00000000-0000-4000-8000-00000000dead');
    case 'references': return fc.subarray(RECORD_IDS[field.target!]!);
    case 'any_reference': return fc.constantFrom(...field.targets!).chain((type) => fc.record({ type: fc.constant(type), id: fc.constantFrom(...RECORD_IDS[type]!) }));
  }
}

function recordArb(type: EntityTypeDefinition, id: string): fc.Arbitrary<StoredRecord> {
  const fields = Object.fromEntries(type.fields.map((field) => [field.key, fc.option(fc.oneof({ weight: 9, arbitrary: valueArb(field.type, field) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 0 }) }), { nil: undefined, freq: 3 })]));
  return fc.record({
    ...fields,
    created_at: fc.option(fc.constantFrom(...DATETIMES), { nil: undefined }),
    created_by: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
    version: fc.integer({ min: 1, max: 3 }),
  }, { requiredKeys: [] }).map((values) => ({ ...values, id, type: type.key }) as StoredRecord);
}

const worldArb: fc.Arbitrary<World> = fc.tuple(typeArb, typeArb, typeArb).chain((specs) => {
  const types = specs.map((spec, index) => buildType(TYPES[index]!, spec));
  const registry = registryOf(types);
  const paths: Record<string, ResolvedPath[]> = {};
  const relations: Record<string, { path: string; type: string }[]> = {};
  for (const type of TYPES) {
    paths[type] = candidatePaths(registry, type, '', 0).flatMap((path) => {
      const resolved = resolvePath(path, type, registry, 3);
      return resolved.ok ? [resolved.value] : [];
    });
    relations[type] = ['refs', ...TYPES.flatMap((source) => ['ref', 'refs', 'any'].map((field) => `${source}.${field}`))].flatMap((path) => {
      const resolved = resolveRelation(path, type, registry);
      if (!resolved.ok) return [];
      return [{ path, type: resolved.value.kind === 'forward' ? resolved.value.targetType : resolved.value.sourceType }];
    });
  }
  const recordArbs = types.flatMap((type) => RECORD_IDS[type.key]!.map((id) => recordArb(type, id)));
  return fc.tuple(...recordArbs).map((records) => ({ registry, records, set: inMemoryRecords(records), paths, relations }));
});

const contextArb: fc.Arbitrary<EvaluationContext> = fc.record({
  now: fc.constantFrom(new Date('2026-01-01T12:00:00Z'), new Date('2026-11-25T12:00:00Z'), new Date('2026-03-08T07:30:00Z')),
  timeZone: fc.constantFrom('UTC', 'America/Sao_Paulo', 'America/New_York', 'Asia/Kolkata'),
  userId: fc.constantFrom(USERS[0]!, USERS[1]!.toUpperCase(), null),
});

function literalArb(path: ResolvedPath): fc.Arbitrary<unknown> {
  switch (path.valueType) {
    case 'text': return fc.constantFrom(...TEXTS);
    case 'enum': return fc.constantFrom(...(path.enumValues ?? []));
    case 'uuid': return fc.constantFrom(...USERS, ...Object.values(RECORD_IDS).flat());
    case 'integer': return fc.integer({ min: -2, max: 3 });
    case 'decimal': return fc.constantFrom(...NUMBERS);
    case 'boolean': return fc.boolean();
    case 'date': return fc.constantFrom(...DATES);
    case 'datetime': return fc.constantFrom(...DATETIMES);
    case 'json': return fc.oneof(fc.constantFrom(...TEXTS), fc.integer({ min: -1, max: 2 }), fc.boolean());
    case 'multi_enum': case 'references': case 'any_reference': return fc.constant('unused');
  }
}

function operandArb(world: World, type: string, path: ResolvedPath): fc.Arbitrary<unknown> {
  const family = comparableFamily(path.valueType);
  const others = world.paths[type]!.filter((other) => family !== null && comparableFamily(other.valueType) === family);
  const options: fc.Arbitrary<unknown>[] = [literalArb(path), fc.constantFrom(...others).map((other) => ({ field: other.path }))];
  if (path.fieldType === 'user') options.push(fc.constant({ current_user: true }));
  if (path.jsonPath.length === 0 && (path.valueType === 'date' || path.valueType === 'datetime')) {
    options.push(fc.record({ relative: fc.constantFrom('-7d', '+1d', '-2h', '30m', '-1w', '0d') }), fc.record({ start_of: fc.constantFrom('day', 'week', 'month', 'quarter', 'year') }));
  }
  return fc.oneof(...options);
}

function comparisonArb(world: World, type: string): fc.Arbitrary<unknown> {
  return fc.constantFrom(...world.paths[type]!).chain((path) => fc.constantFrom(...operatorsFor(path.valueType)).chain((op): fc.Arbitrary<unknown> => {
    switch (op) {
      case 'is_null': case 'is_not_null': return fc.constant({ field: path.path, op });
      case 'eq': case 'neq': case 'lt': case 'lte': case 'gt': case 'gte':
        return operandArb(world, type, path).map((value) => ({ field: path.path, op, value }));
      case 'between':
        return fc.tuple(operandArb(world, type, path), operandArb(world, type, path)).map((value) => ({ field: path.path, op, value }));
      case 'in': case 'nin':
        return fc.array(fc.oneof({ weight: 4, arbitrary: literalArb(path) }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 3 }).map((value) => ({ field: path.path, op, value }));
      case 'contains': case 'starts_with': case 'ends_with': case 'icontains':
        return fc.constantFrom('', 'a', 'A', 'b', '%').map((value) => ({ field: path.path, op, value }));
      case 'has_any': case 'has_all':
        return fc.subarray(path.valueType === 'multi_enum' ? [...(path.enumValues ?? [])] : Object.values(RECORD_IDS).flat()).map((value) => ({ field: path.path, op, value }));
    }
  }));
}

const memo = new WeakMap<World, Map<string, fc.Arbitrary<unknown>>>();

function conditionArb(world: World, type: string, depth: number): fc.Arbitrary<unknown> {
  const cache = memo.get(world) ?? new Map<string, fc.Arbitrary<unknown>>();
  memo.set(world, cache);
  const key = `${type}:${depth}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const leaf = comparisonArb(world, type);
  let arb = leaf;
  if (depth > 0) {
    const inner = conditionArb(world, type, depth - 1);
    const options: fc.Arbitrary<unknown>[] = [
      fc.array(inner, { minLength: 1, maxLength: 3 }).map((items) => ({ and: items })),
      fc.array(inner, { minLength: 1, maxLength: 3 }).map((items) => ({ or: items })),
      inner.map((item) => ({ not: item })),
    ];
    for (const relation of world.relations[type]!) {
      options.push(fc.tuple(fc.constantFrom('some', 'none', 'every'), fc.option(conditionArb(world, relation.type, depth - 1), { nil: undefined }))
        .map(([quantifier, where]) => ({ [quantifier]: where === undefined ? { path: relation.path } : { path: relation.path, where } })));
    }
    arb = fc.oneof({ weight: 3, arbitrary: leaf }, ...options.map((arbitrary) => ({ weight: 1, arbitrary })));
  }
  cache.set(key, arb);
  return arb;
}

function resolve(world: World, condition: unknown): ResolvedCondition {
  const compiled = compileCondition(condition, 'T0', world.registry);
  assert.ok(compiled.ok, JSON.stringify({ condition, errors: compiled.ok ? [] : compiled.errors }));
  return compiled.condition;
}
