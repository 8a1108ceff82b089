// Fuzzed DSL input never produces a 5xx: queries built from the real field
// names, operators, functions and buckets, with values of every JSON type in
// every position, so most get past the shape check and reach the type
// checker, the compiler and PostgreSQL (where a wrong cast or an unknown time
// zone would otherwise surface as a 500). test/platform/fuzz.test.ts covers
// random bodies on every route; this one aims at the query language.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { defineType } from '../helpers/entities.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

const ASSET = { key: 'asset', label: 'Asset', fields: [{ key: 'name', type: 'text', indexed: true }, { key: 'opened_on', type: 'date' }] };
const INCIDENT = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text' },
    { key: 'priority', type: 'enum', values: ['p1', 'p2'], indexed: true },
    { key: 'minutes', type: 'integer', indexed: true },
    { key: 'cost', type: 'decimal' },
    { key: 'done', type: 'boolean' },
    { key: 'due_on', type: 'date', indexed: true },
    { key: 'seen_at', type: 'datetime' },
    { key: 'tags', type: 'multi_enum', values: ['a', 'b'] },
    { key: 'details', type: 'json' },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'set_null' },
    { key: 'assets', type: 'references', target: 'asset' },
    { key: 'assignee', type: 'user' },
  ],
};

const FIELDS = [
  'id', 'created_at', 'updated_at', 'state', 'version', 'created_by', 'title', 'priority', 'minutes', 'cost', 'done', 'due_on', 'seen_at', 'tags',
  'details', 'details.a', 'details.a.0', 'asset', 'asset.name', 'asset.opened_on', 'assets', 'assignee', 'nope', 'asset.nope', '', 'a.b.c.d.e',
];
const OPS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'is_null', 'is_not_null', 'contains', 'starts_with', 'ends_with', 'icontains', 'has_any', 'has_all', 'bogus'];

const scalar = fc.oneof(
  fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constantFrom('p1', 'a', '2026-01-01', '2026-01-01T10:00:00Z', '0000-01-01', '9999-12-31T23:59:59Z', '%_\\', '01902f3a-0000-7000-8000-000000000000', 'NaN', '1e400'),
);
const operand = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.record({ field: fc.constantFrom(...FIELDS) }),
  fc.constant({ current_user: true }),
  fc.record({ relative: fc.constantFrom('-7d', '+1h', '-0w', 'x', '-99999999d') }),
  fc.record({ start_of: fc.constantFrom('week', 'month', 'year', 'eon') }),
  fc.jsonValue({ maxDepth: 2 }),
);
const comparison = fc.record(
  { field: fc.constantFrom(...FIELDS), op: fc.constantFrom(...OPS), value: operand },
  { requiredKeys: ['field', 'op'] },
);
const condition: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.record({ and: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
    fc.record({ quantifier: fc.constantFrom('some', 'none', 'every'), path: fc.constantFrom('assets', 'incident.asset', 'incident.assets', 'nope'), where: fc.option(comparison, { nil: undefined }) })
      .map(({ quantifier, path, where }) => ({ [quantifier]: where === undefined ? { path } : { path, where } })),
  ),
})).node;

const aggregate = fc.record(
  { fn: fc.constantFrom('count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'percentile', 'median'), field: fc.constantFrom(...FIELDS), p: fc.oneof(fc.double(), fc.constantFrom(0, 0.5, 1)), as: fc.constantFrom('n', 'm', 'x', 'N!', 'id') },
  { requiredKeys: ['fn', 'as'] },
);
const groupKey = fc.oneof(
  fc.constantFrom(...FIELDS),
  fc.record(
    { field: fc.constantFrom(...FIELDS), bucket: fc.constantFrom('hour', 'day', 'week', 'month', 'quarter', 'year', 'century'), time_zone: fc.constantFrom('UTC', 'America/Sao_Paulo', 'Etc/GMT+3', 'EST5EDT', 'Mars/Olympus', '+03:00'), as: fc.constantFrom('k', 'w') },
    { requiredKeys: ['field'] },
  ),
);
const dsl = fc.record(
  {
    from: fc.constantFrom('incident', 'asset', 'nope'),
    select: fc.array(fc.oneof(fc.constantFrom(...FIELDS), fc.record({ fn: fc.constantFrom('count', 'avg'), field: fc.constantFrom('minutes', 'title'), from: fc.constantFrom('incident', 'asset'), via: fc.constantFrom('asset', 'assets', 'title'), as: fc.constantFrom('open', 'n') }, { requiredKeys: ['fn', 'from', 'via', 'as'] })), { maxLength: 4 }),
    where: condition,
    order_by: fc.array(fc.record({ field: fc.constantFrom(...FIELDS, 'n', 'k'), direction: fc.constantFrom('asc', 'desc', 'up') }, { requiredKeys: ['field'] }), { maxLength: 2 }),
    limit: fc.oneof(fc.integer({ min: -2, max: 2000 }), fc.constant('10')),
    offset: fc.integer({ min: -1, max: 5 }),
    cursor: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
    group_by: fc.array(groupKey, { maxLength: 2 }),
    aggregate: fc.array(aggregate, { maxLength: 2 }),
    having: condition.map((node) => JSON.parse(JSON.stringify(node).replaceAll('"field":"title"', '"field":"n"'))),
    totals: fc.oneof(fc.boolean(), fc.constant('yes')),
  },
  { requiredKeys: ['from'] },
);

let app: TestApp;
let owner: SignedUp;

before(async () => {
  app = await startTestApp({ TESSERA_INDEX_BUILD_WORKER: 'false' });
  owner = await signup(app);
  await defineType(app, owner.token, ASSET);
  await defineType(app, owner.token, INCIDENT);
  const asset = await app.request({ method: 'POST', url: '/api/records/asset', token: owner.token, body: { name: 'A', opened_on: '2026-01-01' } });
  assert.equal(asset.statusCode, 201, asset.body);
  for (const [index, priority] of ['p1', 'p2', 'p1'].entries()) {
    const response = await app.request({
      method: 'POST', url: '/api/records/incident', token: owner.token,
      body: { title: `t${index}`, priority, minutes: index * 10, cost: 1.5, done: index === 1, due_on: '2026-03-08', seen_at: '2026-03-08T02:30:00Z', tags: ['a'], details: { a: [1, 'x'] }, asset: asset.json().id, assets: [asset.json().id] },
    });
    assert.equal(response.statusCode, 201, response.body);
  }
});
after(() => app.stop());

test('random DSL queries answer 200 or a 4xx problem, never a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(dsl, async (body) => {
      const response = await app.request({ method: 'POST', url: '/api/query', token: owner.token, body });
      assert.ok(response.statusCode < 500, `${response.statusCode} for ${JSON.stringify(body)}: ${response.body}`);
      if (response.statusCode >= 400) assert.match(String(response.headers['content-type']), /application\/problem\+json/);
    }),
    { numRuns: 400 },
  );
});
