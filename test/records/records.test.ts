// Records of custom entity types through the API, on a real database: every
// field type, validation with every error at once, references enforced by the
// database, on_delete, ETags and concurrency, listing, roles and scopes, audit
// and events, isolation, and reading records across type versions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember } from '../members/helpers.ts';
import { defineType } from '../helpers/entities.ts';

const ASSET = { key: 'asset', label: 'Asset', fields: [{ key: 'tag', type: 'text', required: true }] };

const THING = {
  key: 'thing',
  label: 'Thing',
  fields: [
    { key: 'title', type: 'text', required: true, max_length: 20 },
    { key: 'notes', type: 'long_text' },
    { key: 'count', type: 'integer', min: 0, max: 10, default: 3 },
    { key: 'ratio', type: 'decimal' },
    { key: 'done', type: 'boolean' },
    { key: 'due', type: 'date' },
    { key: 'at', type: 'datetime' },
    { key: 'priority', type: 'enum', values: ['p1', 'p2'] },
    { key: 'tags', type: 'multi_enum', values: ['a', 'b'] },
    { key: 'mail', type: 'email' },
    { key: 'site', type: 'url' },
    { key: 'extra', type: 'json' },
    { key: 'assignee', type: 'user' },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
    { key: 'assets', type: 'references', target: 'asset' },
    { key: 'about', type: 'any_reference', targets: ['asset', 'thing'] },
  ],
};

// Workflow system fields (issue #6) are null while the type has no published workflow.
const WORKFLOW_SYSTEM = ['sla_due_at', 'sla_remaining_seconds', 'sla_status', 'state', 'state_category', 'workflow_version'];
const SYSTEM = ['created_at', 'created_by', 'id', 'type', 'updated_at', 'updated_by', 'version', ...WORKFLOW_SYSTEM];

