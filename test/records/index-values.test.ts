// The pure mapping from a record's data to index entries (src/records/core/index-values.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EntityTypeDefinition } from '../../src/entities/index.ts';
import { entryValue, indexEntries, MAX_INDEXED_TEXT } from '../../src/records/core/index-values.ts';

const DEFINITION = {
  key: 'thing',
  label: 'Thing',
  fields: [
    { key: 'code', type: 'text', unique: true },
    { key: 'plain', type: 'text' },
    { key: 'tags', type: 'multi_enum', values: ['a', 'b'], indexed: true },
    { key: 'owner', type: 'reference', target: 'thing', indexed: true },
    { key: 'due', type: 'date', indexed: true },
    { key: 'amount', type: 'decimal', indexed: true },
  ],
  rules: [],
} as unknown as EntityTypeDefinition;

describe('index values', () => {
  test('only indexed or unique fields with a value column get entries; multi_enum one per element', () => {
    const entries = indexEntries(DEFINITION, { code: 'X', plain: 'p', tags: ['a', 'b'], owner: '0190a000-0000-7000-8000-000000000000', due: '2026-01-31', amount: 1.5 });
    assert.deepEqual(entries, [
      { field: 'code', position: 0, column: 'value_text', value: 'X', unique: true },
      { field: 'tags', position: 0, column: 'value_text', value: 'a', unique: false },
      { field: 'tags', position: 1, column: 'value_text', value: 'b', unique: false },
      { field: 'due', position: 0, column: 'value_date', value: '2026-01-31', unique: false },
      { field: 'amount', position: 0, column: 'value_number', value: 1.5, unique: false },
    ]);
  });

  test('values PostgreSQL could not read, or too long for a btree entry, get no entry', () => {
    assert.equal(entryValue('value_date', '2026-02-30'), undefined);
    assert.equal(entryValue('value_date', '0000-01-01'), undefined);
    assert.equal(entryValue('value_date', 'tomorrow'), undefined);
    assert.equal(entryValue('value_time', '2026-01-01T10:00:00'), undefined, 'no offset');
    assert.equal(entryValue('value_time', '2026-01-01T10:00:00.123+01:00'), '2026-01-01T10:00:00.123+01:00');
    // Every form the API accepts has an entry (PostgreSQL reads them all).
    for (const accepted of ['2026-01-01t10:00:00z', '2026-01-01T10:00:00.123456789Z', '2026-01-01T10:00:00.1234567+01:30']) {
      assert.equal(entryValue('value_time', accepted), accepted);
    }
    assert.equal(entryValue('value_text', 'x'.repeat(MAX_INDEXED_TEXT + 1)), undefined);
    assert.equal(entryValue('value_number', Number.NaN), undefined);
    assert.equal(entryValue('value_bool', 'true'), undefined);
  });
});
