// POST /api/query and /api/query/explain through the API on a real database:
// lists with keyset pages (tamper-checked cursors), aggregates with totals,
// 400 problems with pointers, per-type read permission (403) for every type
// a query touches, the row ACL (restricted records never in a list, a count,
// a percentile, a related aggregate, a quantifier or a stream), API keys,
// EXPLAIN, and the plan's statement timeout.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember, type Joined } from '../members/helpers.ts';
import { percentileCont } from './expected-values.ts';

type Row = Record<string, unknown>;

const ASSET = { key: 'asset', label: 'Asset', fields: [{ key: 'name', type: 'text' }, { key: 'building', type: 'text', indexed: true }] };
const LOCKED = { key: 'locked', label: 'Locked', fields: [{ key: 'title', type: 'text' }] };
const INCIDENT = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text' },
    { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3'], indexed: true },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'set_null' },
    { key: 'minutes_to_respond', type: 'integer' },
    { key: 'details', type: 'json' },
    { key: 'lock', type: 'reference', target: 'locked', on_delete: 'set_null' },
  ],
};
const SECRET = {
  key: 'secret',
  label: 'Secret',
  fields: [{ key: 'title', type: 'text' }, { key: 'score', type: 'integer' }, { key: 'asset', type: 'reference', target: 'asset', on_delete: 'set_null' }],
};
const PRIORITIES = ['p1', 'p2', 'p3'] as const;

function percentile(values: readonly number[], p: number): number | null {
  return values.length === 0 ? null : percentileCont([...values].sort((a, b) => a - b), p);
}

