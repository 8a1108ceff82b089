// The entity type registry through the API, on a real database: definitions,
// validation, versions and diffs, rollback, concurrency, roles and scopes,
// audit and events, and isolation between organisations.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROLES } from '../../src/platform/db/roles.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember } from '../members/helpers.ts';
import { defineType } from '../helpers/entities.ts';

// The body of issue #4, verbatim.
const ISSUE_EXAMPLE = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text', required: true, max_length: 200 },
    { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'], indexed: true },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
    { key: 'minutes_to_respond', type: 'integer' },
  ],
};

// Over the issue example's own fields, so it type-checks against the type.
const RULE = { key: 'p1_responds_fast', message: 'p1 incidents must be answered within 60 minutes', condition: { or: [{ field: 'priority', op: 'neq', value: 'p1' }, { field: 'minutes_to_respond', op: 'lte', value: 60 }] } };

const ASSET = { key: 'asset', label: 'Asset', fields: [{ key: 'tag', type: 'text', unique: true }] };

describe('entity types', () => {
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

  const create = (owner: { token: string }, body: unknown) => defineType(app, owner.token, body);

  async function apiKey(owner: SignedUp, escopo: string): Promise<string> {
    const response = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: escopo, escopo } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json().secret;
  }

  test("the issue's example creates version 1 of the type, readable by key and in the list", async () => {
    const owner = await signup(app);
    await create(owner, ASSET);
    const response = await app.request({ method: 'POST', url: '/api/entity-types', token: owner.token, body: ISSUE_EXAMPLE });
    assert.equal(response.statusCode, 201, response.body);
    const created = response.json();
    const { created_at: createdAt, updated_at: updatedAt, ...rest } = created;
    assert.deepEqual(rest, {
      key: 'incident',
      label: 'Incident',
      description: null,
      fields: ISSUE_EXAMPLE.fields,
      rules: [],
      version: 1,
      source: 'tenant',
      source_pack: null,
      source_pack_version: null,
    });
    assert.ok(!Number.isNaN(Date.parse(createdAt)) && createdAt === updatedAt);

    const one = await app.request({ method: 'GET', url: '/api/entity-types/incident', token: owner.token });
    assert.equal(one.statusCode, 200);
    assert.deepEqual(one.json(), created);
    const list = await app.request({ method: 'GET', url: '/api/entity-types', token: owner.token });
    assert.deepEqual(list.json().data.map((type: { key: string }) => type.key), ['asset', 'incident']);

    const audit = await admin.audit(owner.tenantId, 'entity_type.created', 'incident');
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]?.after, created);
    assert.equal(audit[0]?.actor_id, owner.userId);
    const events = await admin.events(owner.tenantId, 'entity_type.created', 'incident');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.payload.version, 1);
  });

  test('every problem in a definition is reported at once, with JSON Pointers', async () => {
    const owner = await signup(app);
    const response = await app.request({
      method: 'POST',
      url: '/api/entity-types',
      token: owner.token,
      body: {
        key: '1nope',
        label: '',
        colour: 'red',
        fields: [
          { key: 'created_at', type: 'datetime' },
          { key: 'Title', type: 'text', max_length: -1 },
          { key: 'priority', type: 'enum', values: [] },
          { key: 'priority', type: 'enum', values: ['a', 'a'] },
          { key: 'asset', type: 'reference', target: 'asset' },
          { key: 'links', type: 'any_reference' },
          { key: 'score', type: 'decimal', min: 10, max: 1, max_length: 5 },
          { key: 'due', type: 'date', max: 'tomorrow' },
          { key: 'code', type: 'text', pattern: '[' },
          { key: 'count', type: 'integer', default: 'seven' },
          { key: 'kind', type: 'enum', values: ['x'], indexed: 'yes' },
          { key: 'status', type: 'state' },
        ],
        rules: [{ key: 'r1', message: 'm' }],
      },
    });
    const problem = assertProblem(response, 422, 'validation-failed');
    const pointers = (problem.errors as { pointer: string }[]).map((error) => error.pointer).sort();
    assert.deepEqual(
      pointers,
      [
        '/colour',
        '/key',
        '/label',
        '/fields/0/key',
        '/fields/1/key',
        '/fields/1/max_length',
        '/fields/2/values',
        '/fields/3/key',
        '/fields/3/values/1',
        '/fields/4/target',
        '/fields/5/targets',
        '/fields/6/max_length',
        '/fields/6/max',
        '/fields/7/max',
        '/fields/8/pattern',
        '/fields/9/default',
        '/fields/10/indexed',
        '/fields/11/type',
        '/rules/0/condition',
      ].sort(),
    );
    const list = await app.request({ method: 'GET', url: '/api/entity-types', token: owner.token });
    assert.deepEqual(list.json().data, []);
  });

  test('a reference to a type that does not exist is 422; to the type itself it is fine', async () => {
    const owner = await signup(app);
    const missing = await app.request({ method: 'POST', url: '/api/entity-types', token: owner.token, body: ISSUE_EXAMPLE });
    const problem = assertProblem(missing, 422, 'validation-failed');
    assert.deepEqual(problem.errors, [{ pointer: '/fields/2/target', message: 'is not an entity type of this organisation: asset' }]);
    await create(owner, { key: 'task', label: 'Task', fields: [{ key: 'parent', type: 'reference', target: 'task', on_delete: 'cascade' }] });
  });

  test('a key already used in the organisation is 409', async () => {
    const owner = await signup(app);
    await create(owner, ASSET);
    const again = await app.request({ method: 'POST', url: '/api/entity-types', token: owner.token, body: { ...ASSET, label: 'Other' } });
    const problem = assertProblem(again, 409, 'conflict');
    assert.deepEqual(problem.errors, [{ pointer: '/key', message: 'is already an entity type of this organisation' }]);
  });

  test('PATCH and POST /fields create versions with diffs; an empty change creates none', async () => {
    const owner = await signup(app);
    await create(owner, ASSET);
    await create(owner, ISSUE_EXAMPLE);

    const patched = await app.request({
      method: 'PATCH',
      url: '/api/entity-types/incident',
      token: owner.token,
      body: {
        label: 'Case',
        description: 'Something went wrong',
        fields: [...ISSUE_EXAMPLE.fields.slice(0, 3), { key: 'minutes_to_respond', type: 'integer', min: 0 }],
        rules: [RULE],
      },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json().rules, [RULE]);
    assert.equal(patched.json().version, 2);
    assert.equal(patched.json().label, 'Case');
    assert.equal(patched.json().description, 'Something went wrong');

    const same = await app.request({ method: 'PATCH', url: '/api/entity-types/incident', token: owner.token, body: { label: 'Case' } });
    assert.equal(same.statusCode, 200);
    assert.equal(same.json().version, 2, 'no version for an empty diff');
    assert.deepEqual(same.json(), patched.json());

    const added = await app.request({ method: 'POST', url: '/api/entity-types/incident/fields', token: owner.token, body: { key: 'resolved_at', type: 'datetime' } });
    assert.equal(added.statusCode, 201, added.body);
    assert.equal(added.json().version, 3);
    assert.deepEqual(added.json().fields.at(-1), { key: 'resolved_at', type: 'datetime' });

    const badField = await app.request({ method: 'POST', url: '/api/entity-types/incident/fields', token: owner.token, body: { key: 'title', type: 'enum', colour: 1 } });
    const problem = assertProblem(badField, 422, 'validation-failed');
    assert.deepEqual((problem.errors as { pointer: string }[]).map((e) => e.pointer).sort(), ['/colour', '/key', '/values']);
    const badPatch = await app.request({ method: 'PATCH', url: '/api/entity-types/incident', token: owner.token, body: { key: 'other', fields: 'none' } });
    assertProblem(badPatch, 422, 'validation-failed');
    const badPatchFields = await app.request({ method: 'PATCH', url: '/api/entity-types/incident', token: owner.token, body: { fields: [{ key: 'x', type: 'enum' }] } });
    assert.deepEqual(assertProblem(badPatchFields, 422, 'validation-failed').errors, [{ pointer: '/fields/0/values', message: 'is required for type enum' }]);

    const versions = await app.request({ method: 'GET', url: '/api/entity-types/incident/versions', token: owner.token });
    assert.equal(versions.statusCode, 200, versions.body);
    const data = versions.json().data;
    assert.deepEqual(data.map((v: { version: number; change_kind: string }) => [v.version, v.change_kind]), [[1, 'create'], [2, 'update'], [3, 'add_field']]);
    for (const version of data) {
      assert.equal(version.created_by, owner.userId);
      assert.ok(!Number.isNaN(Date.parse(version.created_at)));
      assert.equal(version.definition, undefined);
    }
    assert.deepEqual(data[0].diff.fields.added, ISSUE_EXAMPLE.fields);
    assert.deepEqual(data[1].diff, {
      label: { before: 'Incident', after: 'Case' },
      description: { before: null, after: 'Something went wrong' },
      fields: { added: [], removed: [], changed: [{ key: 'minutes_to_respond', changes: { min: { before: null, after: 0 } } }] },
      rules: { added: [RULE], removed: [], changed: [] },
    });
    assert.deepEqual(data[2].diff.fields.added, [{ key: 'resolved_at', type: 'datetime' }]);

    const withDefinitions = await app.request({ method: 'GET', url: '/api/entity-types/incident/versions?include=definition', token: owner.token });
    assert.equal(withDefinitions.json().data[0].definition.label, 'Incident');
    assert.equal(withDefinitions.json().data[2].definition.fields.length, 5);

    assert.equal((await admin.audit(owner.tenantId, 'entity_type.updated', 'incident')).length, 2);
    const events = await admin.events(owner.tenantId, 'entity_type.updated', 'incident');
    assert.deepEqual(events.map((event) => event.payload.version), [2, 3]);
  });

  test('rollback appends a version equal to the old one; an unknown version is 422', async () => {
    const owner = await signup(app);
    await create(owner, ASSET);
    const v1 = await create(owner, ISSUE_EXAMPLE);
    await app.request({ method: 'POST', url: '/api/entity-types/incident/fields', token: owner.token, body: { key: 'notes', type: 'long_text' } });
    await app.request({ method: 'PATCH', url: '/api/entity-types/incident', token: owner.token, body: { label: 'Case' } });

    const rolled = await app.request({ method: 'POST', url: '/api/entity-types/incident/rollback', token: owner.token, body: { to_version: 1 } });
    assert.equal(rolled.statusCode, 200, rolled.body);
    const body = rolled.json();
    assert.equal(body.version, 4);
    for (const member of ['key', 'label', 'description', 'fields', 'rules']) assert.deepEqual(body[member], v1[member], member);

    const versions = (await app.request({ method: 'GET', url: '/api/entity-types/incident/versions?include=definition', token: owner.token })).json().data;
    assert.equal(versions.length, 4, 'history is append-only');
    assert.equal(versions[3].change_kind, 'rollback');
    assert.deepEqual(versions[3].definition, versions[0].definition);
    assert.deepEqual(versions[3].diff.label, { before: 'Case', after: 'Incident' });
    assert.deepEqual(versions[3].diff.fields.removed, [{ key: 'notes', type: 'long_text' }]);

    const forward = await app.request({ method: 'POST', url: '/api/entity-types/incident/rollback', token: owner.token, body: { to_version: 3 } });
    assert.equal(forward.json().version, 5);
    assert.equal(forward.json().label, 'Case');

    const unknown = await app.request({ method: 'POST', url: '/api/entity-types/incident/rollback', token: owner.token, body: { to_version: 99 } });
    assert.deepEqual(assertProblem(unknown, 422, 'validation-failed').errors, [{ pointer: '/to_version', message: 'is not a version of this type (1 to 5)' }]);
    const malformed = await app.request({ method: 'POST', url: '/api/entity-types/incident/rollback', token: owner.token, body: { to_version: 0 } });
    assertProblem(malformed, 422, 'validation-failed');

    const audit = await admin.audit(owner.tenantId, 'entity_type.rolled_back', 'incident');
    assert.equal(audit.length, 2);
    assert.equal(audit[0]?.before?.label, 'Case');
    assert.equal(audit[0]?.after?.label, 'Incident');
    assert.equal((await admin.events(owner.tenantId, 'entity_type.rolled_back', 'incident')).length, 2);
  });

  test('concurrent changes get consecutive versions, never the same one', async () => {
    const owner = await signup(app);
    await create(owner, { key: 'ticket', label: 'Ticket', fields: [] });
    const keys = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
    const responses = await Promise.all([
      ...keys.map((key) => app.request({ method: 'POST', url: '/api/entity-types/ticket/fields', token: owner.token, body: { key, type: 'text' } })),
      app.request({ method: 'PATCH', url: '/api/entity-types/ticket', token: owner.token, body: { label: 'Concurrent' } }),
    ]);
    for (const response of responses) assert.ok(response.statusCode === 200 || response.statusCode === 201, response.body);
    assert.deepEqual(responses.map((response) => response.json().version).sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8]);
    const current = (await app.request({ method: 'GET', url: '/api/entity-types/ticket', token: owner.token })).json();
    assert.equal(current.version, 8);
    assert.equal(current.label, 'Concurrent');
    assert.deepEqual(current.fields.map((field: { key: string }) => field.key).sort(), keys);

    const duplicates = await Promise.all([1, 2, 3].map(() => app.request({ method: 'POST', url: '/api/entity-types', token: owner.token, body: ASSET })));
    assert.deepEqual(duplicates.map((response) => response.statusCode).sort(), [201, 409, 409]);
  });

  test('clientes and API keys read; only gestores write; keys without a data scope are refused', async () => {
    const owner = await signup(app);
    await create(owner, ASSET);
    const cliente = await addMember(app, owner, 'cliente');
    const gestor = await addMember(app, owner, 'gestor');
    const readOnly = await apiKey(owner, 'read-only');
    const readWrite = await apiKey(owner, 'read-write');
    const proxy = await apiKey(owner, 'proxy-ollama');

    const writes = [
      { method: 'POST' as const, url: '/api/entity-types', body: { key: 'other', label: 'Other', fields: [] } },
      { method: 'PATCH' as const, url: '/api/entity-types/asset', body: { label: 'Changed' } },
      { method: 'POST' as const, url: '/api/entity-types/asset/fields', body: { key: 'serial', type: 'text' } },
      { method: 'POST' as const, url: '/api/entity-types/asset/rollback', body: { to_version: 1 } },
    ];
    for (const token of [cliente.token, readOnly, readWrite]) {
      for (const write of writes) {
        const response = await app.request({ ...write, token });
        assert.equal(response.statusCode, 403, `${write.method} ${write.url}: ${response.body}`);
      }
    }
    const reads = ['/api/entity-types', '/api/entity-types/asset', '/api/entity-types/asset/versions'];
    for (const token of [cliente.token, readOnly, readWrite, gestor.token]) {
      for (const url of reads) assert.equal((await app.request({ method: 'GET', url, token })).statusCode, 200, url);
    }
    for (const url of reads) assert.equal((await app.request({ method: 'GET', url, token: proxy })).statusCode, 403, url);
    for (const url of reads) assert.equal((await app.request({ method: 'GET', url })).statusCode, 401, url);

    const byGestor = await app.request({ method: 'PATCH', url: '/api/entity-types/asset', token: gestor.token, body: { label: 'Equipment' } });
    assert.equal(byGestor.statusCode, 200);
    assert.equal(byGestor.json().version, 2);
  });

  test("another organisation's types answer 404; the same key lives in two organisations independently", async () => {
    const a = await signup(app);
    const b = await signup(app);
    await create(b, { key: 'contract', label: 'Contract', fields: [] });
    const calls = [
      { method: 'GET' as const, url: '/api/entity-types/contract' },
      { method: 'GET' as const, url: '/api/entity-types/contract/versions' },
      { method: 'PATCH' as const, url: '/api/entity-types/contract', body: { label: 'Stolen' } },
      { method: 'POST' as const, url: '/api/entity-types/contract/fields', body: { key: 'x', type: 'text' } },
      { method: 'POST' as const, url: '/api/entity-types/contract/rollback', body: { to_version: 1 } },
    ];
    for (const call of calls) assertProblem(await app.request({ ...call, token: a.token }), 404, 'not-found');
    assert.deepEqual((await app.request({ method: 'GET', url: '/api/entity-types', token: a.token })).json().data, []);
    // A cannot point a reference at B's type either.
    const reference = await app.request({
      method: 'POST',
      url: '/api/entity-types',
      token: a.token,
      body: { key: 'deal', label: 'Deal', fields: [{ key: 'contract', type: 'reference', target: 'contract' }] },
    });
    assertProblem(reference, 422, 'validation-failed');

    const inA = await create(a, { key: 'contract', label: 'Contrato A', fields: [{ key: 'value', type: 'decimal' }] });
    assert.equal(inA.version, 1);
    await app.request({ method: 'PATCH', url: '/api/entity-types/contract', token: a.token, body: { label: 'Contrato A2' } });
    const inB = (await app.request({ method: 'GET', url: '/api/entity-types/contract', token: b.token })).json();
    assert.equal(inB.label, 'Contract');
    assert.equal(inB.version, 1);
    assert.deepEqual(inB.fields, []);
    const bVersions = (await app.request({ method: 'GET', url: '/api/entity-types/contract/versions', token: b.token })).json().data;
    assert.equal(bVersions.length, 1);
  });

  test('the runtime role can only insert and read versions: history cannot be rewritten', async () => {
    const { rows } = await admin.query<{ table: string; privilege: string }>(
      `select table_name as table, privilege_type as privilege from information_schema.role_table_grants
       where grantee = $1 and table_name in ('entity_types', 'entity_type_versions') order by 1, 2`,
      [ROLES.app],
    );
    assert.deepEqual(
      rows.filter((row) => row.table === 'entity_type_versions').map((row) => row.privilege),
      ['INSERT', 'SELECT'],
    );
    assert.ok(!rows.some((row) => row.privilege === 'DELETE'));
  });
});

