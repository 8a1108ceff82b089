// Type-level rules across relations, enforced on create and update on a real
// database: paths through references (one and two hops), quantifiers over a
// references field and over a reverse relation, the record being written seen
// with its new values (even through itself), CHECK semantics (a later change of
// a related record is not re-checked), the cap on related records, and no
// extra statement for rules that stay on the record.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TenantScope, TenantTx } from '../../src/platform/db/tenant-database.ts';
import { RELATED_CAP } from '../../src/records/related-records.ts';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

const SITE = { key: 'site', label: 'Site', fields: [{ key: 'region', type: 'enum', values: ['eu', 'us', 'embargoed'] }] };
const ASSET = {
  key: 'asset',
  label: 'Asset',
  fields: [
    { key: 'tag', type: 'text', required: true },
    { key: 'status', type: 'enum', values: ['active', 'retired'] },
    { key: 'site', type: 'reference', target: 'site', on_delete: 'set_null' },
  ],
};
const INCIDENT = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text', required: true },
    { key: 'stage', type: 'enum', values: ['open', 'closed'] },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'cascade' },
  ],
  rules: [
    { key: 'asset_active', message: 'the asset must be active', condition: { field: 'asset.status', op: 'eq', value: 'active' } },
    { key: 'not_embargoed', message: 'the asset is at an embargoed site', condition: { field: 'asset.site.region', op: 'neq', value: 'embargoed' } },
  ],
};
/** Added to asset once incident exists: a retired asset has no open incident (a reverse quantifier). */
const NO_OPEN_INCIDENTS = {
  key: 'no_open_incidents',
  message: 'a retired asset cannot have open incidents',
  condition: { or: [{ field: 'status', op: 'neq', value: 'retired' }, { none: { path: 'incident.asset', where: { field: 'stage', op: 'eq', value: 'open' } } }] },
};
const PERSON = { key: 'person', label: 'Person', fields: [{ key: 'name', type: 'text' }, { key: 'active', type: 'boolean' }] };
const TEAM = {
  key: 'crew',
  label: 'Crew',
  fields: [{ key: 'name', type: 'text' }, { key: 'members', type: 'references', target: 'person' }],
  rules: [{ key: 'members_active', message: 'every member must be active', condition: { every: { path: 'members', where: { field: 'active', op: 'eq', value: true } } } }],
};
/** A self-reference: the parent must be ok (or absent). */
const NODE = {
  key: 'node',
  label: 'Node',
  fields: [{ key: 'status', type: 'enum', values: ['ok', 'bad'] }, { key: 'parent', type: 'reference', target: 'node', on_delete: 'set_null' }],
  rules: [{ key: 'parent_ok', message: 'the parent must be ok', condition: { field: 'parent.status', op: 'eq', value: 'ok' } }],
};
const NOTE = {
  key: 'note',
  label: 'Note',
  fields: [{ key: 'title', type: 'text' }, { key: 'size', type: 'integer' }],
  rules: [{ key: 'small', message: 'size at most 10', condition: { field: 'size', op: 'lte', value: 10 } }],
};
const PLAIN = { key: 'plain', label: 'Plain', fields: [{ key: 'title', type: 'text' }, { key: 'size', type: 'integer' }] };
/** Incident's fields without its rules. */
const TICKET = { ...INCIDENT, key: 'ticket', label: 'Ticket', rules: [] };

type Row = Record<string, unknown> & { id: string };

