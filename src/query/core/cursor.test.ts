// Query cursors: round trip, and refused when edited, forged, or presented
// with another query, organisation or secret.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeQueryCursor, encodeQueryCursor, queryFingerprint, type CursorBinding } from './cursor.ts';
import { parseQuery } from './parse-query.ts';
import type { ValidatedQuery } from './query.ts';
import { limits, registry } from './test-fixtures.ts';

function parsed(input: unknown): ValidatedQuery {
  const result = parseQuery(input, registry, limits);
  assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
  return result.query;
}

const LIST = { from: 'incident', select: ['title'], where: { field: 'priority', op: 'eq', value: 'p1' }, order_by: [{ field: 'title' }] };
const TENANT = '0190a0a0-0000-7000-8000-000000000001';
const binding = (query: ValidatedQuery, overrides: Partial<CursorBinding> = {}): CursorBinding => ({
  secret: Buffer.from('a test secret of enough length'),
  tenantId: TENANT,
  fingerprint: queryFingerprint(query),
  ...overrides,
});
const position = { keys: ['Printer, "on" fire'], id: '0190a0a0-0000-7000-8000-0000000000aa' };

describe('query cursors', () => {
  test('round trip', () => {
    const query = parsed(LIST);
    const cursor = encodeQueryCursor(position, binding(query));
    assert.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeQueryCursor(cursor, binding(query), 1), { ok: true, position });
    const nullKey = encodeQueryCursor({ keys: [null], id: position.id }, binding(query));
    assert.deepEqual(decodeQueryCursor(nullKey, binding(query), 1), { ok: true, position: { keys: [null], id: position.id } });
  });

  test('the fingerprint ignores the page window and member order, not the filter, order or selection', () => {
    const query = parsed(LIST);
    const reordered = parsed({ order_by: LIST.order_by, limit: 7, where: LIST.where, select: LIST.select, from: 'incident', offset: 3 });
    assert.equal(queryFingerprint(reordered), queryFingerprint(query));
    for (const other of [
      { ...LIST, where: { field: 'priority', op: 'eq', value: 'p2' } },
      { ...LIST, order_by: [{ field: 'title', direction: 'desc' }] },
      { ...LIST, select: ['title', 'priority'] },
    ]) {
      assert.notEqual(queryFingerprint(parsed(other)), queryFingerprint(query), JSON.stringify(other));
    }
  });

  test('an edited, forged or foreign cursor is refused with a message', () => {
    const query = parsed(LIST);
    const cursor = encodeQueryCursor(position, binding(query));
    const [payload = '', signature = ''] = cursor.split('.');
    const edited = Buffer.from(JSON.stringify({ v: 1, k: ['Z'], i: position.id })).toString('base64url');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const other = parsed({ ...LIST, where: { field: 'priority', op: 'eq', value: 'p2' } });
    const cases: [string, CursorBinding, number][] = [
      [`${edited}.${signature}`, binding(query), 1],
      [`${payload}.${flipped}`, binding(query), 1],
      [payload, binding(query), 1],
      ['', binding(query), 1],
      ['not a cursor at all', binding(query), 1],
      [cursor, binding(other), 1],
      [cursor, binding(query, { tenantId: '0190a0a0-0000-7000-8000-000000000002' }), 1],
      [cursor, binding(query, { secret: Buffer.from('another secret') }), 1],
      [cursor, binding(query), 2],
    ];
    for (const [text, bound, keys] of cases) {
      const decoded = decodeQueryCursor(text, bound, keys);
      assert.equal(decoded.ok, false, text);
      assert.ok(!decoded.ok && decoded.message.includes('next_cursor'));
    }
  });
});
