// Shared by the index build tests: compare record_index with what the
// records' data says under a definition, wait for background builds, list
// records by a filter through every page.
import assert from 'node:assert/strict';
import type { EntityTypeDefinition } from '../../src/entities/index.ts';
import { indexEntries, indexedFields } from '../../src/records/core/index-values.ts';
import type { TestApp } from '../helpers/test-app.ts';
import type { AdminDb } from '../members/helpers.ts';

interface EntryRow {
  record_id: string;
  field_key: string;
  position: number;
  value_text: string | null;
  value_number: number | null;
  value_date: string | null;
  value_time: Date | null;
  value_bool: boolean | null;
  is_unique: boolean;
}

function entryKey(record: string, field: string, position: number, value: unknown, unique: boolean): string {
  return JSON.stringify([record, field, position, value, unique]);
}

/**
 * Differences between the entries stored for the definition's indexed fields
 * (or `fields`) and those the records' data gives: `missing` and `extra`
 * entry keys. Both empty when the entries are complete and exact.
 */
export async function entryDifferences(
  admin: AdminDb,
  tenantId: string,
  definition: EntityTypeDefinition,
  fields: readonly string[] = indexedFields(definition).map((field) => field.key),
): Promise<{ missing: string[]; extra: string[]; records: number }> {
  const wanted = new Set(fields);
  const records = await admin.query<{ id: string; data: Record<string, unknown> }>(`select id, data from records where tenant_id = $1 and type_key = $2`, [
    tenantId,
    definition.key,
  ]);
  const expected = new Set<string>();
  for (const record of records.rows) {
    for (const entry of indexEntries(definition, record.data)) {
      if (!wanted.has(entry.field)) continue;
      const value = entry.column === 'value_time' ? new Date(String(entry.value)).toISOString() : entry.value;
      expected.add(entryKey(record.id, entry.field, entry.position, value, entry.unique));
    }
  }
  const stored = await admin.query<EntryRow>(
    `select record_id, field_key, position, value_text, value_number, value_date::text as value_date, value_time, value_bool, is_unique
     from record_index where tenant_id = $1 and type_key = $2 and field_key = any($3::text[])`,
    [tenantId, definition.key, [...wanted]],
  );
  const actual = new Set<string>();
  for (const row of stored.rows) {
    const value = row.value_text ?? row.value_number ?? row.value_date ?? row.value_time?.toISOString() ?? row.value_bool;
    const key = entryKey(row.record_id, row.field_key, row.position, value, row.is_unique);
    assert.ok(!actual.has(key), `entry stored twice: ${key}`);
    actual.add(key);
  }
  return {
    missing: [...expected].filter((key) => !actual.has(key)),
    extra: [...actual].filter((key) => !expected.has(key)),
    records: records.rows.length,
  };
}

export async function completeFields(admin: AdminDb, tenantId: string, type: string): Promise<string[]> {
  const { rows } = await admin.query<{ field_key: string }>(`select field_key from record_index_fields where tenant_id = $1 and type_key = $2 order by 1`, [tenantId, type]);
  return rows.map((row) => row.field_key);
}

export interface BuildItem {
  field: string;
  status: string;
  records_done: number;
  records_total: number | null;
  error: string | null;
  conflicts: { value: unknown; count: number }[];
  requested_at: string;
  started_at: string | null;
  completed_at: string | null;
}

/** The type as GET answers it, once none of its builds is pending or building (polls; no timing is asserted). */
export async function settledType(app: TestApp, token: string, type: string, rounds = 400): Promise<{ index_builds?: BuildItem[] } & EntityTypeDefinition & { version: number }> {
  for (let round = 0; ; round++) {
    const response = await app.request({ method: 'GET', url: `/api/entity-types/${type}`, token });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    const busy = (body.index_builds ?? []).some((build: BuildItem) => build.status === 'pending' || build.status === 'building');
    if (!busy) return body;
    assert.ok(round < rounds, `builds of ${type} still running: ${JSON.stringify(body.index_builds)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every record id a filtered listing answers, through all pages. */
export async function listIds(app: TestApp, token: string, type: string, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/records/${type}?${query}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await app.request({ method: 'GET', url, token });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    ids.push(...body.data.map((record: { id: string }) => record.id));
    cursor = body.next_cursor;
  } while (cursor);
  return ids.sort();
}