describe('records: type-level rules across relations on write', () => {
  let app: TestApp;
  let owner: SignedUp;

  const request = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
    app.request({ method, url, token: owner.token, ...(body === undefined ? {} : { body }) });

  async function create(type: string, body: unknown): Promise<Row> {
    const response = await request('POST', `/api/records/${type}`, body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }

  async function patch(type: string, id: string, body: unknown): Promise<Row> {
    const response = await request('PATCH', `/api/records/${type}/${id}`, body);
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  }

  /** Asserts a 422 whose errors name exactly these rules. */
  function refused(response: Awaited<ReturnType<typeof request>>, ...rules: string[]): void {
    const body = assertProblem(response, 422, 'validation-failed');
    const messages = (body.errors as { pointer: string; message: string }[]).map((error) => error.message);
    assert.deepEqual(messages.map((message) => /\(rule (\w+)\)$/.exec(message)?.[1]), rules, messages.join('; '));
  }

  /** Counts the statements sent in tenant transactions while `work` runs. */
  async function statementsOf(work: () => Promise<unknown>): Promise<number> {
    const tenant = app.db.tenant;
    const original = tenant.transaction;
    const bound = original.bind(tenant);
    let statements = 0;
    tenant.transaction = <T>(scope: TenantScope, run: (tx: TenantTx) => Promise<T>): Promise<T> =>
      bound(scope, (tx) =>
        run(
          new Proxy(tx, {
            get(target, property, receiver) {
              if (property !== 'query') return Reflect.get(target, property, receiver);
              return (...args: Parameters<TenantTx['query']>) => {
                statements += 1;
                return target.query(...args);
              };
            },
          }),
        ),
      );
    try {
      await work();
    } finally {
      tenant.transaction = original;
    }
    return statements;
  }

  before(async () => {
    app = await startTestApp();
    owner = await signup(app);
    for (const type of [SITE, ASSET, INCIDENT, TICKET, PERSON, TEAM, NODE, NOTE, PLAIN]) await defineType(app, owner.token, type);
    const withRule = await request('PATCH', '/api/entity-types/asset', { rules: [NO_OPEN_INCIDENTS] });
    assert.equal(withRule.statusCode, 200, withRule.body);
  });
  after(async () => {
    await app.stop();
  });

  test('a path through a reference is enforced on create and update, one and two hops', async () => {
    const eu = await create('site', { region: 'eu' });
    const embargoed = await create('site', { region: 'embargoed' });
    const active = await create('asset', { tag: 'A', status: 'active', site: eu.id });
    const retired = await create('asset', { tag: 'R', status: 'retired' });
    const blocked = await create('asset', { tag: 'B', status: 'active', site: embargoed.id });

    refused(await request('POST', '/api/records/incident', { title: 'x', stage: 'open', asset: retired.id }), 'asset_active');
    refused(await request('POST', '/api/records/incident', { title: 'x', stage: 'open', asset: blocked.id }), 'not_embargoed');
    const incident = await create('incident', { title: 'ok', stage: 'open', asset: active.id });
    // Unknown (no asset) passes, like a CHECK constraint.
    const loose = await create('incident', { title: 'no asset' });
    refused(await request('PATCH', `/api/records/incident/${loose.id}`, { asset: retired.id }), 'asset_active');
    // The update is judged by the NEW reference, not the stored one.
    refused(await request('PATCH', `/api/records/incident/${incident.id}`, { asset: blocked.id }), 'not_embargoed');
    assert.equal((await patch('incident', incident.id, { title: 'still ok' })).asset, active.id);
    // Bulk items go through the same path.
    const bulk = await request('POST', '/api/records/incident/bulk', { records: [{ title: 'b1', asset: active.id }, { title: 'b2', asset: retired.id }] });
    assert.equal(bulk.statusCode, 200, bulk.body);
    assert.deepEqual(bulk.json().results.map((result: { status: number }) => result.status), [201, 422]);
  });

  test('a reverse quantifier: a retired asset cannot have open incidents; the check sees the records as they are now', async () => {
    const asset = await create('asset', { tag: 'Q', status: 'active' });
    const open = await create('incident', { title: 'open one', stage: 'open', asset: asset.id });
    await create('incident', { title: 'closed one', stage: 'closed', asset: asset.id });
    refused(await request('PATCH', `/api/records/asset/${asset.id}`, { status: 'retired' }), 'no_open_incidents');
    await patch('incident', open.id, { stage: 'closed' });
    const retired = await patch('asset', asset.id, { status: 'retired' });
    assert.equal(retired.status, 'retired');
    // CHECK semantics: the incidents' own rule (asset_active) is not re-checked by the asset's change...
    const stale = await request('GET', `/api/records/incident/${open.id}`);
    assert.equal(stale.statusCode, 200, stale.body);
    // ...but their next write is judged against the asset as it is now.
    refused(await request('PATCH', `/api/records/incident/${open.id}`, { title: 'renamed' }), 'asset_active');
  });

  test('a quantifier over a references field judges the listed records', async () => {
    const alice = await create('person', { name: 'alice', active: true });
    const bob = await create('person', { name: 'bob', active: false });
    const carol = await create('person', { name: 'carol' });
    const crew = await create('crew', { name: 'ok', members: [alice.id] });
    await create('crew', { name: 'empty' });
    refused(await request('POST', '/api/records/crew', { name: 'x', members: [alice.id, bob.id] }), 'members_active');
    // every: a member whose `active` is unknown does not count as active.
    refused(await request('POST', '/api/records/crew', { name: 'x', members: [carol.id] }), 'members_active');
    refused(await request('PATCH', `/api/records/crew/${crew.id}`, { members: [bob.id, alice.id] }), 'members_active');
    await patch('person', bob.id, { active: true });
    assert.deepEqual((await patch('crew', crew.id, { members: [bob.id, alice.id] })).members, [bob.id, alice.id]);
  });

  test('the record being written is seen with its new values, also where a path comes back to it', async () => {
    const root = await create('node', { status: 'ok' });
    const child = await create('node', { status: 'bad', parent: root.id });
    refused(await request('POST', '/api/records/node', { status: 'ok', parent: child.id }), 'parent_ok');
    // Its own parent: parent.status is the status being written, not the stored one.
    refused(await request('PATCH', `/api/records/node/${child.id}`, { parent: child.id }), 'parent_ok');
    const self = await patch('node', child.id, { parent: child.id, status: 'ok' });
    assert.equal(self.parent, child.id);
    refused(await request('PATCH', `/api/records/node/${child.id}`, { status: 'bad' }), 'parent_ok');
  });

  test('rules that stay on the record cost no statement; a rule through a reference costs its loads only', async () => {
    const plain = await statementsOf(() => create('plain', { title: 'p', size: 3 }));
    const local = await statementsOf(() => create('note', { title: 'n', size: 3 }));
    assert.equal(local, plain);
    refused(await request('POST', '/api/records/note', { title: 'n', size: 11 }), 'small');
    const site = await create('site', { region: 'us' });
    const asset = await create('asset', { tag: 'S', status: 'active', site: site.id });
    const withoutRules = await statementsOf(() => create('ticket', { title: 'i', asset: asset.id }));
    const relational = await statementsOf(() => create('incident', { title: 'i', asset: asset.id }));
    // The same fields with rules reaching other types: the registry, then one statement per hop level (asset, then site).
    assert.equal(relational, withoutRules + 1 + 2);
  });

  test(`more than ${RELATED_CAP} related records: the rule cannot be checked on write and the write is refused`, async () => {
    const asset = await create('asset', { tag: 'busy', status: 'active' });
    for (let start = 0; start <= RELATED_CAP; start += 1000) {
      const count = Math.min(1000, RELATED_CAP + 1 - start);
      const bulk = await request('POST', '/api/records/incident/bulk', { records: Array.from({ length: count }, (_, i) => ({ title: `i${start + i}`, stage: 'closed', asset: asset.id })) });
      assert.equal(bulk.statusCode, 200, bulk.body);
      assert.ok(bulk.json().results.every((result: { status: number }) => result.status === 201));
    }
    const body = assertProblem(await request('PATCH', `/api/records/asset/${asset.id}`, { status: 'retired' }), 422, 'validation-failed');
    assert.match(JSON.stringify(body.errors), /no_open_incidents cannot be checked on write: more than 1000 related records through incident\.asset/);
  });
});