describe('records', () => {
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

  const define = (owner: { token: string }, body: unknown) => defineType(app, owner.token, body);

  /** An organisation with the asset and thing types. */
  async function organisation(): Promise<SignedUp> {
    const owner = await signup(app);
    await define(owner, ASSET);
    await define(owner, THING);
    return owner;
  }

  async function create(token: string, type: string, body: unknown) {
    const response = await app.request({ method: 'POST', url: `/api/records/${type}`, token, body });
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }

  async function read(token: string, type: string, id: string) {
    return app.request({ method: 'GET', url: `/api/records/${type}/${id}`, token });
  }

  async function apiKey(owner: SignedUp, escopo: string): Promise<string> {
    const response = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: escopo, escopo } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json().secret;
  }

  test('a record with a value of every field type is created, read back with its ETag, audited and emitted', async () => {
    const owner = await organisation();
    const member = await addMember(app, owner, 'cliente');
    const asset = await create(owner.token, 'asset', { tag: 'A-1' });
    const asset2 = await create(owner.token, 'asset', { tag: 'A-2' });
    const values = {
      title: 'Printer',
      notes: 'on fire',
      ratio: 0.25,
      done: false,
      due: '2026-12-31',
      at: '2026-05-01T12:00:00Z',
      priority: 'p1',
      tags: ['b', 'a'],
      mail: 'ops@example.com',
      site: 'https://example.com/printer',
      extra: { any: ['json', 1, null] },
      assignee: member.userId,
      asset: asset.id,
      assets: [asset2.id, asset.id],
      about: { type: 'asset', id: asset2.id },
    };
    const response = await app.request({ method: 'POST', url: '/api/records/thing', token: owner.token, body: values });
    assert.equal(response.statusCode, 201, response.body);
    const created = response.json();
    assert.equal(response.headers.etag, '"1"');
    assert.deepEqual(Object.keys(created).sort(), [...SYSTEM, ...THING.fields.map((f) => f.key)].sort());
    assert.deepEqual({ ...created, id: undefined, created_at: undefined, updated_at: undefined }, {
      ...values,
      count: 3,
      id: undefined,
      type: 'thing',
      version: 1,
      created_at: undefined,
      updated_at: undefined,
      created_by: owner.userId,
      updated_by: owner.userId,
      ...Object.fromEntries(WORKFLOW_SYSTEM.map((key) => [key, null])),
    });
    assert.match(created.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);

    const got = await read(owner.token, 'thing', created.id);
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers.etag, '"1"');
    assert.deepEqual(got.json(), created);

    const audit = await admin.audit(owner.tenantId, 'record.created', created.id);
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]?.after, created);
    assert.equal(audit[0]?.before, null);
    const events = await admin.events(owner.tenantId, 'record.created', created.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]?.payload.record, created);
    const links = await admin.query('select field_key, to_id, position from record_links where tenant_id = $1 and from_id = $2 order by field_key, position', [owner.tenantId, created.id]);
    assert.deepEqual(links.rows, [
      { field_key: 'about', to_id: asset2.id, position: 0 },
      { field_key: 'asset', to_id: asset.id, position: 0 },
      { field_key: 'assets', to_id: asset2.id, position: 0 },
      { field_key: 'assets', to_id: asset.id, position: 1 },
    ]);
  });

  test('every problem is reported at once: unknown, wrong type, required, enum, missing and mistyped references, non-members', async () => {
    const owner = await organisation();
    const asset = await create(owner.token, 'asset', { tag: 'A' });
    const thing = await create(owner.token, 'thing', { title: 'T' });
    const nowhere = '01937f5e-7c1a-7000-8000-00000000dead';
    const response = await app.request({
      method: 'POST',
      url: '/api/records/thing',
      token: owner.token,
      body: { colour: 'red', count: 'three', priority: 'p9', tags: ['z'], assignee: nowhere, asset: thing.id, assets: [asset.id, nowhere], about: { type: 'thing', id: asset.id } },
    });
    const problem = assertProblem(response, 422, 'validation-failed');
    const errors = problem.errors as { pointer: string; message: string }[];
    assert.deepEqual([...new Set(errors.map((e) => e.pointer))].sort(), ['/about', '/asset', '/assets', '/assignee', '/colour', '/count', '/priority', '/tags', '/title']);
    assert.match(errors.find((e) => e.pointer === '/asset')?.message ?? '', /is a thing record, not asset/);
    assert.match(errors.find((e) => e.pointer === '/assets')?.message ?? '', /no asset record .*dead in this organisation/);
    assert.match(errors.find((e) => e.pointer === '/assignee')?.message ?? '', /not a member/);
    const count = await admin.query('select count(*)::int as n from records where tenant_id = $1', [owner.tenantId]);
    assert.equal(count.rows[0]?.n, 2, 'nothing was created');

    const notObject = await app.request({ method: 'POST', url: '/api/records/thing', token: owner.token, body: [1] });
    assertProblem(notObject, 422, 'validation-failed');
    const unknownType = await app.request({ method: 'POST', url: '/api/records/nothing', token: owner.token, body: {} });
    assertProblem(unknownType, 404, 'not-found');
  });

  test("a reference to another organisation's record is 422, and the database itself refuses the link", async () => {
    const a = await organisation();
    const b = await organisation();
    const foreign = await create(b.token, 'asset', { tag: 'B' });
    const response = await app.request({ method: 'POST', url: '/api/records/thing', token: a.token, body: { title: 'T', asset: foreign.id } });
    const problem = assertProblem(response, 422, 'validation-failed');
    assert.deepEqual((problem.errors as { pointer: string }[]).map((e) => e.pointer), ['/asset']);

    // Below the service: as the runtime role, inside A, a link to B's record fails its foreign key.
    const mine = await create(a.token, 'thing', { title: 'T' });
    await assert.rejects(
      app.db.tenant.query(
        { tenantId: a.tenantId, userId: null },
        `insert into record_links (tenant_id, from_id, field_key, to_id, position) values ($1, $2, 'asset', $3, 0)`,
        [a.tenantId, mine.id, foreign.id],
      ),
      (error: { code?: string; constraint?: string }) => error.code === '23503' && error.constraint === 'record_links_to_fkey',
    );
    // And a row claiming B's tenant is refused by RLS.
    await assert.rejects(
      app.db.tenant.query(
        { tenantId: a.tenantId, userId: null },
        `insert into record_links (tenant_id, from_id, field_key, to_id, position) values ($1, $2, 'asset', $2, 0)`,
        [b.tenantId, foreign.id],
      ),
      (error: { code?: string }) => error.code === '42501',
    );
  });

  test('a record deleted while a reference to it is being written: the foreign key refuses it, 422 naming the field', async () => {
    const owner = await organisation();
    const asset = await create(owner.token, 'asset', { tag: 'A' });
    // Another session deletes the asset and holds its transaction open; the
    // service's own check still sees the asset, its link insert waits on the row.
    const other = new pg.Client({ connectionString: app.database.adminUrl });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('delete from records where tenant_id = $1 and id = $2', [owner.tenantId, asset.id]);
      const pending = app.request({ method: 'POST', url: '/api/records/thing', token: owner.token, body: { title: 'T', asset: asset.id } });
      for (;;) {
        const waiting = await admin.query(`select 1 from pg_stat_activity where datname = current_database() and application_name = 'tessera' and wait_event_type = 'Lock'`);
        if (waiting.rows.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await other.query('commit');
      const problem = assertProblem(await pending, 422, 'validation-failed');
      assert.deepEqual(problem.errors, [{ pointer: '/asset', message: 'references a record that does not exist in this organisation' }]);
    } finally {
      await other.end();
    }
    const count = await admin.query('select count(*)::int as n from records where tenant_id = $1', [owner.tenantId]);
    assert.equal(count.rows[0]?.n, 0);
  });

  test("another organisation's record ids answer 404 on every record route, and so does a record of another type", async () => {
    const a = await organisation();
    const b = await organisation();
    const theirs = await create(b.token, 'asset', { tag: 'B' });
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const response = await app.request({ method, url: `/api/records/asset/${theirs.id}`, token: a.token, ...(method === 'PATCH' ? { body: { tag: 'x' } } : {}) });
      assertProblem(response, 404, 'not-found');
    }
    const list = await app.request({ method: 'GET', url: '/api/records/asset', token: a.token });
    assert.deepEqual(list.json().data, []);
    const stillThere = await read(b.token, 'asset', theirs.id);
    assert.equal(stillThere.json().tag, 'B');

    const mine = await create(a.token, 'asset', { tag: 'A' });
    assertProblem(await read(a.token, 'thing', mine.id), 404, 'not-found');
    assertProblem(await app.request({ method: 'DELETE', url: `/api/records/thing/${mine.id}`, token: a.token }), 404, 'not-found');
    assertProblem(await app.request({ method: 'GET', url: '/api/records/nothing/' + mine.id, token: a.token }), 404, 'not-found');
  });

  test('PATCH merges, null clears, the merged record is validated, and the audit keeps before and after', async () => {
    const owner = await organisation();
    const created = await create(owner.token, 'thing', { title: 'T', priority: 'p1', notes: 'n' });
    const patched = await app.request({ method: 'PATCH', url: `/api/records/thing/${created.id}`, token: owner.token, body: { priority: 'p2', notes: null } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.headers.etag, '"2"');
    const body = patched.json();
    assert.equal(body.version, 2);
    assert.equal(body.priority, 'p2');
    assert.equal(body.notes, null);
    assert.equal(body.title, 'T');
    const stored = await admin.query('select data from records where id = $1', [created.id]);
    assert.equal(Object.hasOwn(stored.rows[0]?.data, 'notes'), false, 'a cleared field is absent from data');

    const bad = await app.request({ method: 'PATCH', url: `/api/records/thing/${created.id}`, token: owner.token, body: { title: null, count: 99, nope: 1 } });
    const problem = assertProblem(bad, 422, 'validation-failed');
    assert.deepEqual((problem.errors as { pointer: string }[]).map((e) => e.pointer).sort(), ['/count', '/nope', '/title']);

    const audit = await admin.audit(owner.tenantId, 'record.updated', created.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.before?.priority, 'p1');
    assert.equal(audit[0]?.after?.priority, 'p2');
    assert.equal((await admin.events(owner.tenantId, 'record.updated', created.id)).length, 1);
  });

  test('If-Match: the current ETag updates, a stale one is 412 and changes nothing', async () => {
    const owner = await organisation();
    const created = await create(owner.token, 'asset', { tag: 'A' });
    const first = await app.request({ method: 'PATCH', url: `/api/records/asset/${created.id}`, token: owner.token, body: { tag: 'B' }, headers: { 'if-match': '"1"' } });
    assert.equal(first.statusCode, 200, first.body);
    const stale = await app.request({ method: 'PATCH', url: `/api/records/asset/${created.id}`, token: owner.token, body: { tag: 'C' }, headers: { 'if-match': '"1"' } });
    const problem = assertProblem(stale, 412, 'record-version-mismatch');
    assert.equal(problem.current_version, 2);
    assert.equal((await read(owner.token, 'asset', created.id)).json().tag, 'B');
    const staleDelete = await app.request({ method: 'DELETE', url: `/api/records/asset/${created.id}`, token: owner.token, headers: { 'if-match': '"1"' } });
    assertProblem(staleDelete, 412, 'record-version-mismatch');
    const deleted = await app.request({ method: 'DELETE', url: `/api/records/asset/${created.id}`, token: owner.token, headers: { 'if-match': '"2"' } });
    assert.equal(deleted.statusCode, 204);
  });

  test('two concurrent PATCHes with the same If-Match: one succeeds, the other is 412', async () => {
    const owner = await organisation();
    const created = await create(owner.token, 'asset', { tag: 'A' });
    const patch = (tag: string) =>
      app.request({ method: 'PATCH', url: `/api/records/asset/${created.id}`, token: owner.token, body: { tag }, headers: { 'if-match': '"1"' } });
    const responses = await Promise.all([patch('X'), patch('Y')]);
    assert.deepEqual(responses.map((r) => r.statusCode).sort(), [200, 412]);
    const winner = responses.find((r) => r.statusCode === 200)?.json();
    const now = (await read(owner.token, 'asset', created.id)).json();
    assert.equal(now.version, 2);
    assert.equal(now.tag, winner.tag);
  });

  test('DELETE applies on_delete: restrict names the blockers, cascade deletes, set_null clears', async () => {
    const owner = await organisation();
    await define(owner, {
      key: 'part',
      label: 'Part',
      fields: [
        { key: 'name', type: 'text' },
        { key: 'holder', type: 'reference', target: 'asset', on_delete: 'cascade' },
        { key: 'spare_for', type: 'reference', target: 'asset', on_delete: 'set_null' },
        { key: 'fits', type: 'references', target: 'asset' },
      ],
    });
    const asset = await create(owner.token, 'asset', { tag: 'A' });
    const other = await create(owner.token, 'asset', { tag: 'B' });
    const blocker = await create(owner.token, 'thing', { title: 'T', asset: asset.id });

    const refused = await app.request({ method: 'DELETE', url: `/api/records/asset/${asset.id}`, token: owner.token });
    const problem = assertProblem(refused, 409, 'record-in-use');
    assert.deepEqual(problem.blockers, [{ type: 'thing', id: blocker.id, field: 'asset' }]);
    assert.equal((await read(owner.token, 'asset', asset.id)).statusCode, 200);

    const held = await create(owner.token, 'part', { name: 'held', holder: asset.id });
    const spare = await create(owner.token, 'part', { name: 'spare', spare_for: asset.id, fits: [other.id, asset.id] });
    // Clearing the restricting reference lifts the block.
    const unblocked = await app.request({ method: 'PATCH', url: `/api/records/thing/${blocker.id}`, token: owner.token, body: { asset: null } });
    assert.equal(unblocked.statusCode, 200, unblocked.body);

    const deleted = await app.request({ method: 'DELETE', url: `/api/records/asset/${asset.id}`, token: owner.token });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assertProblem(await read(owner.token, 'asset', asset.id), 404, 'not-found');
    assertProblem(await read(owner.token, 'part', held.id), 404, 'not-found');
    const cleared = (await read(owner.token, 'part', spare.id)).json();
    assert.equal(cleared.spare_for, null);
    assert.deepEqual(cleared.fits, [other.id]);
    assert.equal(cleared.version, 2);
    assert.equal((await read(owner.token, 'thing', blocker.id)).statusCode, 200);

    assert.equal((await admin.audit(owner.tenantId, 'record.deleted', asset.id)).length, 1);
    const cascadedEvent = await admin.events(owner.tenantId, 'record.deleted', held.id);
    assert.equal(cascadedEvent[0]?.payload.cascaded_from, asset.id);
    assert.equal((await admin.audit(owner.tenantId, 'record.updated', spare.id)).length, 1);
    const links = await admin.query('select to_id from record_links where tenant_id = $1 and to_id = $2', [owner.tenantId, asset.id]);
    assert.deepEqual(links.rows, []);
  });

  test('a cascade chain that reaches a restrict is refused whole', async () => {
    const owner = await organisation();
    await define(owner, { key: 'part', label: 'Part', fields: [{ key: 'holder', type: 'reference', target: 'asset', on_delete: 'cascade' }] });
    await define(owner, { key: 'note', label: 'Note', fields: [{ key: 'part', type: 'reference', target: 'part', on_delete: 'restrict' }] });
    const asset = await create(owner.token, 'asset', { tag: 'A' });
    const part = await create(owner.token, 'part', { holder: asset.id });
    const note = await create(owner.token, 'note', { part: part.id });
    const refused = await app.request({ method: 'DELETE', url: `/api/records/asset/${asset.id}`, token: owner.token });
    assert.deepEqual(assertProblem(refused, 409, 'record-in-use').blockers, [{ type: 'note', id: note.id, field: 'part' }]);
    assert.equal((await read(owner.token, 'part', part.id)).statusCode, 200, 'nothing was deleted');
    await app.request({ method: 'DELETE', url: `/api/records/note/${note.id}`, token: owner.token });
    assert.equal((await app.request({ method: 'DELETE', url: `/api/records/asset/${asset.id}`, token: owner.token })).statusCode, 204);
    assertProblem(await read(owner.token, 'part', part.id), 404, 'not-found');
  });

  test('cascades follow cycles and self-references to the end; a hidden reference field is cleared', async () => {
    const owner = await organisation();
    await define(owner, { key: 'node', label: 'Node', fields: [{ key: 'next', type: 'reference', target: 'node', on_delete: 'cascade' }, { key: 'old', type: 'reference', target: 'asset', on_delete: 'restrict' }] });
    const asset = await create(owner.token, 'asset', { tag: 'A' });
    const first = await create(owner.token, 'node', { old: asset.id });
    const second = await create(owner.token, 'node', { next: first.id });
    const patched = await app.request({ method: 'PATCH', url: `/api/records/node/${first.id}`, token: owner.token, body: { next: second.id } });
    assert.equal(patched.statusCode, 200, patched.body);
    const self = await create(owner.token, 'node', {});
    assert.equal((await app.request({ method: 'PATCH', url: `/api/records/node/${self.id}`, token: owner.token, body: { next: self.id } })).statusCode, 200);
    assert.equal((await app.request({ method: 'DELETE', url: `/api/records/node/${self.id}`, token: owner.token })).statusCode, 204);

    // "old" leaves the type: its restrict no longer applies, and deleting the asset clears the stored value.
    const changed = await app.request({ method: 'PATCH', url: '/api/entity-types/node', token: owner.token, body: { fields: [{ key: 'next', type: 'reference', target: 'node', on_delete: 'cascade' }] } });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await app.request({ method: 'DELETE', url: `/api/records/asset/${asset.id}`, token: owner.token })).statusCode, 204);
    const stored = await admin.query('select data from records where id = $1', [first.id]);
    assert.deepEqual(stored.rows[0]?.data, { next: second.id });

    assert.equal((await app.request({ method: 'DELETE', url: `/api/records/node/${second.id}`, token: owner.token })).statusCode, 204);
    assertProblem(await read(owner.token, 'node', first.id), 404, 'not-found');
    const left = await admin.query('select count(*)::int as n from records where tenant_id = $1 and type_key = $2', [owner.tenantId, 'node']);
    assert.equal(left.rows[0]?.n, 0);
  });

  test('?expand includes referenced records inline', async () => {
    const owner = await organisation();
    const asset = await create(owner.token, 'asset', { tag: 'A' });
    const asset2 = await create(owner.token, 'asset', { tag: 'B' });
    const thing = await create(owner.token, 'thing', { title: 'T', asset: asset.id, assets: [asset2.id, asset.id], about: { type: 'asset', id: asset2.id } });
    const response = await app.request({ method: 'GET', url: `/api/records/thing/${thing.id}?expand=asset,assets,about`, token: owner.token });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.deepEqual(body.asset, asset);
    assert.deepEqual(body.assets, [asset2, asset]);
    assert.deepEqual(body.about, asset2);
    const bad = await app.request({ method: 'GET', url: `/api/records/thing/${thing.id}?expand=title,nope`, token: owner.token });
    assert.equal(assertProblem(bad, 422, 'validation-failed').errors?.constructor, Array);
  });

  test('listing: keyset pages in id order, sorts, filters, and bad cursors or limits are 422', async () => {
    const owner = await organisation();
    const made = [];
    for (let i = 0; i < 7; i += 1) made.push(await create(owner.token, 'thing', { title: `t${i}`, priority: i % 2 === 0 ? 'p1' : 'p2', tags: i < 3 ? ['a'] : ['b'], count: i }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/records/thing?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await app.request({ method: 'GET', url, token: owner.token });
      assert.equal(response.statusCode, 200, response.body);
      const page = response.json();
      seen.push(...page.data.map((r: { id: string }) => r.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, made.map((r) => r.id));

    const descending = await app.request({ method: 'GET', url: '/api/records/thing?sort=-created_at&limit=4', token: owner.token });
    const firstPage = descending.json();
    const second = await app.request({ method: 'GET', url: `/api/records/thing?sort=-created_at&limit=4&cursor=${firstPage.next_cursor}`, token: owner.token });
    assert.deepEqual([...firstPage.data, ...second.json().data].map((r: { id: string }) => r.id), made.map((r) => r.id).reverse());
    assert.equal(second.json().next_cursor, null);

    await app.request({ method: 'PATCH', url: `/api/records/thing/${made[0].id}`, token: owner.token, body: { notes: 'touched' } });
    const byUpdate = await app.request({ method: 'GET', url: '/api/records/thing?sort=-updated_at&limit=1', token: owner.token });
    assert.equal(byUpdate.json().data[0].id, made[0].id);

    const filtered = await app.request({ method: 'GET', url: '/api/records/thing?filter[priority]=p2&filter[tags]=b', token: owner.token });
    assert.deepEqual(filtered.json().data.map((r: { title: string }) => r.title), ['t3', 't5']);
    const byNumber = await app.request({ method: 'GET', url: '/api/records/thing?filter%5Bcount%5D=4', token: owner.token });
    assert.deepEqual(byNumber.json().data.map((r: { title: string }) => r.title), ['t4']);

    assertProblem(await app.request({ method: 'GET', url: '/api/records/thing?cursor=garbage!', token: owner.token }), 422, 'validation-failed');
    const otherSort = await app.request({ method: 'GET', url: `/api/records/thing?cursor=${firstPage.next_cursor}`, token: owner.token });
    assertProblem(otherSort, 422, 'validation-failed');
    assertProblem(await app.request({ method: 'GET', url: '/api/records/thing?limit=201', token: owner.token }), 422, 'validation-failed');
    assertProblem(await app.request({ method: 'GET', url: '/api/records/thing?sort=title', token: owner.token }), 422, 'validation-failed');
    assertProblem(await app.request({ method: 'GET', url: '/api/records/thing?filter[nope]=1&filter[count]=x', token: owner.token }), 422, 'validation-failed');
    assertProblem(await app.request({ method: 'GET', url: '/api/records/thing?colour=red', token: owner.token }), 422, 'validation-failed');
    assertProblem(await app.request({ method: 'GET', url: '/api/records/nothing', token: owner.token }), 404, 'not-found');
  });

  test('roles and scopes: members and agentes/read-write keys write; read-only keys only read; proxy keys nothing', async () => {
    const owner = await organisation();
    const cliente = await addMember(app, owner, 'cliente');
    const byCliente = await create(cliente.token, 'asset', { tag: 'C' });
    assert.equal(byCliente.created_by, cliente.userId);
    for (const escopo of ['agentes', 'read-write']) {
      const key = await apiKey(owner, escopo);
      const made = await create(key, 'asset', { tag: escopo });
      assert.equal(made.created_by, null);
      assert.equal((await app.request({ method: 'PATCH', url: `/api/records/asset/${made.id}`, token: key, body: { tag: 'x' } })).statusCode, 200);
      assert.equal((await app.request({ method: 'DELETE', url: `/api/records/asset/${made.id}`, token: key })).statusCode, 204);
    }
    const readOnly = await apiKey(owner, 'read-only');
    assert.equal((await read(readOnly, 'asset', byCliente.id)).statusCode, 200);
    assert.equal((await app.request({ method: 'GET', url: '/api/records/asset', token: readOnly })).statusCode, 200);
    assertProblem(await app.request({ method: 'POST', url: '/api/records/asset', token: readOnly, body: { tag: 'x' } }), 403, 'scope-not-allowed');
    assertProblem(await app.request({ method: 'PATCH', url: `/api/records/asset/${byCliente.id}`, token: readOnly, body: { tag: 'x' } }), 403, 'scope-not-allowed');
    assertProblem(await app.request({ method: 'DELETE', url: `/api/records/asset/${byCliente.id}`, token: readOnly }), 403, 'scope-not-allowed');
    const proxy = await apiKey(owner, 'proxy-ollama');
    assertProblem(await read(proxy, 'asset', byCliente.id), 403, 'scope-not-allowed');
    assertProblem(await app.request({ method: 'GET', url: `/api/records/asset/${byCliente.id}` }), 401, 'unauthenticated');
    const audit = await admin.audit(owner.tenantId, 'record.created');
    assert.ok(audit.some((entry) => entry.actor_type === 'api_key'));
  });

  test('type versions: a new field reads as null on old records; a removed field stays stored and reappears on rollback', async () => {
    const owner = await organisation();
    const old = await create(owner.token, 'asset', { tag: 'A' });
    const added = await app.request({ method: 'POST', url: '/api/entity-types/asset/fields', token: owner.token, body: { key: 'colour', type: 'text' } });
    assert.equal(added.statusCode, 201, added.body);
    const readOld = (await read(owner.token, 'asset', old.id)).json();
    assert.equal(readOld.colour, null);
    assert.equal(readOld.version, 1);
    const coloured = await create(owner.token, 'asset', { tag: 'B', colour: 'red' });
    const typeVersion = await admin.query('select type_version from records where id = $1', [coloured.id]);
    assert.equal(typeVersion.rows[0]?.type_version, 2);

    // Version 3 drops colour: the value is hidden, not deleted; writing the record keeps it.
    const removed = await app.request({ method: 'PATCH', url: '/api/entity-types/asset', token: owner.token, body: { fields: ASSET.fields } });
    assert.equal(removed.statusCode, 200, removed.body);
    const hidden = (await read(owner.token, 'asset', coloured.id)).json();
    assert.equal(Object.hasOwn(hidden, 'colour'), false);
    const refused = await app.request({ method: 'PATCH', url: `/api/records/asset/${coloured.id}`, token: owner.token, body: { colour: 'blue' } });
    assert.deepEqual((assertProblem(refused, 422, 'validation-failed').errors as { pointer: string }[]).map((e) => e.pointer), ['/colour']);
    const patched = await app.request({ method: 'PATCH', url: `/api/records/asset/${coloured.id}`, token: owner.token, body: { tag: 'B2' } });
    assert.equal(patched.statusCode, 200, patched.body);
    const stored = await admin.query('select data, type_version from records where id = $1', [coloured.id]);
    assert.deepEqual(stored.rows[0], { data: { tag: 'B2', colour: 'red' }, type_version: 3 });

    const rolledBack = await app.request({ method: 'POST', url: '/api/entity-types/asset/rollback', token: owner.token, body: { to_version: 2 } });
    assert.equal(rolledBack.statusCode, 200, rolledBack.body);
    const back = (await read(owner.token, 'asset', coloured.id)).json();
    assert.equal(back.colour, 'red');
    assert.equal(back.tag, 'B2');
  });

  test('the record routes are in the OpenAPI description, filters and ETag statuses included', async () => {
    const response = await app.request({ method: 'GET', url: '/docs/json' });
    assert.equal(response.statusCode, 200);
    const paths = response.json().paths;
    assert.deepEqual(Object.keys(paths).filter((path) => path.startsWith('/api/records')).sort(), [
      '/api/records/{type}',
      '/api/records/{type}/bulk',
      '/api/records/{type}/{id}',
      '/api/records/{type}/{id}/access',
      '/api/records/{type}/{id}/access/{share_id}',
      '/api/records/{type}/{id}/history',
      '/api/records/{type}/{id}/transitions',
      '/api/records/{type}/{id}/transitions/{key}',
    ]);
    assert.ok(paths['/api/records/{type}/{id}'].patch.responses['412']);
    assert.ok(paths['/api/records/{type}/{id}'].delete.responses['409']);
    assert.deepEqual(paths['/api/records/{type}'].get.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name).sort(), ['cursor', 'expand', 'limit', 'sort']);
  });

  test('bulk: valid items are created in one transaction, invalid ones reported by index', async () => {
    const owner = await organisation();
    const asset = await create(owner.token, 'asset', { tag: 'A' });
    const items = [
      { title: 'one', asset: asset.id },
      { title: 'two', priority: 'p9' },
      { nope: 1 },
      { title: 'four', asset: '01937f5e-7c1a-7000-8000-00000000dead' },
      { title: 'five', tags: ['a'] },
    ];
    const response = await app.request({ method: 'POST', url: '/api/records/thing/bulk', token: owner.token, body: { records: items } });
    assert.equal(response.statusCode, 200, response.body);
    const { results } = response.json();
    assert.deepEqual(results.map((r: { index: number; status: number }) => [r.index, r.status]), [[0, 201], [1, 422], [2, 422], [3, 422], [4, 201]]);
    assert.deepEqual(results[1].errors, [{ pointer: '/priority', message: 'must be one of: p1, p2' }]);
    assert.deepEqual(results[2].errors.map((e: { pointer: string }) => e.pointer).sort(), ['/nope', '/title']);
    assert.deepEqual(results[3].errors.map((e: { pointer: string }) => e.pointer), ['/asset']);
    const first = (await read(owner.token, 'thing', results[0].id)).json();
    assert.equal(first.asset, asset.id);
    assert.equal(first.count, 3);
    const list = await app.request({ method: 'GET', url: '/api/records/thing', token: owner.token });
    assert.deepEqual(list.json().data.map((r: { title: string }) => r.title), ['one', 'five']);
    assert.equal((await admin.audit(owner.tenantId, 'record.created')).length, 3);
    const deleting = await app.request({ method: 'DELETE', url: `/api/records/asset/${asset.id}`, token: owner.token });
    assertProblem(deleting, 409, 'record-in-use');

    const tooMany = await app.request({ method: 'POST', url: '/api/records/thing/bulk', token: owner.token, body: { records: Array.from({ length: 1001 }, () => ({ title: 'x' })) } });
    assertProblem(tooMany, 422, 'validation-failed');
  });
});