describe('type-level rules use the condition language', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.stop();
  });

  test('a rule over the type\'s fields is accepted; a wrong field or operator is 422 with its pointer', async () => {
    const owner = await signup(app);
    const fields = [
      { key: 'opened_at', type: 'datetime' },
      { key: 'closed_at', type: 'datetime' },
      { key: 'priority', type: 'enum', values: ['p1', 'p2'] },
    ];
    const good = await app.request({
      method: 'POST',
      url: '/api/entity-types',
      token: owner.token,
      body: {
        key: 'ticket',
        label: 'Ticket',
        fields,
        rules: [{ key: 'closed_after_opened', message: 'closed_at must not precede opened_at', condition: { or: [{ field: 'closed_at', op: 'is_null' }, { field: 'closed_at', op: 'gte', value: { field: 'opened_at' } }] } }],
      },
    });
    assert.equal(good.statusCode, 201, good.body);
    const bad = await app.request({
      method: 'POST',
      url: '/api/entity-types',
      token: owner.token,
      body: {
        key: 'ticket_bad',
        label: 'Ticket',
        fields,
        rules: [
          { key: 'r1', message: 'm', condition: { field: 'closd_at', op: 'gte', value: { field: 'opened_at' } } },
          { key: 'r2', message: 'm', condition: { field: 'priority', op: 'starts_with', value: 'p' } },
        ],
      },
    });
    assert.equal(bad.statusCode, 422, bad.body);
    const pointers = bad.json().errors.map((error: { pointer: string }) => error.pointer);
    assert.ok(pointers.some((pointer: string) => pointer.startsWith('/rules/0/condition')), pointers.join());
    assert.ok(pointers.some((pointer: string) => pointer.startsWith('/rules/1/condition')), pointers.join());
  });
});
