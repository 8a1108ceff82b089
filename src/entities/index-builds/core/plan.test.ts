import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { EntityTypeDefinition, FieldDefinition } from '../../core/definitions.ts';
import { fieldEntries, entryColumns, UniqueValues } from './entries.ts';
import { buildPlace, failureAction, planIndexChanges } from './plan.ts';

const type = (fields: FieldDefinition[]): EntityTypeDefinition => ({ key: 'thing', label: 'Thing', fields });

describe('index build planning', () => {
  const before = type([
    { key: 'a', type: 'text', indexed: true },
    { key: 'b', type: 'integer' },
    { key: 'c', type: 'text', unique: true },
  ]);
  const after = type([
    { key: 'a', type: 'text', indexed: true, label: 'A' },
    { key: 'b', type: 'integer', indexed: true },
    { key: 'c', type: 'text', indexed: true },
    { key: 'd', type: 'json' },
  ]);

  test('builds newly indexed fields and changed index kinds (unique or not), drops the rest; a new type builds all', () => {
    assert.deepEqual(planIndexChanges(before, after), { build: ['b', 'c'], drop: [], fresh: [] });
    assert.deepEqual(planIndexChanges(after, type([{ key: 'b', type: 'integer', indexed: true }])), { build: [], drop: ['a', 'c'], fresh: [] });
    assert.deepEqual(planIndexChanges(null, before), { build: ['a', 'c'], drop: [], fresh: ['a', 'c'] });
  });

  test('a field whose key no earlier version had holds no value anywhere: complete at once', () => {
    const added = type([...before.fields, { key: 'e', type: 'text', unique: true }]);
    const plan = planIndexChanges(before, added, new Set(['a', 'b', 'c']));
    assert.deepEqual(plan, { build: ['e'], drop: [], fresh: ['e'] });
    assert.equal(buildPlace('change', plan, 0, true), 'complete');
    const readded = planIndexChanges(before, added, new Set(['a', 'b', 'c', 'e']));
    assert.deepEqual(readded.fresh, []);
    assert.equal(buildPlace('change', readded, 0, true), 'background');
  });

  test('where builds run: at once for a new type, always in the background for rollbacks, in the request for small types', () => {
    const plan = planIndexChanges(before, after);
    assert.equal(buildPlace('create', planIndexChanges(null, before), 1000, false), 'complete');
    assert.equal(buildPlace('change', plan, 1000, false), 'request');
    assert.equal(buildPlace('change', plan, 1000, true), 'background');
    assert.equal(buildPlace('change', plan, 0, false), 'background');
    assert.equal(buildPlace('rollback', plan, 1000, false), 'background');
    assert.equal(buildPlace('change', planIndexChanges(after, after), 1000, false), 'none');
  });

  test('the builder retries lock conflicts, leaves organisation and connection trouble for later, fails on anything else', () => {
    assert.deepEqual(['40P01', '40001', '55P03'].map(failureAction), ['retry', 'retry', 'retry']);
    assert.deepEqual(['TS403', '08006', '57P01', undefined].map(failureAction), ['release', 'release', 'release', 'release']);
    assert.deepEqual(['23505', '42P01', '22P02'].map(failureAction), ['fail', 'fail', 'fail']);
  });
});

describe('entries of a build', () => {
  const definition = type([
    { key: 'code', type: 'text', unique: true },
    { key: 'at', type: 'datetime', unique: true },
    { key: 'tags', type: 'multi_enum', values: ['x', 'y'], indexed: true },
    { key: 'note', type: 'text' },
  ]);

  test('only the fields asked for, one column set per entry', () => {
    const entries = fieldEntries(definition, new Set(['code', 'tags']), [{ id: 'r1', data: { code: 'A', at: '2026-01-01T00:00:00Z', tags: ['x', 'y'], note: 'n' } }]);
    assert.deepEqual(entries.map((entry) => [entry.record, entry.field, entry.position, entry.value, entry.unique]), [
      ['r1', 'code', 0, 'A', true],
      ['r1', 'tags', 0, 'x', false],
      ['r1', 'tags', 1, 'y', false],
    ]);
    const [records, fields, positions, text, number] = entryColumns(entries) as unknown[][];
    assert.deepEqual([records, fields, positions, text, number], [['r1', 'r1', 'r1'], ['code', 'tags', 'tags'], [0, 0, 1], ['A', 'x', 'y'], [null, null, null]]);
  });

  test('repeated unique values are counted as the index compares them (instants, not spellings), across batches and holders', () => {
    const values = new UniqueValues();
    values.add(fieldEntries(definition, new Set(['code', 'at']), [
      { id: 'r1', data: { code: 'A', at: '2026-01-01T00:00:00Z' } },
      { id: 'r2', data: { code: 'B', at: '2026-01-01T01:00:00+01:00' } },
    ]));
    assert.deepEqual(values.conflicts(5), [{ field: 'at', value: '2026-01-01T00:00:00Z', count: 2 }]);
    values.add(fieldEntries(definition, new Set(['code']), [{ id: 'r3', data: { code: 'B' } }]));
    values.addHolders('code', 'value_text', 'B', 2);
    assert.deepEqual(values.conflicts(5), [
      { field: 'code', value: 'B', count: 4 },
      { field: 'at', value: '2026-01-01T00:00:00Z', count: 2 },
    ]);
    assert.equal(values.conflicts(1).length, 1);
  });

  test('no conflicts exactly when every unique value is held once', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('A', 'B', 'C', 'D', 'E'), { maxLength: 8 }), (codes) => {
        const values = new UniqueValues();
        values.add(fieldEntries(definition, new Set(['code']), codes.map((code, i) => ({ id: `r${i}`, data: { code } }))));
        assert.equal(values.conflicts(10).length === 0, new Set(codes).size === codes.length);
      }),
    );
  });
});
