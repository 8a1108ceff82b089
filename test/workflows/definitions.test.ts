// Workflow definitions through the API (issue #6, "Definitions"): drafts,
// publishing with validation (every problem with a JSON Pointer), immutable
// versions, the diff, one workflow per type, roles and scopes, and isolation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../helpers/problem.ts';
import { defineType } from '../helpers/entities.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { addMember, AdminDb, createApiKey } from '../members/helpers.ts';
import { ISSUE_EXAMPLE } from '../../src/workflows/core/example.ts';

const ASSET = { key: 'asset', label: 'Asset', fields: [{ key: 'status', type: 'enum', values: ['active', 'retired'] }] };
const INCIDENT = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text', required: true },
    { key: 'assignee', type: 'user' },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
    { key: 'resolution', type: 'long_text' },
  ],
};

/** The issue's example, verbatim. */
const EXAMPLE = ISSUE_EXAMPLE;

type Definition = typeof EXAMPLE;

function clone(): Definition {
  return structuredClone(EXAMPLE);
}

describe('workflow definitions', () => {
  let app: TestApp;
  let admin: AdminDb;

  before(async () => {
    app = await startTestApp({ TESSERA_INDEX_BUILD_WORKER: 'false' });
    admin = await AdminDb.connect(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  async function organisation(): Promise<SignedUp> {
    const owner = await signup(app);
    await defineType(app, owner.token, ASSET);
    await defineType(app, owner.token, INCIDENT);
    return owner;
  }

  const post = (token: string, body: unknown) => app.request({ method: 'POST', url: '/api/workflows', token, body });
  const put = (token: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request({ method: 'PUT', url: `/api/workflows/${key}`, token, body, headers });
  const publish = (token: string, key: string) => app.request({ method: 'POST', url: `/api/workflows/${key}/publish`, token });
  const get = (token: string, url: string) => app.request({ method: 'GET', url, token });

  /** The pointers of a 422 problem, sorted. */
  function pointers(body: Record<string, unknown>): string[] {
    return (body.errors as { pointer: string }[]).map((error) => error.pointer).sort();
  }

  test("the issue's example: draft, publish, version, list", async () => {
    const owner = await organisation();
    const created = await post(owner.token, EXAMPLE);
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.headers.etag, '"1"');
    const workflow = created.json();
    assert.equal(workflow.key, 'incident-lifecycle');
    assert.equal(workflow.entity_type, 'incident');
    assert.equal(workflow.draft_revision, 1);
    assert.equal(workflow.latest_version, null);
    assert.deepEqual(workflow.draft.states.map((s: { key: string }) => s.key), ['new', 'in_progress', 'resolved', 'closed']);
    assert.equal(typeof workflow.created_at, 'string');

    const published = await publish(owner.token, 'incident-lifecycle');
    assert.equal(published.statusCode, 200, published.body);
    assert.deepEqual(published.json(), { key: 'incident-lifecycle', version: 1, attached: 0, unchanged: false });

    const read = await get(owner.token, '/api/workflows/incident-lifecycle');
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().latest_version, 1);
    const version = await get(owner.token, '/api/workflows/incident-lifecycle/versions/1');
    assert.equal(version.statusCode, 200, version.body);
    assert.equal(version.json().version, 1);
    assert.equal(version.json().entity_type, 'incident');
    assert.equal(version.json().definition.initial, 'new');
    assert.deepEqual(version.json().definition.transitions[1].input, EXAMPLE.transitions[1]?.input);
    const list = await get(owner.token, '/api/workflows');
    assert.deepEqual(list.json().data.map((w: { key: string }) => w.key), ['incident-lifecycle']);

    const audit = await admin.query<{ action: string }>("select action from audit_log where tenant_id = $1 and action like 'workflow.%' order by occurred_at", [owner.tenantId]);
    assert.deepEqual(audit.rows.map((row) => row.action), ['workflow.created', 'workflow.published']);
    const events = await admin.query<{ payload: Record<string, unknown> }>("select payload from outbox where tenant_id = $1 and event_type = 'workflow.published'", [owner.tenantId]);
    assert.deepEqual(events.rows[0]?.payload, { key: 'incident-lifecycle', version: 1, entity_type: 'incident', attached: 0 });
  });

  test('shape problems are 422 with a pointer each; an unknown entity type is 422 at /entity_type', async () => {
    const owner = await organisation();
    const bad = clone() as unknown as Record<string, unknown>;
    (bad.states as Record<string, unknown>[])[1] = { key: 'in_progress', category: 'busy' };
    (bad.transitions as Record<string, unknown>[])[0] = { key: 'start', from: 'new', to: 'in_progress' };
    bad.colour = 'blue';
    const shape = assertProblem(await post(owner.token, bad), 422, 'validation-failed');
    const found = pointers(shape);
    assert.ok(found.includes('/states/1/category'), found.join(' '));
    assert.ok(found.includes('/transitions/0/from'), found.join(' '));
    assert.ok(found.includes('/colour'), found.join(' '));

    const unknownType = assertProblem(await post(owner.token, { ...clone(), entity_type: 'nothing' }), 422, 'validation-failed');
    assert.deepEqual(pointers(unknownType), ['/entity_type']);
  });

  test('one workflow per key and per type (409)', async () => {
    const owner = await organisation();
    assert.equal((await post(owner.token, EXAMPLE)).statusCode, 201);
    assertProblem(await post(owner.token, EXAMPLE), 409, 'workflow-exists');
    const taken = assertProblem(await post(owner.token, { ...clone(), key: 'another' }), 409, 'workflow-type-taken');
    assert.equal(taken.workflow, 'incident-lifecycle');
  });

  test('PUT replaces the draft, honours If-Match, keeps the key, and the type once published', async () => {
    const owner = await organisation();
    await post(owner.token, EXAMPLE);
    const changed = clone();
    changed.states[1] = { key: 'in_progress', category: 'active', sla: { within: '8h', calendar: 'business-hours' } };
    const replaced = await put(owner.token, 'incident-lifecycle', changed, { 'if-match': '"1"' });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal(replaced.headers.etag, '"2"');
    assert.equal(replaced.json().draft.states[1].sla.within, '8h');
    assertProblem(await put(owner.token, 'incident-lifecycle', changed, { 'if-match': '"1"' }), 412, 'workflow-draft-changed');
    const renamed = assertProblem(await put(owner.token, 'incident-lifecycle', { ...changed, key: 'other' }), 422, 'validation-failed');
    assert.deepEqual(pointers(renamed), ['/key']);
    assertProblem(await put(owner.token, 'nothing-here', { ...changed, key: 'nothing-here' }), 404, 'not-found');

    // A workflow's entity type never changes (another type needs another workflow).
    await defineType(app, owner.token, { key: 'problem', label: 'Problem', fields: [{ key: 'title', type: 'text' }] });
    const moved = assertProblem(await put(owner.token, 'incident-lifecycle', { ...changed, entity_type: 'problem' }), 422, 'validation-failed');
    assert.deepEqual(pointers(moved), ['/entity_type']);
    assert.equal((await publish(owner.token, 'incident-lifecycle')).statusCode, 200);
    assert.equal((await get(owner.token, '/api/workflows/incident-lifecycle/versions/1')).json().definition.states[1].sla.within, '8h');
  });

  test('publish refuses an invalid state machine with every pointer (422 workflow-invalid), and publishes nothing', async () => {
    const owner = await organisation();
    const bad = clone() as unknown as { states: Record<string, unknown>[]; transitions: Record<string, unknown>[] };
    // An unknown state, a state no transition reaches, a transition out of a final state.
    bad.transitions[2] = { key: 'close', from: ['resolved'], to: 'archived' };
    bad.states.push({ key: 'orphan', category: 'waiting' });
    bad.transitions.push({ key: 'reopen', from: ['closed'], to: 'new' });
    // Guards and effects naming fields, types and teams that do not exist.
    bad.transitions[0] = {
      key: 'start',
      from: ['new'],
      to: 'in_progress',
      guards: [{ team: ['nobody'] }, { condition: { field: 'colour', op: 'eq', value: 'red' } }],
      effects: [{ set: { owner_name: { literal: 'x' } } }, { create: { type: 'nothing' } }],
    };
    const created = await post(owner.token, bad);
    assert.equal(created.statusCode, 201, created.body);
    const refused = assertProblem(await publish(owner.token, 'incident-lifecycle'), 422, 'workflow-invalid');
    const found = pointers(refused);
    for (const expected of [
      '/transitions/2/to',
      '/transitions/3/from/0',
      '/transitions/0/guards/0/team/0',
      '/transitions/0/effects/1/create/type',
    ]) {
      assert.ok(found.includes(expected), `${expected} in ${found.join(' ')}`);
    }
    assert.ok(found.some((pointer) => pointer.startsWith('/states/4')), `the orphan state in ${found.join(' ')}`);
    assert.ok(found.some((pointer) => pointer.startsWith('/transitions/0/guards/1')), `the condition's unknown field in ${found.join(' ')}`);
    assert.ok(found.some((pointer) => pointer.startsWith('/transitions/0/effects/0/set')), `the set effect's unknown field in ${found.join(' ')}`);
    assert.equal((await get(owner.token, '/api/workflows/incident-lifecycle')).json().latest_version, null);
    assertProblem(await get(owner.token, '/api/workflows/incident-lifecycle/versions/1'), 404, 'not-found');
  });

  test('publish refuses a machine with no path from the initial state to a final one', async () => {
    const owner = await organisation();
    const definition = {
      key: 'loop',
      entity_type: 'incident',
      initial: 'a',
      states: [
        { key: 'a', category: 'new' },
        { key: 'b', category: 'active' },
        { key: 'done', category: 'closed', final: true },
      ],
      transitions: [
        { key: 'go', from: ['a'], to: 'b' },
        { key: 'back', from: ['b'], to: 'a' },
      ],
    };
    assert.equal((await post(owner.token, definition)).statusCode, 201);
    const refused = assertProblem(await publish(owner.token, 'loop'), 422, 'workflow-invalid');
    assert.ok(pointers(refused).includes('/initial'), pointers(refused).join(' '));
  });

  test('roles in guards must be roles', async () => {
    const owner = await organisation();
    const bad = clone() as unknown as { transitions: Record<string, unknown>[] };
    bad.transitions[0] = { ...bad.transitions[0], guards: [{ role: ['gestor', 'admin'] }] };
    const created = await post(owner.token, bad);
    // Refused when written (a shape the parser knows) or when published: either way at the role's pointer.
    const refused = created.statusCode === 201 ? await publish(owner.token, 'incident-lifecycle') : created;
    assert.equal(refused.statusCode, 422, refused.body);
    assert.ok(pointers(refused.json()).includes('/transitions/0/guards/0/role/1'), refused.body);
  });

  test('versions are immutable; an unchanged draft publishes nothing; the diff compares versions and the draft', async () => {
    const owner = await organisation();
    await post(owner.token, EXAMPLE);
    assert.equal((await publish(owner.token, 'incident-lifecycle')).json().version, 1);
    assert.deepEqual((await publish(owner.token, 'incident-lifecycle')).json(), { key: 'incident-lifecycle', version: 1, attached: 0, unchanged: true });

    const second = clone();
    second.states.splice(3, 0, { key: 'cancelled', category: 'cancelled', final: true } as Definition['states'][number]);
    second.transitions.push({ key: 'cancel', from: ['new', 'in_progress'], to: 'cancelled' } as Definition['transitions'][number]);
    assert.equal((await put(owner.token, 'incident-lifecycle', second)).statusCode, 200);
    const published = await publish(owner.token, 'incident-lifecycle');
    assert.deepEqual(published.json(), { key: 'incident-lifecycle', version: 2, attached: 0, unchanged: false });

    const v1 = (await get(owner.token, '/api/workflows/incident-lifecycle/versions/1')).json();
    assert.deepEqual(v1.definition.states.map((s: { key: string }) => s.key), ['new', 'in_progress', 'resolved', 'closed']);
    const versions = (await get(owner.token, '/api/workflows/incident-lifecycle/versions')).json();
    assert.deepEqual(versions.data.map((v: { version: number }) => v.version), [1, 2]);
    assert.equal(versions.data[0].published_by, owner.userId);
    // The database refuses to change a version, whoever asks through the app.
    const denied = await app.db.tenant
      .query({ tenantId: owner.tenantId, userId: owner.userId, role: 'gestor' }, "update workflow_versions set definition = '{}' where workflow_key = 'incident-lifecycle'")
      .then(() => 'changed', (error: { code?: string }) => error.code);
    assert.equal(denied, '42501');

    const diff = await get(owner.token, '/api/workflows/incident-lifecycle/diff?from=1&to=2');
    assert.equal(diff.statusCode, 200, diff.body);
    assert.equal(diff.json().from, 1);
    assert.equal(diff.json().to, 2);
    const changes = JSON.stringify(diff.json().changes);
    assert.match(changes, /cancelled/);
    assert.match(changes, /cancel/);

    const third = structuredClone(second);
    third.transitions = third.transitions.filter((t) => t.key !== 'close');
    third.states = third.states.filter((s) => s.key !== 'closed');
    third.transitions.push({ key: 'close', from: ['resolved'], to: 'cancelled' } as Definition['transitions'][number]);
    assert.equal((await put(owner.token, 'incident-lifecycle', third)).statusCode, 200);
    const draftDiff = await get(owner.token, '/api/workflows/incident-lifecycle/diff?from=2&to=draft');
    assert.equal(draftDiff.statusCode, 200, draftDiff.body);
    assert.equal(draftDiff.json().to, 'draft');
    assert.match(JSON.stringify(draftDiff.json().changes), /closed/);
    assertProblem(await get(owner.token, '/api/workflows/incident-lifecycle/diff?from=1&to=9'), 404, 'not-found');
    assertProblem(await get(owner.token, '/api/workflows/incident-lifecycle/diff?from=1&to=later'), 422, 'validation-failed');
    assertProblem(await get(owner.token, '/api/workflows/incident-lifecycle/versions/9'), 404, 'not-found');
  });

  test('gestores write, clientes and API keys read only', async () => {
    const owner = await organisation();
    const cliente = await addMember(app, owner, 'cliente');
    const key = await createApiKey(app, owner);
    assertProblem(await post(cliente.token, EXAMPLE), 403, 'role-required');
    assert.equal((await post(key, EXAMPLE)).statusCode, 403);
    assert.equal((await post(owner.token, EXAMPLE)).statusCode, 201);
    assertProblem(await publish(cliente.token, 'incident-lifecycle'), 403, 'role-required');
    assert.equal((await put(key, 'incident-lifecycle', EXAMPLE)).statusCode, 403);
    assert.equal((await get(cliente.token, '/api/workflows/incident-lifecycle')).statusCode, 200);
    assert.equal((await get(key, '/api/workflows')).statusCode, 200);
  });

  test("another organisation's workflow is 404 everywhere", async () => {
    const owner = await organisation();
    const other = await organisation();
    await post(owner.token, EXAMPLE);
    await publish(owner.token, 'incident-lifecycle');
    const base = '/api/workflows/incident-lifecycle';
    for (const url of [base, `${base}/versions`, `${base}/versions/1`, `${base}/diff?from=1&to=draft`]) {
      assertProblem(await get(other.token, url), 404, 'not-found');
    }
    assertProblem(await put(other.token, 'incident-lifecycle', EXAMPLE), 404, 'not-found');
    assertProblem(await publish(other.token, 'incident-lifecycle'), 404, 'not-found');
    const migrate = await app.request({ method: 'POST', url: `${base}/migrate`, token: other.token, body: { from_version: 1, to_version: 1, dry_run: true } });
    assertProblem(migrate, 404, 'not-found');
    assert.deepEqual((await get(other.token, '/api/workflows')).json().data, []);
    // The other organisation may use the same key for its own type.
    assert.equal((await post(other.token, EXAMPLE)).statusCode, 201);
  });
});
