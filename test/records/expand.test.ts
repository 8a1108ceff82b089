// `?expand` on the listing and on GET one record, on a real database: the same
// shape from both routes, a fixed number of statements whatever the page size,
// 422 naming every key that is not a relation field, one level deep, and
// what the caller cannot read staying an id: records the row ACL hides
// (PostgreSQL does it) and records of types whose permissions deny `read`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TenantScope, TenantTx } from '../../src/platform/db/tenant-database.ts';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { addMember, type Joined } from '../members/helpers.ts';

const ASSET = { key: 'asset', label: 'Asset', fields: [{ key: 'tag', type: 'text', required: true }] };
const SECRET = { key: 'secret', label: 'Secret', fields: [{ key: 'title', type: 'text' }] };
const LOCKED = { key: 'locked', label: 'Locked', fields: [{ key: 'title', type: 'text' }] };
const THING = {
  key: 'thing',
  label: 'Thing',
  fields: [
    { key: 'title', type: 'text', required: true },
    { key: 'asset', type: 'reference', target: 'asset' },
    { key: 'assets', type: 'references', target: 'asset' },
    { key: 'about', type: 'any_reference', targets: ['asset', 'thing', 'locked'] },
    { key: 'secret', type: 'reference', target: 'secret', on_delete: 'set_null' },
    { key: 'locked', type: 'reference', target: 'locked', on_delete: 'set_null' },
  ],
};

type Row = Record<string, unknown> & { id: string };