describe('records and type-level rules', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.stop();
  });

  test('a record that makes a rule false is 422 with the rule\'s message; true or unknown passes', async () => {
    const owner = await signup(app);
    const type = await app.request({
      method: 'POST',
      url: '/api/entity-types',
      token: owner.token,
      body: {
        key: 'ticket',
        label: 'Ticket',
        fields: [
          { key: 'opened_at', type: 'datetime' },
          { key: 'closed_at', type: 'datetime' },
        ],
        rules: [{ key: 'closed_after_opened', message: 'closed_at must not precede opened_at', condition: { field: 'closed_at', op: 'gte', value: { field: 'opened_at' } } }],
      },
    });
    assert.equal(type.statusCode, 201, type.body);
    const create = (body: Record<string, unknown>) => app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body });
    const bad = await create({ opened_at: '2026-01-02T10:00:00Z', closed_at: '2026-01-01T10:00:00Z' });
    assertProblem(bad, 422, 'validation-failed');
    assert.match(JSON.stringify(bad.json().errors), /closed_at must not precede opened_at/);
    assert.equal((await create({ opened_at: '2026-01-01T10:00:00Z', closed_at: '2026-01-02T10:00:00Z' })).statusCode, 201);
    assert.equal((await create({ opened_at: '2026-01-01T10:00:00Z' })).statusCode, 201, 'an unknown (null) rule passes, like a CHECK constraint');
  });
});
