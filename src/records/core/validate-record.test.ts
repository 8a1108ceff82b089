import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { EntityTypeDefinition } from '../../entities/core/definitions.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { etagOf, ifMatchAccepts } from './etag.ts';
import { parseFilters } from './filters.ts';
import { projectFields, validateCreate, validateUpdate } from './validate-record.ts';

const ID = '01937f5e-7c1a-7000-8000-000000000001';
const ID2 = '01937f5e-7c1a-7000-8000-000000000002';

const EVERYTHING: EntityTypeDefinition = {
  key: 'thing',
  label: 'Thing',
  fields: [
    { key: 'title', type: 'text', required: true, max_length: 5, pattern: '^[a-z]+$' },
    { key: 'notes', type: 'long_text' },
    { key: 'count', type: 'integer', min: 0, max: 10, default: 3 },
    { key: 'ratio', type: 'decimal', min: 0.5 },
    { key: 'done', type: 'boolean' },
    { key: 'due', type: 'date', max: '2030-01-01' },
    { key: 'at', type: 'datetime' },
    { key: 'priority', type: 'enum', values: ['p1', 'p2'] },
    { key: 'tags', type: 'multi_enum', values: ['a', 'b'] },
    { key: 'mail', type: 'email' },
    { key: 'site', type: 'url' },
    { key: 'extra', type: 'json' },
    { key: 'assignee', type: 'user' },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
    { key: 'assets', type: 'references', target: 'asset' },
    { key: 'about', type: 'any_reference', targets: ['asset', 'thing'] },
  ],
};

const VALID = {
  title: 'abc',
  notes: 'long',
  count: 4,
  ratio: 0.75,
  done: true,
  due: '2029-12-31',
  at: '2026-05-01T12:00:00Z',
  priority: 'p2',
  tags: ['a', 'b'],
  mail: 'x@example.com',
  site: 'https://example.com/x',
  extra: { nested: [1, 2] },
  assignee: ID,
  asset: ID,
  assets: [ID, ID2],
  about: { type: 'thing', id: ID2 },
};

function pointers(errors: readonly { pointer: string }[]): string[] {
  return errors.map((error) => error.pointer).sort();
}

describe('validateCreate', () => {
  test('a value of every field type is accepted; references and users are collected for the database', () => {
    const result = validateCreate(EVERYTHING, VALID);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.data, VALID);
    assert.deepEqual(result.users, [{ field: 'assignee', id: ID }]);
    assert.deepEqual(result.references, [
      { field: 'asset', id: ID, types: ['asset'], position: 0 },
      { field: 'assets', id: ID, types: ['asset'], position: 0 },
      { field: 'assets', id: ID2, types: ['asset'], position: 1 },
      { field: 'about', id: ID2, types: ['thing'], position: 0 },
    ]);
  });

  test('every problem is reported at once, one pointer per field', () => {
    const result = validateCreate(EVERYTHING, {
      notes: 3,
      count: 11,
      ratio: 0.1,
      done: 'yes',
      due: '2024-02-30',
      at: '2026-05-01 12:00',
      priority: 'p9',
      tags: ['a', 'a'],
      mail: 'nope',
      site: 'ftp://x',
      assignee: 'me',
      asset: 42,
      assets: [ID, ID],
      about: { type: 'other', id: ID },
      colour: 'red',
      id: ID,
    });
    assert.deepEqual(pointers(result.errors), [
      '/about', '/asset', '/assets', '/assignee', '/at', '/colour', '/count', '/done', '/due', '/id', '/mail', '/notes', '/priority', '/ratio', '/site', '/tags', '/title',
    ]);
    assert.equal(result.errors.find((e) => e.pointer === '/title')?.message, 'is required');
    assert.equal(result.errors.find((e) => e.pointer === '/id')?.message, 'is a system field and cannot be set');
  });

  test('max_length and pattern apply to text', () => {
    assert.deepEqual(pointers(validateCreate(EVERYTHING, { title: 'abcdef' }).errors), ['/title']);
    assert.deepEqual(pointers(validateCreate(EVERYTHING, { title: 'AB' }).errors), ['/title']);
  });

  test('defaults fill absent fields; null means no value and no default', () => {
    assert.equal(validateCreate(EVERYTHING, { title: 'a' }).data.count, 3);
    assert.equal(Object.hasOwn(validateCreate(EVERYTHING, { title: 'a', count: null }).data, 'count'), false);
    assert.deepEqual(pointers(validateCreate(EVERYTHING, { title: null }).errors), ['/title']);
  });

  test('ids are stored lowercase', () => {
    const result = validateCreate(EVERYTHING, { title: 'a', asset: ID.toUpperCase(), about: { type: 'asset', id: ID.toUpperCase() } });
    assert.equal(result.data.asset, ID);
    assert.deepEqual(result.data.about, { type: 'asset', id: ID });
  });

  test('a pointer to an odd key is escaped', () => {
    assert.deepEqual(pointers(validateCreate(EVERYTHING, { title: 'a', 'a/b~c': 1 }).errors), ['/a~1b~0c']);
  });

  test('property: any integer in range is accepted, any outside refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 100 }), (count) => {
        const errors = validateCreate(EVERYTHING, { title: 'a', count }).errors;
        assert.equal(errors.length === 0, count >= 0 && count <= 10);
      }),
    );
  });

  test('property: never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...EVERYTHING.fields.map((f) => f.key), 'x'), fc.jsonValue()), (body) => {
        const result = validateCreate(EVERYTHING, body);
        for (const error of result.errors) assert.match(error.pointer, /^\/[a-z_]+$/);
      }),
    );
  });
});