describe('records: ?expand on the listing and on GET one record', () => {
  let app: TestApp;
  let owner: SignedUp;
  let creator: Joined;
  let outsider: Joined;

  const request = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, token: string, body?: unknown) =>
    app.request({ method, url, token, ...(body === undefined ? {} : { body }) });

  async function create(token: string, type: string, body: unknown): Promise<Row> {
    const response = await request('POST', `/api/records/${type}`, token, body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }

  async function list(token: string, query: string): Promise<{ data: Row[]; next_cursor: string | null }> {
    const response = await request('GET', `/api/records/thing${query}`, token);
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  }

  /** Counts the statements the records service sends in tenant transactions while `work` runs. */
  async function statementsOf(work: () => Promise<unknown>): Promise<number> {
    const tenant = app.db.tenant;
    const original = tenant.transaction;
    let statements = 0;
    const bound = original.bind(tenant);
    const counting = <T>(scope: TenantScope, run: (tx: TenantTx) => Promise<T>): Promise<T> =>
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
    tenant.transaction = counting;
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
    creator = await addMember(app, owner, 'cliente');
    outsider = await addMember(app, owner, 'cliente');
    for (const type of [ASSET, SECRET, LOCKED, THING]) await defineType(app, owner.token, type);
    const restricted = await request('PUT', '/api/entity-types/secret/permissions', owner.token, { visibility: 'restricted' });
    assert.equal(restricted.statusCode, 200, restricted.body);
    const unreadable = await request('PUT', '/api/entity-types/locked/permissions', owner.token, {
      visibility: 'organisation',
      roles: { cliente: { read: false, create: false, update: false, delete: false } },
    });
    assert.equal(unreadable.statusCode, 200, unreadable.body);
  });
  after(async () => {
    await app.stop();
  });

  test('the listing expands reference, references and any_reference for the whole page, exactly as GET one record does', async () => {
    const a = await create(owner.token, 'asset', { tag: 'A' });
    const b = await create(owner.token, 'asset', { tag: 'B' });
    const first = await create(owner.token, 'thing', { title: 'first', asset: a.id, assets: [b.id, a.id], about: { type: 'asset', id: b.id } });
    const second = await create(owner.token, 'thing', { title: 'second', asset: a.id, about: { type: 'thing', id: first.id } });
    const bare = await create(owner.token, 'thing', { title: 'bare' });

    const page = await list(owner.token, '?expand=asset,assets,about&filter[title]=first');
    assert.deepEqual(page.data.map((r) => r.id), [first.id]);
    const [expanded] = page.data;
    assert.deepEqual(expanded!.asset, a);
    assert.deepEqual(expanded!.assets, [b, a]);
    assert.deepEqual(expanded!.about, b);

    // The same shape as GET one record with the same expand.
    for (const record of [first, second, bare]) {
      const one = await request('GET', `/api/records/thing/${record.id}?expand=asset,assets,about`, owner.token);
      assert.equal(one.statusCode, 200, one.body);
      const listed = (await list(owner.token, `?expand=asset,assets,about&filter[title]=${record.title}`)).data[0];
      assert.deepEqual(listed, one.json());
    }

    // One level deep: the expanded thing keeps its own relation fields as ids; unset fields stay null.
    const again = (await list(owner.token, '?expand=about,assets&filter[title]=second')).data[0]!;
    assert.equal((again.about as Row).id, first.id);
    assert.equal((again.about as Row).asset, a.id);
    assert.deepEqual((again.about as Row).assets, [b.id, a.id]);
    assert.equal(again.assets, null);
    assert.equal(again.asset, a.id, 'a field not named in expand stays an id');
    const plain = (await list(owner.token, '?filter[title]=bare')).data[0]!;
    assert.deepEqual((await list(owner.token, '?expand=asset,assets,about&filter[title]=bare')).data[0], plain);
  });

  test('a fixed number of statements whatever the page size: two more than the plain listing', async () => {
    const org = await signup(app);
    for (const type of [ASSET, SECRET, LOCKED, THING]) await defineType(app, org.token, type);
    const assets: Row[] = [];
    for (let i = 0; i < 12; i += 1) assets.push(await create(org.token, 'asset', { tag: `t${i}` }));
    for (let i = 0; i < 12; i += 1) {
      await create(org.token, 'thing', { title: `x${i}`, asset: assets[i]!.id, assets: [assets[(i + 1) % 12]!.id], about: { type: 'asset', id: assets[(i + 2) % 12]!.id } });
    }
    const expand = '&expand=asset,assets,about';
    const small = await statementsOf(() => list(org.token, `?limit=2${expand}`));
    const large = await statementsOf(() => list(org.token, `?limit=12${expand}`));
    const plain = await statementsOf(() => list(org.token, '?limit=12'));
    assert.equal(small, large, 'statements do not grow with the page');
    assert.equal(large, plain + 2);
    // Pages after the first expand too.
    const firstPage = await list(org.token, `?limit=5${expand}`);
    const nextPage = await list(org.token, `?limit=5${expand}&cursor=${firstPage.next_cursor}`);
    assert.equal(nextPage.data.length, 5);
    for (const record of [...firstPage.data, ...nextPage.data]) {
      assert.equal(typeof (record.asset as Row).tag, 'string');
      assert.equal(typeof (record.about as Row).tag, 'string');
    }
  });

  test('a key that is not a relation field of the type is 422 naming it, on the listing and on GET one record', async () => {
    const thing = await create(owner.token, 'thing', { title: 'bad-expand' });
    for (const url of ['/api/records/thing?expand=asset,title,nope', `/api/records/thing/${thing.id}?expand=asset,title,nope`]) {
      const body = assertProblem(await request('GET', url, owner.token), 422, 'validation-failed');
      const errors = body.errors as { pointer: string; message: string }[];
      assert.deepEqual(errors.map((e) => e.pointer), ['/expand', '/expand']);
      assert.match(errors[0]!.message, /^title /);
      assert.match(errors[1]!.message, /^nope /);
    }
    assertProblem(await request('GET', '/api/records/thing?expand=Asset', owner.token), 422, 'validation-failed');
    assertProblem(await request('GET', '/api/records/thing?expand=asset,', owner.token), 422, 'validation-failed');
  });

  test('records the row ACL hides are not expanded: the id stays', async () => {
    const secret = await create(creator.token, 'secret', { title: 'Hidden' });
    const thing = await create(creator.token, 'thing', { title: 'points-secret', secret: secret.id });
    const seen = (await list(creator.token, '?expand=secret&filter[title]=points-secret')).data[0]!;
    assert.equal((seen.secret as Row).title, 'Hidden');
    const hidden = (await list(outsider.token, '?expand=secret&filter[title]=points-secret')).data[0]!;
    assert.equal(hidden.id, thing.id);
    assert.equal(hidden.secret, secret.id);
    const one = await request('GET', `/api/records/thing/${thing.id}?expand=secret`, outsider.token);
    assert.equal(one.json().secret, secret.id);
    assert.equal(((await list(owner.token, '?expand=secret&filter[title]=points-secret')).data[0]!.secret as Row).title, 'Hidden', 'gestores see everything');
  });

  test('records of a type the caller may not read stay ids; an any_reference keeps its { type, id }', async () => {
    const locked = await create(owner.token, 'locked', { title: 'Classified' });
    const thing = await create(owner.token, 'thing', { title: 'points-locked', locked: locked.id, about: { type: 'locked', id: locked.id } });
    const forCliente = (await list(creator.token, '?expand=locked,about&filter[title]=points-locked')).data[0]!;
    assert.equal(forCliente.locked, locked.id);
    assert.deepEqual(forCliente.about, { type: 'locked', id: locked.id });
    const one = await request('GET', `/api/records/thing/${thing.id}?expand=locked,about`, creator.token);
    assert.deepEqual(one.json(), forCliente);
    const forGestor = (await list(owner.token, '?expand=locked,about&filter[title]=points-locked')).data[0]!;
    assert.deepEqual(forGestor.locked, locked);
    assert.deepEqual(forGestor.about, locked);
  });
});
