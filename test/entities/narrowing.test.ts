// The rule that lets widening changes skip the record scan (src/entities/core/narrowing.ts),
// checked against the record validation itself: whenever `mayInvalidate` says
// a change cannot invalidate a record, no record valid before is invalid after.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { EntityTypeDefinition } from '../../src/entities/core/definitions.ts';
import { diffDefinitions } from '../../src/entities/core/diff.ts';
import { indexChanges, mayInvalidate, newlyUniqueFields } from '../../src/entities/core/narrowing.ts';
import { parseDefinition } from '../../src/entities/core/parse-definition.ts';
import { storedRecordErrors } from '../../src/records/core/stored-record.ts';

const context = { now: new Date('2026-01-01T00:00:00Z'), userId: null };

function parse(fields: unknown[], rules: unknown[] = []): EntityTypeDefinition {
  const parsed = parseDefinition({ key: 'thing', label: 'Thing', fields, rules }, { typeExists: () => false });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  return parsed.definition;
}

const fieldOf = {
  title: fc.record(
    { type: fc.constantFrom('text', 'long_text'), required: fc.boolean(), max_length: fc.integer({ min: 1, max: 6 }), pattern: fc.constantFrom('^a', '^[a-z]+$'), indexed: fc.boolean(), label: fc.constantFrom('T', 'Title') },
    { requiredKeys: ['type'] },
  ),
  n: fc.record({ type: fc.constantFrom('integer', 'decimal', 'text'), required: fc.boolean(), min: fc.integer({ min: -5, max: 5 }), max: fc.integer({ min: 5, max: 200 }), unique: fc.boolean() }, { requiredKeys: ['type'] }),
  p: fc.record({ type: fc.constant('enum'), values: fc.uniqueArray(fc.constantFrom('p1', 'p2', 'p3'), { minLength: 1 }), required: fc.boolean() }, { requiredKeys: ['type', 'values'] }),
};
const keys = Object.keys(fieldOf) as (keyof typeof fieldOf)[];

const definition = fc
  .record({ title: fc.option(fieldOf.title), n: fc.option(fieldOf.n), p: fc.option(fieldOf.p), rule: fc.boolean() })
  .map(({ rule, ...fields }) => {
    const list: { key: string; type?: string }[] = keys.filter((key) => fields[key] !== null).map((key) => ({ key, ...(fields[key] as { type: string }) }));
    const hasN = list.some((field) => field.key === 'n' && field.type !== 'text');
    const rules = rule && hasN ? [{ key: 'small', message: 'n small', condition: { field: 'n', op: 'lte', value: 50 } }] : [];
    const parsed = parseDefinition({ key: 'thing', label: 'Thing', fields: list, rules }, { typeExists: () => false });
    return parsed.ok ? parsed.definition : null;
  })
  .filter((item): item is EntityTypeDefinition => item !== null);

const value = fc.constantFrom<unknown>('a', 'abc', 'abcdefgh', 'Z9', 'p1', 'p2', 'p3', 0, 3, 7, 60, 150, 2.5, true);
const data = fc.record({ title: value, n: value, p: value }, { requiredKeys: [] });

describe('narrowing rule', () => {
  test('a change mayInvalidate calls harmless never invalidates a record that was valid', () => {
    fc.assert(
      fc.property(definition, definition, data, (before, after, stored) => {
        fc.pre(storedRecordErrors(before, stored, context).length === 0);
        const history = new Set([...before.fields.map((field) => field.key), ...Object.keys(stored)]);
        if (!mayInvalidate(diffDefinitions(before, after), history)) {
          assert.deepEqual(storedRecordErrors(after, stored, context), []);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('widening changes are harmless; narrowing ones are not', () => {
    const before = parse([{ key: 'title', type: 'text', max_length: 10 }, { key: 'p', type: 'enum', values: ['p1', 'p2'] }]);
    const history = new Set(['title', 'p']);
    const harmless = (fields: unknown[], rules: unknown[] = []) => !mayInvalidate(diffDefinitions(before, parse(fields, rules)), history);
    assert.ok(harmless([{ key: 'title', type: 'text', max_length: 20, label: 'Title', indexed: true }, { key: 'p', type: 'enum', values: ['p1', 'p2', 'p3'] }, { key: 'fresh', type: 'integer' }]));
    assert.ok(harmless([{ key: 'title', type: 'text' }]));
    assert.ok(!harmless([{ key: 'title', type: 'text', max_length: 5 }, { key: 'p', type: 'enum', values: ['p1', 'p2'] }]));
    assert.ok(!harmless([{ key: 'title', type: 'text', max_length: 10 }, { key: 'p', type: 'enum', values: ['p1'] }]));
    assert.ok(!harmless([{ key: 'title', type: 'text', max_length: 10, required: true }, { key: 'p', type: 'enum', values: ['p1', 'p2'] }]));
    assert.ok(!harmless([{ key: 'title', type: 'long_text', max_length: 10 }, { key: 'p', type: 'enum', values: ['p1', 'p2'] }]));
    assert.ok(!harmless([...before.fields, { key: 'fresh', type: 'integer', required: true }]));
    assert.ok(!harmless([...before.fields], [{ key: 'r', message: 'm', condition: { field: 'p', op: 'eq', value: 'p1' } }]));
  });

  test('indexes built and dropped, fields becoming unique', () => {
    const before = parse([{ key: 'a', type: 'text', indexed: true }, { key: 'b', type: 'integer' }, { key: 'c', type: 'text', indexed: true }]);
    const after = parse([{ key: 'b', type: 'integer', unique: true }, { key: 'c', type: 'text', indexed: true }, { key: 'd', type: 'text', unique: true }]);
    assert.deepEqual(indexChanges(before, after), { build: ['b', 'd'], drop: ['a'] });
    assert.deepEqual(newlyUniqueFields(before, after, new Set(['a', 'b', 'c'])).map((field) => field.key), ['b']);
    assert.deepEqual(newlyUniqueFields(before, after, new Set(['a', 'b', 'c', 'd'])).map((field) => field.key), ['b', 'd']);
  });
});
