import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DEFINITION_LIMITS, KEY_PATTERN, RESERVED_KEYS } from './definitions.ts';
import { parseDefinition, type ParseContext } from './parse-definition.ts';
import { applyPatch, rebaseErrors, withAddedField } from './patch.ts';

const context: ParseContext = { typeExists: (key) => key === 'asset' };

function errorsOf(input: unknown): Record<string, string> {
  const result = parseDefinition(input, context);
  assert.equal(result.ok, false, 'expected errors');
  const errors = (result as { errors: { pointer: string; message: string }[] }).errors;
  assert.equal(new Set(errors.map((e) => e.pointer)).size, errors.length, 'one error per pointer');
  return Object.fromEntries(errors.map((e) => [e.pointer, e.message]));
}

function regExpError(source: string): string {
  try {
    new RegExp(source);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

function type(fields: unknown[], extra: Record<string, unknown> = {}) {
  return { key: 'incident', label: 'Incident', fields, ...extra };
}

describe('parseDefinition', () => {
  test('the issue example parses and is normalised (on_delete kept, order fixed)', () => {
    const result = parseDefinition(
      type([
        { key: 'title', type: 'text', required: true, max_length: 200 },
        { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'], indexed: true },
        { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
        { key: 'minutes_to_respond', type: 'integer' },
      ]),
      context,
    );
    assert.ok(result.ok);
    assert.deepEqual(result.definition.fields[1], { key: 'priority', type: 'enum', indexed: true, values: ['p1', 'p2', 'p3', 'p4'] });
    assert.deepEqual(result.definition.rules, []);
  });

  test('false flags and null options are dropped; a reference gets on_delete restrict', () => {
    const result = parseDefinition(type([{ key: 'a', type: 'reference', target: 'incident', required: false, label: null }]), context);
    assert.ok(result.ok);
    assert.deepEqual(result.definition.fields, [{ key: 'a', type: 'reference', target: 'incident', on_delete: 'restrict' }]);
    const withDefault = parseDefinition(type([{ key: 'done', type: 'boolean', default: false }, { key: 'n', type: 'integer', default: 0 }]), context);
    assert.ok(withDefault.ok);
    assert.deepEqual(withDefault.definition.fields, [{ key: 'done', type: 'boolean', default: false }, { key: 'n', type: 'integer', default: 0 }]);
  });

  test('every problem is reported at once, each with its pointer', () => {
    const errors = errorsOf({
      key: 'Bad Key',
      label: 'x'.repeat(DEFINITION_LIMITS.label + 1),
      extra: 1,
      fields: [
        { key: 'id', type: 'text' },
        { key: 'status', type: 'enum' },
        { key: 'status', type: 'text', values: ['a'], max_length: 0 },
        { key: 'n', type: 'integer', min: 5, max: 1, pattern: 'x' },
        { key: 'when', type: 'date', min: '2026-02-30' },
        { key: 'code', type: 'text', pattern: '(' },
        { key: 'owner_ref', type: 'reference', target: 'nowhere', on_delete: 'explode' },
        { key: 'many', type: 'references', on_delete: 'cascade' },
        { key: 'poly', type: 'any_reference', targets: ['asset', 'asset'] },
        { key: 'level', type: 'enum', values: ['a', 'a'], default: 'a' },
        { key: 'count', type: 'integer', default: 1.5 },
        { key: 'flag', type: 'text', unique: 'yes' },
        { key: 'yes_no', type: 'boolean', unique: true },
        { key: 'blob', type: 'json', indexed: true },
        { key: 'weird', type: 'uuid', colour: 'red' },
      ],
      rules: [{ key: 'r', message: '', condition: [] }, { key: 'r', message: 'ok', condition: {} }],
    });
    assert.deepEqual(errors, {
      '/extra': 'is not a known member',
      '/key': 'must be a lowercase identifier: a letter, then letters, digits or _ (at most 63 characters)',
      '/label': `must be at most ${DEFINITION_LIMITS.label} characters`,
      '/fields/0/key': 'is reserved: id is a system name',
      '/fields/1/values': 'is required for type enum',
      '/fields/2/values': 'is not allowed for type text',
      '/fields/2/max_length': `must be an integer from 1 to ${DEFINITION_LIMITS.maxLength}`,
      '/fields/2/key': 'repeats the key of /fields/1',
      '/fields/3/pattern': 'is not allowed for type integer',
      '/fields/3/max': 'must be greater than or equal to min',
      '/fields/4/min': 'must be a date (YYYY-MM-DD)',
      '/fields/5/pattern': `is not a valid regular expression: ${regExpError('(')}`,
      '/fields/6/target': 'is not an entity type of this organisation: nowhere',
      '/fields/6/on_delete': 'must be one of: restrict, cascade, set_null',
      '/fields/7/on_delete': 'is not allowed for type references',
      '/fields/7/target': 'is required for type references',
      '/fields/8/targets/1': 'repeats asset',
      '/fields/9/values/1': 'repeats value 0',
      '/fields/10/default': 'must be an integer (the default must be a valid value of the field)',
      '/fields/11/unique': 'must be true or false',
      '/fields/12/unique': 'is not allowed for type boolean',
      '/fields/13/indexed': 'is not allowed for type json',
      '/fields/14/colour': 'is not a known field option',
      '/fields/14/type': 'must be one of: text, long_text, integer, decimal, boolean, date, datetime, enum, multi_enum, email, url, json, user, reference, references, any_reference',
      '/rules/0/message': 'must not be empty',
      '/rules/0/condition': 'must be an object (a condition tree)',
      '/rules/1/key': 'repeats the key of /rules/0',
    });
  });

  test('a reference may target the type itself', () => {
    assert.ok(parseDefinition(type([{ key: 'parent', type: 'reference', target: 'incident' }]), context).ok);
    assert.ok(parseDefinition(type([{ key: 'links', type: 'any_reference', targets: ['incident', 'asset'] }]), context).ok);
  });

  test('defaults are checked against the field: text length and pattern, enum values, bounds, dates', () => {
    const errors = errorsOf(
      type([
        { key: 'a', type: 'text', max_length: 3, default: 'long' },
        { key: 'b', type: 'text', pattern: '^[0-9]+$', default: 'abc' },
        { key: 'c', type: 'enum', values: ['x'], default: 'y' },
        { key: 'd', type: 'decimal', max: 1.5, default: 2 },
        { key: 'e', type: 'datetime', default: '2026-01-01' },
        { key: 'f', type: 'multi_enum', values: ['x', 'y'], default: ['x', 'x'] },
        { key: 'g', type: 'reference', target: 'asset', default: 'x' },
        { key: 'h', type: 'email', default: 'nobody' },
      ]),
    );
    assert.deepEqual(Object.keys(errors), ['/fields/0/default', '/fields/1/default', '/fields/2/default', '/fields/3/default', '/fields/4/default', '/fields/5/default', '/fields/6/default', '/fields/7/default']);
    assert.equal(errors['/fields/6/default'], 'is not allowed for type reference');
    const ok = parseDefinition(
      type([
        { key: 'a', type: 'date', min: '2026-01-01', max: '2026-12-31', default: '2026-06-01' },
        { key: 'b', type: 'datetime', min: '2026-01-01T00:00:00Z', default: '2026-01-01T03:00:00+02:00' },
        { key: 'c', type: 'url', default: 'https://example.com/x' },
        { key: 'd', type: 'json', default: { any: ['thing'] } },
      ]),
      context,
    );
    assert.ok(ok.ok, JSON.stringify(ok));
  });

  test('limits: at most 200 fields; patterns of at most 200 characters', () => {
    const many = Array.from({ length: DEFINITION_LIMITS.fields + 1 }, (_, i) => ({ key: `f${i}`, type: 'text' }));
    assert.deepEqual(errorsOf(type(many)), { '/fields': `must have at most ${DEFINITION_LIMITS.fields} fields` });
    assert.ok(parseDefinition(type(many.slice(0, DEFINITION_LIMITS.fields)), context).ok);
    assert.deepEqual(errorsOf(type([{ key: 'p', type: 'text', pattern: 'a'.repeat(201) }])), { '/fields/0/pattern': 'must be at most 200 characters' });
  });

  test('not an object, and missing members', () => {
    assert.deepEqual(errorsOf([]), { '/': 'must be an object with key, label and fields' });
    assert.deepEqual(errorsOf({}), { '/key': 'is required', '/label': 'is required', '/fields': 'is required' });
    assert.deepEqual(errorsOf(type([42])), { '/fields/0': 'must be an object' });
  });

  test('field keys: valid identifiers parse, reserved and malformed ones never do', () => {
    const key = new RegExp(KEY_PATTERN);
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (candidate) => {
        const result = parseDefinition(type([{ key: candidate, type: 'text' }]), context);
        assert.equal(result.ok, key.test(candidate) && !RESERVED_KEYS.has(candidate), candidate);
      }),
    );
    for (const reserved of RESERVED_KEYS) assert.equal(parseDefinition(type([{ key: reserved, type: 'text' }]), context).ok, false, reserved);
  });

  test('parsing a parsed definition changes nothing', () => {
    const first = parseDefinition(type([{ key: 'a', type: 'reference', target: 'asset' }, { key: 'b', type: 'text', required: false }]), context);
    assert.ok(first.ok);
    const second = parseDefinition(first.definition, context);
    assert.ok(second.ok);
    assert.deepEqual(second.definition, first.definition);
  });
});

describe('patch helpers', () => {
  const current = { key: 'incident', label: 'Incident', fields: [{ key: 'title', type: 'text' as const }], rules: [] };

  test('applyPatch replaces the members given and refuses key and unknown members', () => {
    const patched = applyPatch({ ...current, description: 'd' }, { label: 'Case', description: null });
    assert.ok(patched.ok);
    assert.deepEqual(patched.candidate, { key: 'incident', label: 'Case', fields: current.fields, rules: [] });
    assert.deepEqual(applyPatch(current, { key: 'other', nope: 1 }), {
      ok: false,
      errors: [
        { pointer: '/key', message: 'cannot be changed: the key identifies the type' },
        { pointer: '/nope', message: 'is not a known member' },
      ],
    });
    assert.equal(applyPatch(current, 'x').ok, false);
  });

  test('an added field goes last and its errors point into it', () => {
    const { candidate, index } = withAddedField(current, { key: 'title', type: 'enum' });
    assert.equal(index, 1);
    const result = parseDefinition(candidate, context);
    assert.ok(!result.ok);
    assert.deepEqual(rebaseErrors(result.errors, '/fields/1'), [
      { pointer: '/values', message: 'is required for type enum' },
      { pointer: '/key', message: 'repeats the key of /fields/0' },
    ]);
  });
});