describe('query API', () => {
  let app: TestApp;
  let admin: AdminDb;
  let owner: SignedUp;
  let other: SignedUp;
  /** c[0] created two secrets; c[1] created none. */
  let c: Joined[];
  let readOnlyKey: string;
  let proxyKey: string;
  const assets: Record<string, string> = {};
  const incidents: { title: string; priority: string; asset: string; minutes: number }[] = [];

  const query = (token: string, body: unknown, url = '/api/query', headers: Record<string, string> = {}) =>
    app.request({ method: 'POST', url, token, body, headers });

  async function ok(token: string, body: unknown): Promise<{ data: Row[]; next_cursor?: string | null; totals?: Row | null }> {
    const response = await query(token, body);
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  }

  async function created(url: string, token: string, body: unknown, method: 'POST' | 'PUT' = 'POST'): Promise<Row> {
    const response = await app.request({ method, url, token, body });
    assert.ok(response.statusCode === 201 || response.statusCode === 200, response.body);
    return response.json();
  }

  async function apiKey(escopo: string): Promise<string> {
    return (await created('/api/tenants/atual/api-keys', owner.token, { nome: escopo, escopo })).secret as string;
  }

  before(async () => {
    app = await startTestApp();
    admin = await AdminDb.connect(app);
    owner = await signup(app);
    other = await signup(app);
    c = [await addMember(app, owner, 'cliente'), await addMember(app, owner, 'cliente')];
    for (const definition of [ASSET, LOCKED, INCIDENT, SECRET]) await defineType(app, owner.token, definition);
    await defineType(app, other.token, ASSET);
    await defineType(app, other.token, LOCKED);
    await defineType(app, other.token, INCIDENT);
    await created('/api/entity-types/locked/fields', owner.token, { key: 'incident', type: 'reference', target: 'incident', on_delete: 'set_null' });
    await created('/api/entity-types/secret/permissions', owner.token, { visibility: 'restricted' }, 'PUT');
    await created('/api/entity-types/locked/permissions', owner.token, { visibility: 'organisation', roles: { cliente: { read: false, create: false, update: false, delete: false } } }, 'PUT');
    for (const [name, building] of [['Pump', '7'], ['Boiler', '7'], ['Fan', '9']] as const) {
      assets[name] = (await created('/api/records/asset', owner.token, { name, building })).id as string;
    }
    const names = ['Pump', 'Boiler', 'Fan'] as const;
    for (let i = 1; i <= 12; i += 1) {
      const asset = names[Math.floor((i - 1) / 4)] as string;
      incidents.push({ title: `I${String(i).padStart(2, '0')}`, priority: PRIORITIES[(i - 1) % 3] as string, asset, minutes: i * 10 });
    }
    const bulk = await created('/api/records/incident/bulk', owner.token, {
      records: incidents.map((incident, index) => ({
        title: incident.title,
        priority: incident.priority,
        asset: assets[incident.asset],
        minutes_to_respond: incident.minutes,
        details: { location: { floor: index % 3 } },
      })),
    });
    assert.ok((bulk.results as { status: number }[]).every((result) => result.status === 201));
    await created('/api/records/secret', c[0]!.token, { title: 'Mine 1', score: 10, asset: assets.Pump });
    await created('/api/records/secret', c[0]!.token, { title: 'Mine 2', score: 20, asset: assets.Pump });
    await created('/api/records/secret', owner.token, { title: 'Gestor', score: 1000, asset: assets.Fan });
    await created('/api/records/locked', owner.token, { title: 'Locked one' });
    readOnlyKey = await apiKey('read-only');
    proxyKey = await apiKey('proxy-ollama');
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  test('a list with a path through a reference, an indexed filter and a nested JSON path', async () => {
    const answer = await ok(c[1]!.token, {
      from: 'incident',
      select: ['title', 'priority', 'asset.name', 'details.location.floor'],
      where: { and: [{ field: 'priority', op: 'in', value: ['p1', 'p2'] }, { field: 'asset.building', op: 'eq', value: '7' }] },
      order_by: [{ field: 'title', direction: 'asc' }],
    });
    const expected = incidents
      .map((incident, index) => ({ ...incident, floor: index % 3 }))
      .filter((incident) => incident.priority !== 'p3' && incident.asset !== 'Fan')
      .map((incident) => ({ title: incident.title, priority: incident.priority, 'asset.name': incident.asset, 'details.location.floor': incident.floor }));
    assert.deepEqual(answer.data, expected);
    assert.equal(answer.next_cursor, null);
  });

  test('pages with cursors walk the whole list exactly once, in order', async () => {
    for (const order of [{ field: 'title', direction: 'asc' }, { field: 'minutes_to_respond', direction: 'desc' }]) {
      const body = { from: 'incident', select: ['title'], order_by: [order], limit: 5 };
      const seen: string[] = [];
      let cursor: string | null | undefined = null;
      let pages = 0;
      do {
        const answer = await ok(owner.token, cursor ? { ...body, cursor } : body);
        seen.push(...answer.data.map((row) => row.title as string));
        cursor = answer.next_cursor;
        pages += 1;
      } while (cursor);
      const titles = incidents.map((incident) => incident.title);
      assert.deepEqual(seen, order.direction === 'asc' ? titles : [...titles].reverse());
      assert.equal(pages, 3);
    }
  });

  test('a tampered cursor, one of another query and one of another organisation are 400 at /cursor', async () => {
    const body = { from: 'incident', select: ['title'], order_by: [{ field: 'title' }], limit: 5 };
    const cursor = (await ok(owner.token, body)).next_cursor as string;
    const [payload, signature] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 1, k: ['I10'], i: '0190a0a0-0000-7000-8000-000000000001' })).toString('base64url');
    for (const [token, sent] of [
      [owner.token, { ...body, cursor: `${payload}x.${signature}` }],
      [owner.token, { ...body, cursor: `${forged}.${signature}` }],
      [owner.token, { ...body, cursor: 'garbage' }],
      [owner.token, { ...body, where: { field: 'priority', op: 'eq', value: 'p1' }, cursor }],
      [owner.token, { ...body, order_by: [{ field: 'title', direction: 'desc' }], cursor }],
      [other.token, { ...body, cursor }],
    ] as const) {
      const problem = assertProblem(await query(token, sent), 400, 'invalid-query');
      assert.deepEqual((problem.errors as { pointer: string }[]).map((error) => error.pointer), ['/cursor'], JSON.stringify(problem));
    }
    // The same query with its members in another order and another page size keeps the cursor valid.
    const next = await ok(owner.token, { limit: 3, cursor, order_by: body.order_by, select: body.select, from: 'incident' });
    assert.deepEqual(next.data.map((row) => row.title), ['I06', 'I07', 'I08']);
  });

  test('an aggregate: groups with count, sum and percentile, and totals', async () => {
    const answer = await ok(c[1]!.token, {
      from: 'incident',
      group_by: ['priority'],
      aggregate: [
        { fn: 'count', as: 'n' },
        { fn: 'sum', field: 'minutes_to_respond', as: 'total' },
        { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' },
      ],
      order_by: [{ field: 'priority' }],
      totals: true,
    });
    const minutes = (priority?: string) => incidents.filter((incident) => priority === undefined || incident.priority === priority).map((incident) => incident.minutes);
    const summary = (values: number[]) => ({ n: values.length, total: values.reduce((a, b) => a + b, 0), p90: percentile(values, 0.9) });
    assert.equal(answer.data.length, 3);
    for (const [index, priority] of PRIORITIES.entries()) {
      const row = answer.data[index] as Row;
      assert.equal(row.priority, priority);
      const expected = summary(minutes(priority));
      assert.equal(row.n, expected.n);
      assert.equal(row.total, expected.total);
      assert.ok(Math.abs((row.p90 as number) - (expected.p90 as number)) < 1e-9, `${row.p90} vs ${expected.p90}`);
    }
    const totals = answer.totals as Row;
    const all = summary(minutes());
    assert.equal(totals.n, all.n);
    assert.equal(totals.total, all.total);
    assert.ok(Math.abs((totals.p90 as number) - (all.p90 as number)) < 1e-9);
    assert.equal('next_cursor' in answer, false);
  });

  test('invalid queries are 400 invalid-query with a JSON Pointer per problem', async () => {
    const cases: [unknown, string[]][] = [
      [{ from: 'nope' }, ['/from']],
      [{ from: 'incident', where: { and: [{ field: 'priority', op: 'eq', value: 'p1' }, { field: 'title', op: 'bogus', value: 'x' }] } }, ['/where/and/1/op']],
      [{ from: 'incident', select: ['title', 'no_such_field'] }, ['/select/1']],
      [{ from: 'incident', limit: 100_000 }, ['/limit']],
      [{ from: 'incident', bogus: true }, ['/bogus']],
    ];
    for (const [body, pointers] of cases) {
      const problem = assertProblem(await query(c[1]!.token, body), 400, 'invalid-query');
      const errors = problem.errors as { pointer: string; message: string }[];
      for (const pointer of pointers) assert.ok(errors.some((error) => error.pointer === pointer), `${pointer} in ${JSON.stringify(errors)}`);
      assert.ok(errors.every((error) => error.message.length > 0));
    }
    for (const body of [[], 'incident', 42, null]) assertProblem(await query(c[1]!.token, body), 400, 'invalid-query');
  });

  test('a type the caller may not read is 403, wherever the query touches it', async () => {
    const cliente = c[1]!.token;
    for (const body of [
      { from: 'locked' },
      { from: 'incident', select: ['title', 'lock.title'] },
      { from: 'incident', where: { field: 'lock.title', op: 'eq', value: 'x' } },
      { from: 'incident', select: ['title', { fn: 'count', from: 'locked', via: 'incident', as: 'locks' }] },
      { from: 'incident', where: { some: { path: 'locked.incident' } } },
      { from: 'incident', group_by: ['lock.title'], aggregate: [{ fn: 'count', as: 'n' }] },
    ]) {
      assertProblem(await query(cliente, body), 403, 'type-permission-denied');
    }
    assert.equal((await ok(owner.token, { from: 'locked', select: ['title'] })).data.length, 1);
    assert.equal((await ok(readOnlyKey, { from: 'incident', select: ['title', 'lock.title'] })).data.length, 12);
  });

  test('restricted records are never in a list, a count, a percentile, a related aggregate, a quantifier or a stream', async () => {
    const list = { from: 'secret', select: ['title', 'score'], order_by: [{ field: 'score' }] };
    const stats = { from: 'secret', aggregate: [{ fn: 'count', as: 'n' }, { fn: 'percentile', field: 'score', p: 0.5, as: 'median' }, { fn: 'max', field: 'score', as: 'top' }] };
    const related = { from: 'asset', select: ['name', { fn: 'count', from: 'secret', via: 'asset', as: 'secrets' }], order_by: [{ field: 'name' }] };
    const quantified = { from: 'asset', select: ['name'], where: { some: { path: 'secret.asset' } }, order_by: [{ field: 'name' }] };
    const cases: [string, string, Row[], Row, Row[], string[]][] = [
      // who, token, list, stats, related counts (Boiler, Fan, Pump), assets with a visible secret
      ['unrelated cliente', c[1]!.token, [], { n: 0, median: null, top: null }, [0, 0, 0].map((secrets) => ({ secrets })), []],
      ['API key', readOnlyKey, [], { n: 0, median: null, top: null }, [0, 0, 0].map((secrets) => ({ secrets })), []],
      ['creator', c[0]!.token, [{ title: 'Mine 1', score: 10 }, { title: 'Mine 2', score: 20 }], { n: 2, median: 15, top: 20 }, [0, 0, 2].map((secrets) => ({ secrets })), ['Pump']],
      ['gestor', owner.token, [{ title: 'Mine 1', score: 10 }, { title: 'Mine 2', score: 20 }, { title: 'Gestor', score: 1000 }], { n: 3, median: 20, top: 1000 }, [0, 1, 2].map((secrets) => ({ secrets })), ['Fan', 'Pump']],
    ];
    for (const [who, token, rows, stat, counts, withSecret] of cases) {
      assert.deepEqual((await ok(token, list)).data, rows, who);
      assert.deepEqual((await ok(token, stats)).data, [stat], who);
      assert.deepEqual((await ok(token, related)).data.map((row) => ({ secrets: row.secrets })), counts, who);
      assert.deepEqual((await ok(token, quantified)).data.map((row) => row.name), withSecret, who);
      const streamed = await query(token, list, '/api/query', { accept: 'application/x-ndjson' });
      assert.equal(streamed.statusCode, 200, streamed.body);
      const lines = streamed.body.trim().split('\n').map((line) => JSON.parse(line) as Row);
      assert.deepEqual(lines.slice(0, -1), rows, who);
      assert.deepEqual(lines.at(-1), { $end: { rows: rows.length, truncated: false, max_stream_rows: 1_000_000 } }, who);
    }
  });

  test('API keys: reading scopes may query; proxy-ollama may not; explain is for gestores', async () => {
    assert.equal((await ok(readOnlyKey, { from: 'incident', select: ['title'] })).data.length, 12);
    assertProblem(await query(proxyKey, { from: 'incident' }), 403, 'scope-not-allowed');
    assertProblem(await query(readOnlyKey, { from: 'incident' }, '/api/query/explain'), 403, 'scope-not-allowed');
    assertProblem(await query(c[1]!.token, { from: 'incident' }, '/api/query/explain'), 403, 'role-required');
    assertProblem(await app.request({ method: 'POST', url: '/api/query', body: { from: 'incident' } }), 401, 'unauthenticated');
  });

  test('explain: the compiled SQL, its values and the plan; analyze runs it', async () => {
    const body = { from: 'incident', select: ['title'], where: { field: 'priority', op: 'eq', value: 'p1' }, order_by: [{ field: 'title' }], limit: 5 };
    const response = await query(owner.token, body, '/api/query/explain');
    assert.equal(response.statusCode, 200, response.body);
    const explained = response.json();
    assert.match(explained.sql, /^\s*(select|with)\b/i);
    assert.ok(!explained.sql.includes("'p1'"), 'values are parameters, never SQL text');
    assert.ok(explained.values.includes('p1'));
    assert.ok(Array.isArray(explained.plan) && explained.plan[0].Plan, JSON.stringify(explained.plan));
    assert.equal(explained.plan[0]['Execution Time'], undefined);
    assert.equal(explained.totals, null);
    const analyzed = await query(owner.token, body, '/api/query/explain?analyze=true');
    assert.equal(analyzed.statusCode, 200, analyzed.body);
    assert.equal(typeof analyzed.json().plan[0]['Execution Time'], 'number');
    const aggregate = await query(owner.token, { from: 'incident', aggregate: [{ fn: 'count', as: 'n' }], group_by: ['priority'], totals: true }, '/api/query/explain');
    assert.equal(aggregate.statusCode, 200, aggregate.body);
    assert.ok(aggregate.json().totals.plan[0].Plan);
    assertProblem(await query(owner.token, { from: 'nope' }, '/api/query/explain'), 400, 'invalid-query');
  });

  test("another organisation's records never appear, whatever the query", async () => {
    assert.deepEqual((await ok(other.token, { from: 'incident' })).data, []);
    assert.deepEqual((await ok(other.token, { from: 'incident', aggregate: [{ fn: 'count', as: 'n' }] })).data, [{ n: 0 }]);
    assertProblem(await query(other.token, { from: 'secret' }), 400, 'invalid-query');
  });

  test("a query over the plan's statement timeout is 422 query-timeout naming the limit", async () => {
    const starter = await signup(app, { plano: 'starter' });
    await defineType(app, starter.token, ASSET);
    // Hold a lock that the query's read of records must wait for: it waits until the plan's statement timeout.
    await admin.query('begin');
    try {
      await admin.query('lock table records in access exclusive mode');
      const problem = assertProblem(await query(starter.token, { from: 'asset' }), 422, 'query-timeout');
      assert.equal(problem.statement_timeout_ms, 5_000);
      assert.match(problem.detail as string, /5000 ms/);
      const streamed = assertProblem(await query(starter.token, { from: 'asset' }, '/api/query', { accept: 'text/csv' }), 422, 'query-timeout');
      assert.equal(streamed.statement_timeout_ms, 5_000);
    } finally {
      await admin.query('rollback');
    }
    assert.equal((await ok(starter.token, { from: 'asset' })).data.length, 0);
  });
});
