// Saved queries through the API: saved with validation (400 pointers under
// /query and /parameters), private or shared, changed by their owner or a
// gestor only, audited with events; run with parameters (defaults, lists,
// type checks), pages and streams; per-type permissions apply to the runner.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember, type Joined } from '../members/helpers.ts';

type Json = Record<string, unknown>;

const INCIDENT = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text' },
    { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3'] },
    { key: 'minutes', type: 'integer' },
    { key: 'opened_on', type: 'date' },
  ],
};
const LOCKED = { key: 'locked', label: 'Locked', fields: [{ key: 'title', type: 'text' }] };

const BY_PRIORITY = {
  key: 'by_priority',
  name: 'Incidents by priority',
  query: {
    from: 'incident',
    select: ['title', 'minutes'],
    where: { and: [{ field: 'priority', op: 'eq', value: { param: 'priority' } }, { field: 'minutes', op: 'gte', value: { param: 'min_minutes' } }] },
    order_by: [{ field: 'title' }],
  },
  parameters: { priority: { type: 'text', description: 'p1, p2 or p3' }, min_minutes: { type: 'integer', default: 0 } },
};

describe('saved queries', () => {
  let app: TestApp;
  let admin: AdminDb;
  let owner: SignedUp;
  let c: Joined[];
  let key: string;

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, token: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request({ method, url, token, headers, ...(body === undefined ? {} : { body }) });

  async function ok(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, token: string, body?: unknown, status = 200): Promise<Json> {
    const response = await call(method, url, token, body);
    assert.equal(response.statusCode, status, response.body);
    return status === 204 ? {} : response.json();
  }

  const run = (token: string, savedKey: string, body?: unknown) => call('POST', `/api/saved-queries/${savedKey}/run`, token, body);
  const titles = (answer: Json) => (answer.data as Json[]).map((row) => row.title);
  const pointers = (problem: Json) => (problem.errors as { pointer: string }[]).map((error) => error.pointer).sort();

  before(async () => {
    app = await startTestApp();
    admin = await AdminDb.connect(app);
    owner = await signup(app);
    c = [await addMember(app, owner, 'cliente'), await addMember(app, owner, 'cliente')];
    await defineType(app, owner.token, INCIDENT);
    await defineType(app, owner.token, LOCKED);
    await ok('PUT', '/api/entity-types/locked/permissions', owner.token, { visibility: 'organisation', roles: { cliente: { read: false, create: false, update: false, delete: false } } });
    const records = Array.from({ length: 9 }, (_, i) => ({ title: `I${i + 1}`, priority: ['p1', 'p2', 'p3'][i % 3], minutes: (i + 1) * 10, opened_on: `2025-01-0${i + 1}` }));
    await ok('POST', '/api/records/incident/bulk', owner.token, { records });
    key = (await ok('POST', '/api/tenants/atual/api-keys', owner.token, { nome: 'reader', escopo: 'read-only' }, 201)).secret as string;
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  test('a member saves a private query; audited with an event; a taken key is 409', async () => {
    const saved = await ok('POST', '/api/saved-queries', c[0]!.token, BY_PRIORITY, 201);
    assert.equal(saved.key, 'by_priority');
    assert.equal(saved.name, BY_PRIORITY.name);
    assert.deepEqual(saved.query, BY_PRIORITY.query);
    assert.deepEqual(saved.parameters, BY_PRIORITY.parameters);
    assert.equal(saved.shared, false);
    assert.equal(saved.source, 'tenant');
    assert.equal(saved.owner_id, c[0]!.userId);
    assert.equal(saved.created_by, c[0]!.userId);
    const audit = await admin.audit(owner.tenantId, 'saved_query.created', 'by_priority');
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_id, c[0]!.userId);
    assert.equal((audit[0]!.after as Json).key, 'by_priority');
    assert.equal((await admin.events(owner.tenantId, 'saved_query.created', 'by_priority')).length, 1);
    const taken = assertProblem(await call('POST', '/api/saved-queries', c[1]!.token, { ...BY_PRIORITY, name: 'Mine' }), 409, 'conflict');
    assert.deepEqual(pointers(taken), ['/key']);
  });

  test('a private query is seen by its owner and gestores only (404 for others)', async () => {
    assert.equal((await ok('GET', '/api/saved-queries/by_priority', c[0]!.token)).key, 'by_priority');
    assert.equal((await ok('GET', '/api/saved-queries/by_priority', owner.token)).key, 'by_priority');
    assertProblem(await call('GET', '/api/saved-queries/by_priority', c[1]!.token), 404, 'not-found');
    assertProblem(await call('GET', '/api/saved-queries/by_priority', key), 404, 'not-found');
    assertProblem(await run(c[1]!.token, 'by_priority', { parameters: { priority: 'p1' } }), 404, 'not-found');
    assertProblem(await call('PUT', '/api/saved-queries/by_priority', c[1]!.token, { name: 'x', query: { from: 'incident' } }), 404, 'not-found');
    assertProblem(await call('DELETE', '/api/saved-queries/by_priority', c[1]!.token), 404, 'not-found');
    const keys = async (token: string) => ((await ok('GET', '/api/saved-queries', token)).data as Json[]).map((saved) => saved.key);
    assert.deepEqual(await keys(c[0]!.token), ['by_priority']);
    assert.deepEqual(await keys(owner.token), ['by_priority']);
    assert.deepEqual(await keys(c[1]!.token), []);
    assert.deepEqual(await keys(key), []);
  });

  test('a run substitutes parameters, takes defaults and checks them (400 at /parameters/<name>)', async () => {
    assert.deepEqual(titles(await ok('POST', '/api/saved-queries/by_priority/run', c[0]!.token, { parameters: { priority: 'p1' } })), ['I1', 'I4', 'I7']);
    assert.deepEqual(titles(await ok('POST', '/api/saved-queries/by_priority/run', c[0]!.token, { parameters: { priority: 'p1', min_minutes: 40 } })), ['I4', 'I7']);
    const cases: [unknown, string[]][] = [
      [{}, ['/parameters/priority']],
      [{ parameters: { priority: 1 } }, ['/parameters/priority']],
      [{ parameters: { priority: 'p1', min_minutes: 1.5 } }, ['/parameters/min_minutes']],
      [{ parameters: { priority: 'p1', bogus: 1 } }, ['/parameters/bogus']],
      // A string, but not a value of the enum: found by the query's own type check, reported at the parameter.
      [{ parameters: { priority: 'p9' } }, ['/parameters/priority']],
    ];
    for (const [body, expected] of cases) {
      const problem = assertProblem(await run(c[0]!.token, 'by_priority', body), 400, 'invalid-query');
      assert.deepEqual(pointers(problem), expected, JSON.stringify(problem));
    }
    // No body at all is a run without parameters.
    assertProblem(await app.request({ method: 'POST', url: '/api/saved-queries/by_priority/run', token: c[0]!.token }), 400, 'invalid-query');
  });

  test('list parameters, pages through a run (the cursor is bound to the parameters) and streams', async () => {
    await ok('POST', '/api/saved-queries', c[0]!.token, {
      key: 'some_priorities',
      name: 'Some priorities',
      query: { from: 'incident', select: ['title'], where: { field: 'priority', op: 'in', value: { param: 'priorities' } }, order_by: [{ field: 'title' }] },
      parameters: { priorities: { type: 'text', list: true } },
      shared: true,
    }, 201);
    const parameters = { priorities: ['p1', 'p2'] };
    const first = await ok('POST', '/api/saved-queries/some_priorities/run', c[1]!.token, { parameters, limit: 4 });
    assert.deepEqual(titles(first), ['I1', 'I2', 'I4', 'I5']);
    const second = await ok('POST', '/api/saved-queries/some_priorities/run', c[1]!.token, { parameters, limit: 4, cursor: first.next_cursor });
    assert.deepEqual(titles(second), ['I7', 'I8']);
    assert.equal(second.next_cursor, null);
    const foreign = await run(c[1]!.token, 'some_priorities', { parameters: { priorities: ['p3'] }, cursor: first.next_cursor });
    assert.deepEqual(pointers(assertProblem(foreign, 400, 'invalid-query')), ['/cursor']);
    const notList = await run(c[1]!.token, 'some_priorities', { parameters: { priorities: 'p1' } });
    assert.deepEqual(pointers(assertProblem(notList, 400, 'invalid-query')), ['/parameters/priorities']);
    const streamed = await call('POST', '/api/saved-queries/some_priorities/run', key, { parameters }, { accept: 'application/x-ndjson' });
    assert.equal(streamed.statusCode, 200, streamed.body);
    const lines = streamed.body.trim().split('\n').map((line) => JSON.parse(line) as Json);
    assert.deepEqual(lines.slice(0, -1).map((row) => row.title), ['I1', 'I2', 'I4', 'I5', 'I7', 'I8']);
    assert.equal((lines.at(-1)!.$end as Json).rows, 6);
  });

  test('saving validates the query and its parameters: 400 with every pointer', async () => {
    const save = (body: Json) => call('POST', '/api/saved-queries', c[0]!.token, { key: 'bad', name: 'Bad', ...body });
    const cases: [Json, string[]][] = [
      [{ query: { from: 'nope' } }, ['/query/from']],
      [{ query: { from: 'incident', where: { field: 'priority', op: 'eq', value: { param: 'p' } } } }, ['/query/where/value/param']],
      [{ query: { from: 'incident' }, parameters: { unused: { type: 'text' } } }, ['/parameters/unused']],
      [{ query: { from: 'incident', limit: { param: 'n' } }, parameters: { n: { type: 'integer' } } }, ['/parameters/n', '/query/limit']],
      [{ query: { from: 'incident', where: { field: 'minutes', op: 'gt', value: { param: 'm' } } }, parameters: { m: { type: 'integer', default: 'ten' } } }, ['/parameters/m/default']],
      [{ query: { from: 'incident', cursor: 'abc' } }, ['/query/cursor']],
      // A placeholder stands for a value only: never a field or an operator.
      [{ query: { from: 'incident', where: { field: { param: 'f' }, op: 'eq', value: 'p1' } }, parameters: { f: { type: 'text' } } }, ['/parameters/f', '/query/where/field']],
      [{ query: { from: 'incident', select: ['title', 'nope'], where: { field: 'minutes', op: 'bogus', value: 1 } } }, ['/query/select/1', '/query/where/op']],
    ];
    for (const [body, expected] of cases) {
      const problem = assertProblem(await save(body), 400, 'invalid-query');
      assert.deepEqual(pointers(problem), expected, JSON.stringify(problem));
    }
    // A default that does not fit the field is refused at save time; without a default the run decides.
    const wrongDefault = await save({ query: { from: 'incident', where: { field: 'priority', op: 'eq', value: { param: 'p' } } }, parameters: { p: { type: 'text', default: 'p9' } } });
    assert.deepEqual(pointers(assertProblem(wrongDefault, 400, 'invalid-query')), ['/query/where/value']);
    assertProblem(await save({ query: 'incident' }), 422, 'validation-failed');
    assertProblem(await call('GET', '/api/saved-queries/bad', owner.token), 404, 'not-found');
  });

  test('shared queries: everyone reads and runs them; only the owner or a gestor changes them', async () => {
    const shared = { name: 'Shared now', query: BY_PRIORITY.query, parameters: BY_PRIORITY.parameters, shared: true };
    const updated = await ok('PUT', '/api/saved-queries/by_priority', c[0]!.token, shared);
    assert.equal(updated.shared, true);
    assert.equal(updated.name, 'Shared now');
    assert.deepEqual(titles(await ok('POST', '/api/saved-queries/by_priority/run', c[1]!.token, { parameters: { priority: 'p2' } })), ['I2', 'I5', 'I8']);
    assert.deepEqual(titles(await ok('POST', '/api/saved-queries/by_priority/run', key, { parameters: { priority: 'p2' } })), ['I2', 'I5', 'I8']);
    assert.ok(((await ok('GET', '/api/saved-queries', key)).data as Json[]).some((saved) => saved.key === 'by_priority'));
    assertProblem(await call('PUT', '/api/saved-queries/by_priority', c[1]!.token, shared), 403, 'saved-query-not-owner');
    assertProblem(await call('DELETE', '/api/saved-queries/by_priority', c[1]!.token), 403, 'saved-query-not-owner');
    assertProblem(await call('PUT', '/api/saved-queries/by_priority', key, shared), 403, 'scope-not-allowed');
    assertProblem(await call('POST', '/api/saved-queries', key, { ...BY_PRIORITY, key: 'by_key' }), 403, 'scope-not-allowed');
    const byGestor = await ok('PUT', '/api/saved-queries/by_priority', owner.token, { ...shared, name: 'Renamed by the gestor' });
    assert.equal(byGestor.updated_by, owner.userId);
    assert.equal(byGestor.owner_id, c[0]!.userId, 'the owner stays');
    const audit = await admin.audit(owner.tenantId, 'saved_query.updated', 'by_priority');
    assert.equal(audit.length, 2);
    assert.equal((audit[1]!.before as Json).name, 'Shared now');
    assert.equal((audit[1]!.after as Json).name, 'Renamed by the gestor');
    assert.equal((await admin.events(owner.tenantId, 'saved_query.updated', 'by_priority')).length, 2);
    // An invalid replacement changes nothing.
    assertProblem(await call('PUT', '/api/saved-queries/by_priority', c[0]!.token, { ...shared, query: { from: 'nope' } }), 400, 'invalid-query');
    assert.equal((await ok('GET', '/api/saved-queries/by_priority', c[0]!.token)).name, 'Renamed by the gestor');
  });

  test("the runner's per-type permissions apply: a saved query on a type they may not read is 403", async () => {
    await ok('POST', '/api/saved-queries', owner.token, { key: 'locked_titles', name: 'Locked', query: { from: 'locked', select: ['title'] }, shared: true }, 201);
    assert.deepEqual((await ok('POST', '/api/saved-queries/locked_titles/run', owner.token)).data, []);
    assertProblem(await run(c[1]!.token, 'locked_titles', {}), 403, 'type-permission-denied');
  });

  test('a saved query the entity types no longer fit is 400 with pointers into it', async () => {
    await ok('POST', '/api/saved-queries', c[0]!.token, {
      key: 'by_day',
      name: 'By day',
      query: { from: 'incident', select: ['title', 'opened_on'], where: { field: 'opened_on', op: 'gte', value: '2025-01-05' } },
    }, 201);
    assert.deepEqual(titles(await ok('POST', '/api/saved-queries/by_day/run', c[0]!.token, {})), ['I5', 'I6', 'I7', 'I8', 'I9']);
    await ok('PATCH', '/api/entity-types/incident', owner.token, { fields: INCIDENT.fields.filter((field) => field.key !== 'opened_on') });
    const problem = assertProblem(await run(c[0]!.token, 'by_day', {}), 400, 'invalid-query');
    assert.ok(pointers(problem).every((pointer) => pointer.startsWith('/query/')), JSON.stringify(problem));
    assert.ok(pointers(problem).includes('/query/select/1'));
  });

  test('delete: the owner (or a gestor); audited; then gone', async () => {
    await ok('DELETE', '/api/saved-queries/by_day', c[0]!.token, undefined, 204);
    assertProblem(await call('GET', '/api/saved-queries/by_day', c[0]!.token), 404, 'not-found');
    assert.equal((await admin.audit(owner.tenantId, 'saved_query.deleted', 'by_day')).length, 1);
    assert.equal((await admin.events(owner.tenantId, 'saved_query.deleted', 'by_day')).length, 1);
    await ok('DELETE', '/api/saved-queries/some_priorities', owner.token, undefined, 204);
    assertProblem(await call('DELETE', '/api/saved-queries/some_priorities', owner.token), 404, 'not-found');
  });
});
