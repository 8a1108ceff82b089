// Per-type permissions through the HTTP API on a real database: defaults,
// replacement, validation, who may call, audit, and type keys of another
// organisation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API_KEY_SCOPE_NAMES } from '../../src/api-keys/index.ts';
import { CONFIGURABLE_ROLES, CONFIGURABLE_SCOPES, loadStoredPermissions } from '../../src/permissions/index.ts';
import { PermissionsSchema, PutPermissionsBody } from '../../src/permissions/permissions.schemas.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember, createApiKey, type Joined } from '../members/helpers.ts';

const ALL = { read: true, create: true, update: true, delete: true };
const NONE = { read: false, create: false, update: false, delete: false };
const READ = { read: true, create: false, update: false, delete: false };
const DEFAULTS = {
  visibility: 'organisation',
  roles: { cliente: ALL },
  scopes: { agentes: ALL, 'read-only': READ, 'read-write': ALL, 'proxy-ollama': NONE },
};

describe('entity type permissions', () => {
  let app: TestApp;
  let admin: AdminDb;
  let owner: SignedUp;
  let cliente: Joined;
  let other: SignedUp;
  let apiKey: string;
  let types = 0;

  async function createType(by: SignedUp = owner): Promise<string> {
    const key = `perm_type_${++types}`;
    const response = await app.request({ method: 'POST', url: '/api/entity-types', token: by.token, body: { key, label: 'T', fields: [{ key: 'title', type: 'text' }] } });
    assert.equal(response.statusCode, 201, response.body);
    return key;
  }
  const url = (key: string) => `/api/entity-types/${key}/permissions`;

  before(async () => {
    app = await startTestApp();
    admin = await AdminDb.connect(app);
    owner = await signup(app);
    cliente = await addMember(app, owner, 'cliente');
    other = await signup(app);
    apiKey = await createApiKey(app, owner);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  test('every API key scope is configurable', () => {
    assert.deepEqual([...CONFIGURABLE_SCOPES].sort(), [...API_KEY_SCOPE_NAMES].sort());
    // The schemas spell the keys out; they must match the core lists.
    for (const schema of [PutPermissionsBody.properties.roles, PermissionsSchema.properties.roles]) {
      assert.deepEqual(Object.keys(schema.properties).sort(), [...CONFIGURABLE_ROLES].sort());
    }
    for (const schema of [PutPermissionsBody.properties.scopes, PermissionsSchema.properties.scopes]) {
      assert.deepEqual(Object.keys(schema.properties).sort(), [...CONFIGURABLE_SCOPES].sort());
    }
  });

  test('GET answers the documented defaults when nothing is stored', async () => {
    const key = await createType();
    const response = await app.request({ method: 'GET', url: url(key), token: owner.token });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), DEFAULTS);
  });

  test('PUT stores, answers the effective permissions, and is audited with an event', async () => {
    const key = await createType();
    const body = { visibility: 'restricted', roles: { cliente: READ }, scopes: { agentes: { ...READ, create: true }, 'read-write': NONE } };
    const response = await app.request({ method: 'PUT', url: url(key), token: owner.token, body });
    assert.equal(response.statusCode, 200, response.body);
    const expected = {
      visibility: 'restricted',
      roles: { cliente: READ },
      scopes: { agentes: { ...READ, create: true }, 'read-only': READ, 'read-write': NONE, 'proxy-ollama': NONE },
    };
    assert.deepEqual(response.json(), expected);
    const read = await app.request({ method: 'GET', url: url(key), token: owner.token });
    assert.deepEqual(read.json(), expected);

    const audit = await admin.audit(owner.tenantId, 'entity_type.permissions_changed', key);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor_id, owner.userId);
    assert.deepEqual(audit[0]?.before, DEFAULTS);
    assert.deepEqual(audit[0]?.after, expected);
    assert.equal((await admin.events(owner.tenantId, 'entity_type.permissions_changed', key)).length, 1);

    const rows = await admin.query('select principal_kind, principal, updated_by from entity_type_permissions p join entity_type_access a using (tenant_id, type_key) where p.type_key = $1 and p.tenant_id = $2 order by 2', [key, owner.tenantId]);
    assert.deepEqual(rows.rows.map((row) => row.principal), ['agentes', 'cliente', 'read-write']);
    assert.equal(rows.rows[0]?.updated_by, owner.userId);
  });

  test('PUT replaces the whole set: principals left out go back to their defaults', async () => {
    const key = await createType();
    await app.request({ method: 'PUT', url: url(key), token: owner.token, body: { visibility: 'restricted', roles: { cliente: NONE }, scopes: { agentes: NONE } } });
    const response = await app.request({ method: 'PUT', url: url(key), token: owner.token, body: { visibility: 'organisation', scopes: { 'read-only': NONE } } });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { ...DEFAULTS, scopes: { ...DEFAULTS.scopes, 'read-only': NONE } });
    // The GET answer can be sent back as it is.
    const roundTrip = await app.request({ method: 'PUT', url: url(key), token: owner.token, body: response.json() });
    assert.equal(roundTrip.statusCode, 200, roundTrip.body);
    assert.deepEqual(roundTrip.json(), response.json());
  });

  test('invalid bodies are 422 naming each field', async () => {
    const key = await createType();
    const cases: [unknown, string[]][] = [
      [{ roles: { gestor: ALL, admin: ALL }, scopes: { root: ALL } }, ['/roles/admin', '/roles/gestor', '/scopes/root', '/visibility']],
      [{ visibility: 'secret' }, ['/visibility']],
      [{ visibility: 'organisation', roles: { cliente: { read: true } } }, ['/roles/cliente/create', '/roles/cliente/delete', '/roles/cliente/update']],
      [{ visibility: 'organisation', roles: { cliente: { ...ALL, read: 'yes', share: true } } }, ['/roles/cliente/read', '/roles/cliente/share']],
      [
        { visibility: 'organisation', scopes: { 'read-only': { read: true, create: true, update: true, delete: false }, 'proxy-ollama': { ...NONE, read: true } } },
        ['/scopes/proxy-ollama/read', '/scopes/read-only/create', '/scopes/read-only/update'],
      ],
    ];
    for (const [body, pointers] of cases) {
      const response = await app.request({ method: 'PUT', url: url(key), token: owner.token, body });
      assert.equal(response.statusCode, 422, `${JSON.stringify(body)}: ${response.body}`);
      assert.equal(response.json().type, '/problems/validation-failed');
      const found = [...new Set(response.json().errors.map((error: { pointer: string }) => error.pointer))].sort();
      assert.deepEqual(found, pointers, JSON.stringify(body));
    }
    const bad = await app.request({ method: 'GET', url: '/api/entity-types/Not-A-Key/permissions', token: owner.token });
    assert.equal(bad.statusCode, 422);
    const stored = await admin.query('select 1 from entity_type_permissions where tenant_id = $1 and type_key = $2', [owner.tenantId, key]);
    assert.equal(stored.rows.length, 0, 'nothing stored by refused changes');
  });

  test('unknown type keys are 404', async () => {
    for (const method of ['GET', 'PUT'] as const) {
      const response = await app.request({ method, url: url('no_such_type'), token: owner.token, ...(method === 'PUT' ? { body: { visibility: 'restricted' } } : {}) });
      assert.equal(response.statusCode, 404, response.body);
    }
  });

  test("another organisation's type keys are 404 and its permissions are untouched", async () => {
    const foreign = await createType(other);
    for (const method of ['GET', 'PUT'] as const) {
      const response = await app.request({ method, url: url(foreign), token: owner.token, ...(method === 'PUT' ? { body: { visibility: 'restricted', roles: { cliente: NONE } } } : {}) });
      assert.equal(response.statusCode, 404, response.body);
      assert.equal(response.json().type, '/problems/not-found');
    }
    const theirs = await app.request({ method: 'GET', url: url(foreign), token: other.token });
    assert.deepEqual(theirs.json(), DEFAULTS);
    const rows = await admin.query('select 1 from entity_type_access where type_key = $1', [foreign]);
    assert.equal(rows.rows.length, 0);
  });

  test('clientes and API keys cannot read or change permissions: 403', async () => {
    const key = await createType();
    for (const token of [cliente.token, apiKey]) {
      const read = await app.request({ method: 'GET', url: url(key), token });
      assert.equal(read.statusCode, 403);
      const write = await app.request({ method: 'PUT', url: url(key), token, body: { visibility: 'organisation' } });
      assert.equal(write.statusCode, 403);
    }
  });

  test('loadStoredPermissions reads what was stored, for the records service', async () => {
    const key = await createType();
    await app.request({ method: 'PUT', url: url(key), token: owner.token, body: { visibility: 'restricted', scopes: { 'read-write': READ } } });
    const scope = { tenantId: owner.tenantId, userId: owner.userId, role: 'gestor' as const };
    const stored = await app.db.tenant.transaction(scope, (tx) => loadStoredPermissions(tx, key));
    assert.deepEqual(stored, { visibility: 'restricted', roles: {}, scopes: { 'read-write': READ } });
    const untouched = await createType();
    assert.equal(await app.db.tenant.transaction(scope, (tx) => loadStoredPermissions(tx, untouched)), undefined);
  });
});
