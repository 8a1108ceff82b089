import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMPARISON_OPERATORS } from './ast.ts';
import { MAX_COMPARISONS, MAX_DEPTH } from './limits.ts';
import { parse } from './parse.ts';
import { issueExample } from './test-fixtures.ts';

function errorsOf(input: unknown, prefix = ''): { pointer: string; message: string }[] {
  const result = parse(input, prefix);
  assert.equal(result.ok, false, 'expected errors');
  return result.ok ? [] : [...result.errors];
}

describe('parse', () => {
  test('parses the example from the issue into a tree of kinds', () => {
    const result = parse(issueExample);
    assert.ok(result.ok);
    const root = result.condition;
    assert.equal(root.kind, 'and');
    if (root.kind !== 'and') return;
    assert.deepEqual(root.items.map((item) => item.kind), ['comparison', 'comparison', 'not', 'or']);
    assert.deepEqual(root.items[0], {
      kind: 'comparison', field: 'closed_at', op: 'gte', pointer: '/and/0',
      value: { kind: 'operand', operand: { kind: 'field', path: 'opened_at', pointer: '/and/0/value' } },
    });
    assert.deepEqual(root.items[1], { kind: 'comparison', field: 'priority', op: 'in', pointer: '/and/1', value: { kind: 'list', items: ['p1', 'p2'], pointer: '/and/1/value' } });
    const or = root.items[3];
    assert.ok(or?.kind === 'or');
    assert.deepEqual(or.items[1], {
      kind: 'comparison', field: 'created_at', op: 'gte', pointer: '/and/3/or/1',
      value: { kind: 'operand', operand: { kind: 'relative', amount: -7, unit: 'd', pointer: '/and/3/or/1/value' } },
    });
  });

  test('parses quantifiers, with and without where', () => {
    const result = parse({ and: [
      { some: { path: 'incident.asset', where: { field: 'priority', op: 'eq', value: 'p1' } } },
      { none: { path: 'related' } },
    ] });
    assert.ok(result.ok && result.condition.kind === 'and');
    assert.equal(result.condition.items[0]?.kind, 'quantifier');
    assert.deepEqual(result.condition.items[1], { kind: 'quantifier', quantifier: 'none', path: 'related', where: null, pointer: '/and/1' });
  });

  test('reports every error at once, each with its pointer and what is allowed', () => {
    const errors = errorsOf({ where: { and: [
      { field: 'a', op: 'eq', value: 1 },
      { field: 'b', op: 'like', value: 'x' },
      { field: 'c', op: 'eq' },
      { field: 'd', op: 'is_null', value: 1 },
      { field: '', op: 'eq', value: 1, extra: true },
      { field: 'e', op: 'between', value: [1] },
      { field: 'f', op: 'in', value: [1, [2], null] },
      { field: 'g', op: 'eq', value: { relative: '7 days' } },
      { field: 'h', op: 'eq', value: null },
      { field: 'i', op: 'has_any', value: ['x', 1] },
      { field: 'j', op: 'eq', value: { start_of: 'fortnight' } },
    ] } }.where, '/where');
    const byPointer = new Map(errors.map((error) => [error.pointer, error.message]));
    assert.equal(byPointer.get('/where/and/1/op'), `must be one of: ${COMPARISON_OPERATORS.join(', ')}`);
    assert.match(byPointer.get('/where/and/2') ?? '', /must have "value"/);
    assert.match(byPointer.get('/where/and/3/value') ?? '', /takes no value/);
    assert.match(byPointer.get('/where/and/4/field') ?? '', /field path/);
    assert.match(byPointer.get('/where/and/4/extra') ?? '', /allowed here: field, op, value/);
    assert.match(byPointer.get('/where/and/5/value') ?? '', /\[low, high\]/);
    assert.match(byPointer.get('/where/and/6/value/1') ?? '', /literal/);
    assert.match(byPointer.get('/where/and/7/value/relative') ?? '', /-7d/);
    assert.match(byPointer.get('/where/and/8/value') ?? '', /is_null/);
    assert.match(byPointer.get('/where/and/9/value/1') ?? '', /string/);
    assert.match(byPointer.get('/where/and/10/value/start_of') ?? '', /day, week, month, quarter, year/);
    assert.equal(errors.length, 11);
  });

  test('rejects nodes that are not conditions, or that mix node kinds', () => {
    assert.match(errorsOf(42)[0]!.message, /condition object/);
    assert.match(errorsOf({ and: [] })[0]!.message, /non-empty array/);
    assert.deepEqual(errorsOf({ and: [{ field: 'a', op: 'is_null' }], or: [] }).map((error) => error.pointer), ['']);
    assert.deepEqual(errorsOf({ not: 1 }).map((error) => error.pointer), ['/not']);
    assert.deepEqual(errorsOf({ some: { where: { field: 'a', op: 'is_null' } } }).map((error) => error.pointer), ['/some']);
    assert.deepEqual(errorsOf({ every: { path: 'x', where: 3, limit: 1 } }).map((error) => error.pointer).sort(), ['/every/limit', '/every/where']);
  });

  test('escapes pointer tokens (RFC 6901)', () => {
    const errors = errorsOf({ field: 'a', op: 'eq', value: 1, 'x/y~z': 1 });
    assert.deepEqual(errors.map((error) => error.pointer), ['/x~1y~0z']);
  });

  test('accepts relative times with a sign and the four units, and refuses huge spans', () => {
    for (const relative of ['-7d', '+2h', '30m', '-1w', '0d']) assert.ok(parse({ field: 'x', op: 'gte', value: { relative } }).ok, relative);
    for (const relative of ['-7', 'd', '-7y', '- 7d', '-99999999d', 7]) assert.equal(parse({ field: 'x', op: 'gte', value: { relative } }).ok, false, String(relative));
  });

  test(`limits nesting to ${MAX_DEPTH} levels without recursing into deeper input`, () => {
    let deep: unknown = { field: 'a', op: 'is_null' };
    for (let level = 1; level < MAX_DEPTH; level++) deep = { not: deep };
    assert.ok(parse(deep).ok);
    assert.match(errorsOf({ not: deep })[0]!.message, /at most 16 levels/);
    // Much deeper than the stack could take if it were walked.
    let huge: unknown = { field: 'a', op: 'is_null' };
    for (let level = 0; level < 100_000; level++) huge = { not: huge };
    assert.equal(errorsOf(huge).length, 1);
    const cyclic: Record<string, unknown> = {};
    cyclic.not = cyclic;
    assert.equal(errorsOf(cyclic).length, 1);
  });

  test(`limits a condition to ${MAX_COMPARISONS} comparisons`, () => {
    const many = (count: number) => ({ and: Array.from({ length: count }, () => ({ field: 'a', op: 'is_null' })) });
    assert.ok(parse(many(MAX_COMPARISONS)).ok);
    const errors = errorsOf(many(100_000));
    assert.deepEqual(errors, [{ pointer: `/and/${MAX_COMPARISONS}`, message: `a condition may have at most ${MAX_COMPARISONS} comparisons` }]);
  });

  test('never throws on values JSON cannot even hold', () => {
    for (const input of [undefined, () => 1, Symbol('x'), NaN, { field: 'a', op: 'eq', value: NaN }, { field: 'a', op: 'eq', value: Infinity }, new Map(), [], 'and']) {
      assert.equal(parse(input).ok, false);
    }
  });
});
