// Schema changes under load (issue #4): several writers create, update and
// delete records through the API without pause while another client adds a
// field, makes fields indexed and unique, and rolls the type back and forth.
// Every build runs in the background (threshold 0). Every write must succeed,
// or fail only with the 4xx its body deserves (a field the type does not have
// at that moment); afterwards the index entries must be complete and exact
// and filtered listings must answer exactly the records the data says. No
// timing is asserted: the slowest write is only reported.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineType } from '../helpers/entities.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb } from '../members/helpers.ts';
import { completeFields, entryDifferences, listIds, settledType } from './index-check.ts';

const TAGS = ['a', 'b', 'c', 'd'];
const BASE = [
  { key: 'title', type: 'text' },
  { key: 'n', type: 'integer' },
  { key: 'tag', type: 'enum', values: TAGS },
  { key: 'code', type: 'text' },
  { key: 'day', type: 'date' },
];
const WRITERS = 4;
const SEED = 300;

type Field = Record<string, unknown> & { key: string };
const set = (fields: readonly Field[], key: string, options: Record<string, unknown>): Field[] =>
  fields.map((field) => (field.key === key ? { ...field, ...options } : field));

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

interface Outcome {
  readonly op: 'create' | 'update' | 'delete';
  readonly status: number;
  readonly body: string;
  readonly sentExtra: boolean;
}

