// Index entries of indexed and unique fields (migrations/0005_record_index.sql):
// maintained with every write, used by ?filter[field]= (proved with EXPLAIN as
// the runtime role under RLS), uniqueness enforced by the database under
// concurrency, and backfilled when a field becomes indexed later.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { LIST_RECORDS, LIST_RECORDS_BY_INDEX, LIST_RECORDS_BY_INDEX_STAMPED } from '../../src/records/records.sql.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb } from '../members/helpers.ts';
import { defineType } from '../helpers/entities.ts';

const TICKET = {
  key: 'ticket',
  label: 'Ticket',
  fields: [
    { key: 'code', type: 'text', unique: true },
    { key: 'city', type: 'text', indexed: true },
    { key: 'score', type: 'integer', indexed: true },
    { key: 'ratio', type: 'decimal', indexed: true },
    { key: 'due', type: 'date', indexed: true },
    { key: 'at', type: 'datetime', indexed: true },
    { key: 'open', type: 'boolean', indexed: true },
    { key: 'tags', type: 'multi_enum', values: ['a', 'b', 'c'], indexed: true },
    { key: 'note', type: 'text' },
  ],
};

interface Entry {
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

describe('record index entries', () => {
  let app: TestApp;
  let admin: AdminDb;

  before(async () => {
    app = await startTestApp();
    admin = await AdminDb.connect(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  async function organisation(): Promise<SignedUp> {
    const owner = await signup(app);
    await defineType(app, owner.token, TICKET);
    return owner;
  }

  async function entries(recordId: string): Promise<Entry[]> {
    const { rows } = await admin.query<Entry>(
      `select record_id, field_key, position, value_text, value_number, value_date::text as value_date, value_time, value_bool, is_unique
       from record_index where record_id = $1 order by field_key, position`,
      [recordId],
    );
    return rows;
  }

  async function list(owner: SignedUp, query: string): Promise<string[]> {
    const response = await app.request({ method: 'GET', url: `/api/records/ticket?${query}`, token: owner.token });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().data.map((record: { code?: string }) => record.code);
  }

  test('create, update and delete maintain typed entries for indexed and unique fields only', async () => {
    const owner = await organisation();
    const created = await app.request({
      method: 'POST',
      url: '/api/records/ticket',
      token: owner.token,
      body: { code: 'T-1', city: 'Porto', score: 7, ratio: 0.25, due: '2026-03-01', at: '2026-03-01T10:00:00Z', open: true, tags: ['a', 'c'], note: 'x' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id;
    const stored = await entries(id);
    assert.deepEqual(
      stored.map((e) => [e.field_key, e.position, e.value_text ?? e.value_number ?? e.value_date ?? e.value_time?.toISOString() ?? e.value_bool, e.is_unique]),
      [
        ['at', 0, '2026-03-01T10:00:00.000Z', false],
        ['city', 0, 'Porto', false],
        ['code', 0, 'T-1', true],
        ['due', 0, '2026-03-01', false],
        ['open', 0, true, false],
        ['ratio', 0, 0.25, false],
        ['score', 0, 7, false],
        ['tags', 0, 'a', false],
        ['tags', 1, 'c', false],
      ],
    );

    const patched = await app.request({ method: 'PATCH', url: `/api/records/ticket/${id}`, token: owner.token, body: { city: 'Braga', tags: ['b'], open: null } });
    assert.equal(patched.statusCode, 200, patched.body);
    const after = await entries(id);
    assert.equal(after.find((e) => e.field_key === 'city')?.value_text, 'Braga');
    assert.deepEqual(after.filter((e) => e.field_key === 'tags').map((e) => e.value_text), ['b']);
    assert.equal(after.some((e) => e.field_key === 'open'), false);

    const deleted = await app.request({ method: 'DELETE', url: `/api/records/ticket/${id}`, token: owner.token });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.deepEqual(await entries(id), []);
  });

  test('cascade and set_null on delete: entries of cascaded records go, entries of cleared records are rewritten', async () => {
    const owner = await organisation();
    const define = (body: unknown) => defineType(app, owner.token, body);
    await define({ key: 'parent', label: 'Parent', fields: [{ key: 'name', type: 'text', indexed: true }] });
    await define({
      key: 'child',
      label: 'Child',
      fields: [
        { key: 'name', type: 'text', indexed: true },
        { key: 'holder', type: 'reference', target: 'parent', on_delete: 'cascade' },
        { key: 'watcher', type: 'reference', target: 'parent', on_delete: 'set_null' },
      ],
    });
    const post = async (type: string, body: unknown): Promise<string> => {
      const response = await app.request({ method: 'POST', url: `/api/records/${type}`, token: owner.token, body });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().id;
    };
    const p1 = await post('parent', { name: 'p1' });
    const p2 = await post('parent', { name: 'p2' });
    const cascaded = await post('child', { name: 'c1', holder: p1 });
    const cleared = await post('child', { name: 'c2', holder: p2, watcher: p1 });
    const deleted = await app.request({ method: 'DELETE', url: `/api/records/parent/${p1}`, token: owner.token });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.deepEqual(await entries(p1), []);
    assert.deepEqual(await entries(cascaded), []);
    assert.deepEqual((await entries(cleared)).map((e) => [e.field_key, e.value_text]), [['name', 'c2']]);
  });

  test('filters on indexed fields answer the same as the data: text, number, date, datetime, boolean, multi_enum', async () => {
    const owner = await organisation();
    const bodies = [
      { code: 'A', city: 'Porto', score: 1, ratio: 0.1, due: '2026-01-01', at: '2026-01-01T00:00:00Z', open: true, tags: ['a'] },
      { code: 'B', city: 'Porto', score: 2, ratio: 0.2, due: '2026-01-02', at: '2026-01-02T00:00:00Z', open: false, tags: ['a', 'b'] },
      { code: 'C', city: 'Lisboa', score: 2, ratio: 0.3, due: '2026-01-02', at: '2026-01-03T00:00:00Z', open: true, tags: ['c'] },
    ];
    const bulk = await app.request({ method: 'POST', url: '/api/records/ticket/bulk', token: owner.token, body: { records: bodies } });
    assert.equal(bulk.statusCode, 200, bulk.body);
    assert.deepEqual(await list(owner, 'filter[city]=Porto'), ['A', 'B']);
    assert.deepEqual(await list(owner, 'filter[score]=2'), ['B', 'C']);
    assert.deepEqual(await list(owner, 'filter[ratio]=0.3'), ['C']);
    assert.deepEqual(await list(owner, 'filter[due]=2026-01-02'), ['B', 'C']);
    assert.deepEqual(await list(owner, 'filter[at]=2026-01-02T00:00:00Z'), ['B']);
    assert.deepEqual(await list(owner, 'filter[open]=true'), ['A', 'C']);
    assert.deepEqual(await list(owner, 'filter[tags]=a'), ['A', 'B']);
    assert.deepEqual(await list(owner, 'filter[city]=Porto&filter[score]=2'), ['B']);
    assert.deepEqual(await list(owner, 'filter[code]=B&sort=-created_at'), ['B']);
    // A value PostgreSQL could not read as a date is no 500: it matches nothing.
    assert.deepEqual(await list(owner, 'filter[due]=2026-02-30'), []);
    // Another organisation's equal values are invisible.
    const other = await organisation();
    assert.deepEqual(await list(other, 'filter[city]=Porto'), []);
  });

  test('unique: two concurrent creates with the same value, one wins and the other is a 409 naming the field', async () => {
    const owner = await organisation();
    const attempts = await Promise.all(
      [1, 2, 3].map((n) => app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body: { code: 'SAME', city: `c${n}` } })),
    );
    const statuses = attempts.map((response) => response.statusCode).sort();
    assert.deepEqual(statuses, [201, 409, 409], attempts.map((r) => r.body).join('\n'));
    for (const response of attempts.filter((r) => r.statusCode === 409)) {
      assertProblem(response, 409, 'conflict');
      assert.deepEqual(response.json().fields, ['code']);
    }
    assert.deepEqual(await list(owner, 'filter[code]=SAME').then((codes) => codes.length), 1);

    // Update into a taken value; the record's own unchanged value is no conflict.
    const second = await app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body: { code: 'OTHER' } });
    assert.equal(second.statusCode, 201, second.body);
    const taken = await app.request({ method: 'PATCH', url: `/api/records/ticket/${second.json().id}`, token: owner.token, body: { code: 'SAME' } });
    assertProblem(taken, 409, 'conflict');
    const unchanged = await app.request({ method: 'PATCH', url: `/api/records/ticket/${second.json().id}`, token: owner.token, body: { city: 'x' } });
    assert.equal(unchanged.statusCode, 200, unchanged.body);

    // A duplicate inside one bulk request: the later item is a 409, the others commit.
    const bulk = await app.request({ method: 'POST', url: '/api/records/ticket/bulk', token: owner.token, body: { records: [{ code: 'D' }, { code: 'D' }] } });
    assert.equal(bulk.statusCode, 200, bulk.body);
    assert.deepEqual(bulk.json().results.map((r: { status: number }) => r.status), [201, 409]);

    // Another organisation may use the same value.
    const other = await organisation();
    const elsewhere = await app.request({ method: 'POST', url: '/api/records/ticket', token: other.token, body: { code: 'SAME' } });
    assert.equal(elsewhere.statusCode, 201, elsewhere.body);
  });

  test('a field that becomes indexed later is backfilled before the index answers a filter', async () => {
    const owner = await organisation();
    const bulk = await app.request({
      method: 'POST',
      url: '/api/records/ticket/bulk',
      token: owner.token,
      body: { records: [{ code: 'N1', note: 'red' }, { code: 'N2', note: 'blue' }, { code: 'N3', note: 'red' }] },
    });
    assert.equal(bulk.statusCode, 200, bulk.body);
    const fields = TICKET.fields.map((field) => (field.key === 'note' ? { ...field, indexed: true } : field));
    const patched = await app.request({ method: 'PATCH', url: '/api/entity-types/ticket', token: owner.token, body: { fields } });
    assert.equal(patched.statusCode, 200, patched.body);
    // A write under the new definition enters its own value only...
    const fresh = await app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body: { code: 'N4', note: 'red' } });
    assert.equal(fresh.statusCode, 201, fresh.body);
    // ...and the filter still finds every record (backfilled in the request: a small type).
    assert.deepEqual(await list(owner, 'filter[note]=red'), ['N1', 'N3', 'N4']);
    const { rows } = await admin.query<{ n: number }>(`select count(*)::int as n from record_index where tenant_id = $1 and field_key = 'note'`, [owner.tenantId]);
    assert.equal(rows[0]?.n, 4);
  });

  test('EXPLAIN as the runtime role under RLS: the filter on an indexed field is an index scan on record_index', async () => {
    const owner = await organisation();
    for (let batch = 0; batch < 4; batch++) {
      const records = Array.from({ length: 1000 }, (_, i) => ({ code: `E-${batch}-${i}`, city: `city-${(batch * 1000 + i) % 500}`, score: i, open: i % 2 === 0 }));
      const response = await app.request({ method: 'POST', url: '/api/records/ticket/bulk', token: owner.token, body: { records } });
      assert.equal(response.statusCode, 200);
    }
    assert.deepEqual(await list(owner, 'filter[city]=city-7').then((codes) => codes.length), 8);
    await admin.query('analyze records');
    await admin.query('analyze record_index');

    const client = new pg.Client({ connectionString: app.database.appUrl });
    await client.connect();
    try {
      await client.query(`select set_config('app.tenant_id', $1, false)`, [owner.tenantId]);
      const explain = async (sql: string, values: unknown[]): Promise<string> => {
        const { rows } = await client.query(`explain (format json) ${sql}`, values);
        return JSON.stringify(rows[0]['QUERY PLAN']);
      };
      const base = ['ticket', JSON.stringify({ city: 'city-7' }), null, null, 51];
      const plan = await explain(LIST_RECORDS_BY_INDEX.value_text.id, [...base, 'city', 'city-7']);
      assert.match(plan, /"Index Name":"record_index_text"/, plan);
      assert.doesNotMatch(plan, /Seq Scan/, plan);
      const numberPlan = await explain(LIST_RECORDS_BY_INDEX.value_number['-created_at'], ['ticket', JSON.stringify({ score: 5 }), null, null, 51, 'score', 5]);
      assert.match(numberPlan, /"Index Name":"record_index_number"/, numberPlan);
      assert.doesNotMatch(numberPlan, /Seq Scan/, numberPlan);
      // Without the lookup, the same filter reads every record of the type.
      const scan = await explain(LIST_RECORDS.id, base);
      assert.doesNotMatch(scan, /record_index/, scan);

      // Paging (migrations/0009): in id order a page is one ordered range of the
      // lookup index (which ends with record_id), stopped by the limit: no sort,
      // no aggregate, and about `limit` entries read although 2,000 records
      // hold the value. The next page starts inside the index (record_id > cursor).
      type PlanNode = {
        'Node Type': string;
        'Relation Name'?: string;
        'Index Name'?: string;
        'Index Cond'?: string;
        'Actual Rows'?: number;
        'Actual Loops'?: number;
        Plans?: PlanNode[];
      };
      const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
      const analyze = async (sql: string, values: unknown[]): Promise<PlanNode[]> => {
        const { rows } = await client.query(`explain (analyze, format json) ${sql}`, values);
        return nodes(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
      };
      const open = ['ticket', JSON.stringify({ open: true }), null, null, 51, 'open', true];
      for (const sql of [LIST_RECORDS_BY_INDEX.value_bool.id, LIST_RECORDS_BY_INDEX_STAMPED.value_bool.id, LIST_RECORDS_BY_INDEX.value_bool['-id']]) {
        const paged = await analyze(sql, open);
        const lookup = paged.filter((node) => node['Index Name'] === 'record_index_bool');
        assert.equal(lookup.length, 1, JSON.stringify(paged));
        assert.ok((lookup[0]?.['Actual Rows'] ?? Infinity) <= 51, JSON.stringify(lookup));
        // Nothing reads more than a page of entries or records (a sort of the page itself is fine).
        const wholeReads = paged.filter(
          (node) => ['records', 'record_index'].includes(node['Relation Name'] ?? '') && (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) > 51,
        );
        assert.deepEqual(wholeReads, [], JSON.stringify(paged));
        assert.deepEqual(paged.filter((node) => node['Node Type'] === 'HashAggregate'), [], JSON.stringify(paged));
      }
      const firstPage = await client.query(LIST_RECORDS_BY_INDEX.value_bool.id, open);
      assert.equal(firstPage.rows.length, 51);
      const cursor = firstPage.rows[49].id;
      const next = await analyze(LIST_RECORDS_BY_INDEX.value_bool.id, ['ticket', JSON.stringify({ open: true }), null, cursor, 51, 'open', true]);
      const range = next.find((node) => node['Index Name'] === 'record_index_bool');
      assert.match(range?.['Index Cond'] ?? '', /record_id > /, JSON.stringify(next));
      assert.ok((range?.['Actual Rows'] ?? Infinity) <= 51, JSON.stringify(range));
      const secondPage = await client.query(LIST_RECORDS_BY_INDEX.value_bool.id, ['ticket', JSON.stringify({ open: true }), null, cursor, 51, 'open', true]);
      assert.equal(secondPage.rows[0].id, firstPage.rows[50].id, 'the next page starts right after the cursor');
    } finally {
      await client.end();
    }
  });
});
