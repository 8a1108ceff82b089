import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { EntityTypeDefinition } from './definitions.ts';
import { applyDiff, canonicalJson, diffDefinitions, isEmptyDiff } from './diff.ts';
import { parseDefinition } from './parse-definition.ts';

const noOtherTypes = { typeExists: () => false };

/** Random fields from a small pool of keys, so two definitions overlap, differ and reorder. */
const field = fc.oneof(
  fc.record(
    { type: fc.constant('text'), max_length: fc.integer({ min: 1, max: 500 }), required: fc.boolean(), label: fc.constantFrom('Title', 'Name') },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('integer'), min: fc.integer({ min: -10, max: 0 }), indexed: fc.boolean() }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('enum'), values: fc.uniqueArray(fc.constantFrom('p1', 'p2', 'p3'), { minLength: 1 }) }),
  fc.record({ type: fc.constant('reference'), target: fc.constant('incident'), on_delete: fc.constantFrom('restrict', 'cascade', 'set_null') }),
  fc.record({ type: fc.constant('boolean'), default: fc.boolean() }, { requiredKeys: ['type'] }),
);

const definition: fc.Arbitrary<EntityTypeDefinition> = fc
  .record(
    {
      label: fc.constantFrom('Incident', 'Ticket'),
      description: fc.constantFrom('One', 'Two'),
      fields: fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), field), { selector: ([key]) => key, maxLength: 5 }),
      rules: fc.uniqueArray(
        fc.record({ key: fc.constantFrom('r1', 'r2', 'r3'), message: fc.constantFrom('m1', 'm2'), condition: fc.constantFrom({ field: 'a', op: 'eq', value: 1 }, { and: [] }) }),
        { selector: (rule) => rule.key, maxLength: 3 },
      ),
    },
    { requiredKeys: ['label', 'fields'] },
  )
  .map((input) => {
    const parsed = parseDefinition({ key: 'incident', ...input, fields: input.fields.map(([key, rest]) => ({ key, ...rest })) }, noOtherTypes);
    if (!parsed.ok) throw new Error(`generator made an invalid definition: ${JSON.stringify(parsed.errors)}`);
    return parsed.definition;
  });

describe('diffDefinitions', () => {
  test('a definition diffed with itself is empty', () => {
    fc.assert(fc.property(definition, (a) => isEmptyDiff(diffDefinitions(a, a))));
  });

  test('applying the diff to the first definition reproduces the second', () => {
    fc.assert(
      fc.property(definition, definition, (a, b) => {
        assert.deepEqual(applyDiff(a, diffDefinitions(a, b)), b);
      }),
    );
  });

  test('the diff is empty exactly when the definitions are equal', () => {
    fc.assert(fc.property(definition, definition, (a, b) => isEmptyDiff(diffDefinitions(a, b)) === (canonicalJson(a) === canonicalJson(b))));
  });

  test('reports label, added, removed and changed fields with per-option before and after', () => {
    const before = parseDefinition(
      { key: 'incident', label: 'Incident', fields: [{ key: 'title', type: 'text', max_length: 100 }, { key: 'old', type: 'boolean' }] },
      noOtherTypes,
    );
    const after = parseDefinition(
      { key: 'incident', label: 'Case', fields: [{ key: 'title', type: 'text', max_length: 200, required: true }, { key: 'new', type: 'integer' }] },
      noOtherTypes,
    );
    assert.ok(before.ok && after.ok);
    const diff = diffDefinitions(before.definition, after.definition);
    assert.deepEqual(diff, {
      label: { before: 'Incident', after: 'Case' },
      fields: {
        added: [{ key: 'new', type: 'integer' }],
        removed: [{ key: 'old', type: 'boolean' }],
        changed: [{ key: 'title', changes: { required: { before: null, after: true }, max_length: { before: 100, after: 200 } } }],
      },
      rules: { added: [], removed: [], changed: [] },
    });
  });

  test('the first version is a diff from nothing: label and every field added', () => {
    const parsed = parseDefinition({ key: 'asset', label: 'Asset', fields: [{ key: 'tag', type: 'text' }] }, noOtherTypes);
    assert.ok(parsed.ok);
    const diff = diffDefinitions(null, parsed.definition);
    assert.deepEqual(diff.label, { before: null, after: 'Asset' });
    assert.deepEqual(diff.fields.added, [{ key: 'tag', type: 'text' }]);
  });

  test('a pure reorder is a change, with the new order', () => {
    const a = parseDefinition({ key: 't', label: 'T', fields: [{ key: 'x', type: 'text' }, { key: 'y', type: 'text' }] }, noOtherTypes);
    const b = parseDefinition({ key: 't', label: 'T', fields: [{ key: 'y', type: 'text' }, { key: 'x', type: 'text' }] }, noOtherTypes);
    assert.ok(a.ok && b.ok);
    const diff = diffDefinitions(a.definition, b.definition);
    assert.deepEqual(diff.fields.order, ['y', 'x']);
    assert.equal(isEmptyDiff(diff), false);
  });
});