describe('schema changes under load', () => {
  let app: TestApp;
  let admin: AdminDb;
  let owner: SignedUp;

  before(async () => {
    app = await startTestApp({
      TESSERA_INDEX_REQUEST_BUILD_MAX: '0',
      TESSERA_INDEX_BUILD_POLL_MS: '50',
      TESSERA_INDEX_BUILD_BATCH: '40',
      TESSERA_DB_POOL_SIZE: '8',
    });
    admin = await AdminDb.connect(app);
    owner = await signup(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  function values(writer: number, serial: number, withExtra: boolean): Record<string, unknown> {
    return {
      title: `w${writer}-${serial}`,
      n: Math.floor(Math.random() * 20),
      tag: pick(TAGS),
      // Unique by construction: the field becomes unique while writers run.
      code: `c-${writer}-${serial}-${Math.random().toString(36).slice(2, 8)}`,
      day: `2026-01-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`,
      ...(withExtra ? { extra: `x${Math.floor(Math.random() * 6)}` } : {}),
    };
  }

  test('writers never fail while fields are added, indexed, made unique and rolled back; entries end complete and exact', async (t) => {
    await defineType(app, owner.token, { key: 'load', label: 'Load', fields: BASE });
    const seeded: string[] = [];
    for (let chunk = 0; chunk < SEED / 150; chunk++) {
      const records = Array.from({ length: 150 }, (_, i) => values(0, chunk * 150 + i, false));
      const response = await app.request({ method: 'POST', url: '/api/records/load/bulk', token: owner.token, body: { records } });
      assert.equal(response.statusCode, 200, response.body);
      seeded.push(...response.json().results.map((result: { id: string }) => result.id));
    }

    let running = true;
    const outcomes: Outcome[] = [];
    let slowest = 0;
    async function writer(index: number): Promise<void> {
      const own: string[] = [];
      for (let serial = 1; running; serial++) {
        const sentExtra = Math.random() < 0.3;
        const roll = Math.random();
        const started = performance.now();
        let outcome: Outcome;
        if (roll < 0.45 || own.length === 0) {
          const response = await app.request({ method: 'POST', url: '/api/records/load', token: owner.token, body: values(index, serial, sentExtra) });
          if (response.statusCode === 201) own.push(response.json().id);
          outcome = { op: 'create', status: response.statusCode, body: response.body, sentExtra };
        } else if (roll < 0.9) {
          const id = Math.random() < 0.5 ? pick(seeded) : pick(own);
          const response = await app.request({ method: 'PATCH', url: `/api/records/load/${id}`, token: owner.token, body: values(index, serial, sentExtra) });
          outcome = { op: 'update', status: response.statusCode, body: response.body, sentExtra };
        } else {
          const id = own.splice(Math.floor(Math.random() * own.length), 1)[0];
          const response = await app.request({ method: 'DELETE', url: `/api/records/load/${id}`, token: owner.token });
          outcome = { op: 'delete', status: response.statusCode, body: response.body, sentExtra: false };
        }
        slowest = Math.max(slowest, performance.now() - started);
        outcomes.push(outcome);
      }
    }

    async function change(method: 'PATCH' | 'POST', url: string, body: unknown, status: number): Promise<void> {
      const response = await app.request({ method, url: `/api/entity-types/load${url}`, token: owner.token, body });
      assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
      // Let the writers and the worker run against the new version: by count of
      // writes, not by time, so a loaded machine (CI) still interleaves them.
      const mark = outcomes.length;
      while (outcomes.length < mark + 3 * WRITERS) await new Promise((resolve) => setTimeout(resolve, 25));
    }

    const writers = Array.from({ length: WRITERS }, (_, index) => writer(index + 1));
    const withExtra: Field[] = [...set(BASE, 'tag', { indexed: true }), { key: 'extra', type: 'text', indexed: true }];
    try {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await change('PATCH', '', { fields: set(BASE, 'tag', { indexed: true }) }, 200); // v2
      await change('POST', '/fields', { key: 'extra', type: 'text', indexed: true }, 201); // v3
      await change('PATCH', '', { fields: set(withExtra, 'code', { unique: true }) }, 200); // v4
      await change('PATCH', '', { fields: set(set(set(withExtra, 'code', { unique: true }), 'n', { indexed: true }), 'day', { indexed: true }) }, 200); // v5
      await change('POST', '/rollback', { to_version: 2 }, 200); // v6: extra gone, only tag indexed
      await change('POST', '/rollback', { to_version: 5 }, 200); // v7
      await change('PATCH', '', { fields: set(set(set(withExtra, 'code', { unique: true }), 'n', { indexed: true }), 'tag', { indexed: false }) }, 200); // v8
      await change('POST', '/rollback', { to_version: 7 }, 200); // v9: as v5
    } finally {
      running = false;
      await Promise.all(writers);
    }
    t.diagnostic(`${outcomes.length} writes during the changes; slowest ${Math.round(slowest)} ms (not asserted)`);

    // Every write succeeded, or was refused only for a field the type did not have at that moment.
    const expected = { create: 201, update: 200, delete: 204 } as const;
    const unexpected = outcomes.filter((outcome) => {
      if (outcome.status === expected[outcome.op]) return false;
      if (outcome.status !== 422 || !outcome.sentExtra) return true;
      const errors = (JSON.parse(outcome.body).errors ?? []) as { pointer: string }[];
      return !(errors.length === 1 && errors[0]?.pointer === '/extra');
    });
    assert.deepEqual(unexpected, [], `${unexpected.length} unexpected outcomes`);
    assert.ok(outcomes.filter((outcome) => outcome.op !== 'delete' && outcome.status < 300).length >= 8 * WRITERS, 'the writers did write');

    // Every build of the final version completed; the entries are complete and exact.
    const type = await settledType(app, owner.token, 'load');
    assert.equal(type.version, 9);
    for (const build of type.index_builds ?? []) assert.equal(build.status, 'ready', JSON.stringify(build));
    assert.deepEqual(await completeFields(admin, owner.tenantId, 'load'), ['code', 'day', 'extra', 'n', 'tag']);
    const differences = await entryDifferences(admin, owner.tenantId, type);
    assert.deepEqual({ missing: differences.missing, extra: differences.extra }, { missing: [], extra: [] });

    // Filtered listings (through the entries) answer exactly what the data says.
    const { rows } = await admin.query<{ id: string; data: Record<string, unknown> }>(`select id, data from records where tenant_id = $1 and type_key = 'load'`, [
      owner.tenantId,
    ]);
    assert.equal(rows.length, differences.records);
    const expectIds = (field: string, value: unknown) => rows.filter((row) => row.data[field] === value).map((row) => row.id).sort();
    const probes: [string, unknown][] = [
      ...TAGS.map((tag): [string, unknown] => ['tag', tag]),
      ['n', 0],
      ['n', 7],
      ['day', '2026-01-05'],
      ['extra', 'x3'],
      ['code', pick(rows).data.code],
      ['code', pick(rows).data.code],
    ];
    for (const [field, value] of probes) {
      const found = await listIds(app, owner.token, 'load', `filter[${field}]=${encodeURIComponent(String(value))}`);
      assert.deepEqual(found, expectIds(field, value), `filter[${field}]=${String(value)}`);
    }
  });
});