describe('validateUpdate', () => {
  test('merges, null clears, the merged record is validated whole, unknown stored keys are kept', () => {
    const stored = { title: 'abc', count: 4, removed_field: 'kept' };
    const result = validateUpdate(EVERYTHING, stored, { count: null, priority: 'p1' });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.data, { title: 'abc', removed_field: 'kept', priority: 'p1' });
    assert.deepEqual(stored, { title: 'abc', count: 4, removed_field: 'kept' }, 'the stored object is not changed');
    assert.deepEqual(pointers(validateUpdate(EVERYTHING, stored, { title: null, nope: 1 }).errors), ['/nope', '/title']);
  });

  test('no defaults on update', () => {
    assert.equal(Object.hasOwn(validateUpdate(EVERYTHING, { title: 'a' }, {}).data, 'count'), false);
  });
});

describe('projectFields', () => {
  test('every current field, null when absent; removed fields left out', () => {
    const small: EntityTypeDefinition = { key: 't', label: 'T', fields: [{ key: 'a', type: 'text' }, { key: 'b', type: 'integer' }] };
    assert.deepEqual(projectFields(small, { a: 'x', gone: 1 }), { a: 'x', b: null });
  });
});

describe('ETags', () => {
  test('If-Match: the current version, *, lists and weak tags match; anything else does not', () => {
    assert.equal(etagOf(3), '"3"');
    assert.ok(ifMatchAccepts('"3"', 3));
    assert.ok(ifMatchAccepts('*', 3));
    assert.ok(ifMatchAccepts('"1", W/"3"', 3));
    assert.ok(!ifMatchAccepts('"2"', 3));
    assert.ok(!ifMatchAccepts('3', 3));
    assert.ok(!ifMatchAccepts('"03"', 3));
    assert.ok(!ifMatchAccepts('', 3));
  });
});

describe('cursors', () => {
  test('round trip, and refusal of anything tampered', () => {
    const cursor = { sort: '-created_at', value: '2026-05-01 12:00:00.123456+00', id: ID };
    assert.deepEqual(decodeCursor(encodeCursor(cursor), '-created_at'), { ok: true, cursor });
    assert.equal(decodeCursor(encodeCursor(cursor), 'id').ok, false);
    assert.equal(decodeCursor('!!', 'id').ok, false);
    assert.equal(decodeCursor(Buffer.from('[]').toString('base64url'), 'id').ok, false);
    assert.equal(decodeCursor(encodeCursor({ sort: '-created_at', value: "x'; drop table records", id: ID }), '-created_at').ok, false);
    assert.equal(decodeCursor(encodeCursor({ sort: 'id', value: null, id: 'nope' }), 'id').ok, false);
    fc.assert(fc.property(fc.string(), (text) => void decodeCursor(text, 'id')));
  });
});

describe('parseFilters', () => {
  test('values are read as their field types; unknown and unfilterable fields are 422', () => {
    assert.deepEqual(parseFilters(EVERYTHING, { 'filter[count]': '4', 'filter[done]': 'true', 'filter[tags]': 'a', 'filter[asset]': ID.toUpperCase(), limit: 5 }), {
      ok: true,
      filter: { count: 4, done: true, tags: ['a'], asset: ID },
    });
    const bad = parseFilters(EVERYTHING, { 'filter[count]': '4.5', 'filter[nope]': 'x', 'filter[extra]': '{}', 'filter[done]': 'yes' });
    assert.equal(bad.ok, false);
    assert.deepEqual(pointers((bad as { errors: { pointer: string }[] }).errors), ['/filter[count]', '/filter[done]', '/filter[extra]', '/filter[nope]']);
  });
});
