import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { formatApiKey } from '../../src/api-keys/core/api-key-format.ts';
import { hashPassword } from '../../src/auth/index.ts';
import { newId } from '../../src/platform/ids.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { adminQuery, assertProblem, sleep } from '../auth/support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface CreatedKey {
  id: string;
  nome: string;
  escopo: string;
  prefix: string;
  expira_em: string | null;
  created_at: string;
  secret: string;
}

describe('API keys', () => {
  let app: TestApp;
  let owner: SignedUp;
  before(async () => {
    app = await startTestApp();
    owner = await signup(app);
  });
  after(async () => {
    await app.stop();
  });

  async function createKey(token: string, body: Record<string, unknown> = {}): Promise<CreatedKey> {
    const response = await app.request({
      method: 'POST',
      url: '/api/tenants/atual/api-keys',
      token,
      body: { nome: 'test key', escopo: 'agentes', ...body },
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }
  const current = (token: string) => app.request({ method: 'GET', url: '/api/tenants/atual', token });
  const list = (token: string) => app.request({ method: 'GET', url: '/api/tenants/atual/api-keys', token });
  const revoke = (token: string, id: string) => app.request({ method: 'POST', url: `/api/tenants/atual/api-keys/${id}/revogar`, token });

  test("the documentation's call creates a key that authenticates", async () => {
    const response = await app.app.inject({
      method: 'POST',
      url: '/api/tenants/atual/api-keys',
      headers: { Authorization: `Bearer ${owner.token}`, 'Content-Type': 'application/json' },
      payload: '{ "nome": "ci-build", "escopo": "agentes" }',
    });
    assert.equal(response.statusCode, 201, response.body);
    const key = response.json();
    assert.match(key.id, UUID);
    assert.equal(key.nome, 'ci-build');
    assert.equal(key.escopo, 'agentes');
    assert.equal(key.expira_em, null);
    assert.ok(!Number.isNaN(Date.parse(key.created_at)) && key.created_at.endsWith('Z'));
    assert.equal(typeof key.secret, 'string');
    assert.ok(key.secret.startsWith('tsk_'), key.secret);
    assert.ok(key.secret.startsWith(key.prefix), `${key.prefix} / ${key.secret}`);
    assert.ok(key.prefix.length < key.secret.length - 16, 'the prefix must not reveal the key');
    assert.equal(key.status, 'active');
    assert.equal(key.created_by, owner.userId);
    assert.equal(key.revoked_at, null);
    assert.equal(key.last_used_at, null);

    const usingKey = await app.app.inject({ method: 'GET', url: '/api/tenants/atual', headers: { Authorization: `Bearer ${key.secret}` } });
    assert.equal(usingKey.statusCode, 200, usingKey.body);
    assert.equal(usingKey.json().id, owner.tenantId);
  });

  test('the listing never contains the secret and shows status and last use', async () => {
    const key = await createKey(owner.token, { nome: 'listed' });
    const response = await list(owner.token);
    assert.equal(response.statusCode, 200, response.body);
    assert.ok(!response.body.includes(key.secret), 'the listing leaks the secret');
    assert.ok(!response.body.includes(key.secret.slice(key.prefix.length)), 'the listing leaks the secret body');
    assert.ok(!response.body.includes('secret'), response.body);
    const listed = response.json().data.find((entry: { id: string }) => entry.id === key.id);
    assert.ok(listed, 'the new key is listed');
    assert.equal(listed.status, 'active');
    assert.equal(listed.prefix, key.prefix);
    assert.ok('last_used_at' in listed && 'last_used_ip' in listed && 'revoked_at' in listed && 'expira_em' in listed);
    // Newest first.
    assert.equal(response.json().data[0].id, key.id);

    const one = await app.request({ method: 'GET', url: `/api/tenants/atual/api-keys/${key.id}`, token: owner.token });
    assert.equal(one.statusCode, 200, one.body);
    assert.ok(!one.body.includes(key.secret));
    assert.deepEqual(one.json(), listed);
  });

  test('expira_em in the past or malformed is 422 pointing at /expira_em', async () => {
    for (const expira_em of [new Date(Date.now() - 60_000).toISOString(), new Date().toISOString(), '2001-01-01T00:00:00Z']) {
      const response = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: 'old', escopo: 'agentes', expira_em } });
      const problem = assertProblem(response, 422, 'expiry-in-past');
      assert.deepEqual(
        (problem.errors as { pointer: string }[]).map((error) => error.pointer),
        ['/expira_em'],
      );
    }
    // RFC 3339 allows a leap second, which JavaScript dates cannot hold; not a 500.
    for (const expira_em of ['tomorrow', '2099-13-01T00:00:00Z', '2099-01-01T00:00:00', '2099-06-30T23:59:60Z', 12]) {
      const response = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: 'bad', escopo: 'agentes', expira_em } });
      assert.equal(response.statusCode, 422, `${expira_em}: ${response.body}`);
      assert.equal(response.json().errors[0].pointer, '/expira_em');
    }
    const future = await createKey(owner.token, { expira_em: '2099-01-01T00:00:00+02:00' });
    assert.equal(future.expira_em, '2098-12-31T22:00:00.000Z');
  });

  test('an unknown scope is 422 listing the allowed values; bad bodies are 422', async () => {
    const response = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: 'x', escopo: 'admin' } });
    const problem = assertProblem(response, 422, 'validation-failed');
    const [error] = problem.errors as { pointer: string; message: string }[];
    assert.equal(error?.pointer, '/escopo');
    for (const scope of ['agentes', 'proxy-ollama', 'read-only', 'read-write']) assert.ok(error?.message.includes(scope), error?.message);

    const cases: [Record<string, unknown>, string][] = [
      [{ escopo: 'agentes' }, '/nome'],
      [{ nome: '', escopo: 'agentes' }, '/nome'],
      [{ nome: ['x'], escopo: 'agentes' }, '/nome'],
      [{ nome: 'x' }, '/escopo'],
      // Unknown fields are refused, not silently dropped: a caller must not believe it chose its secret.
      [{ nome: 'x', escopo: 'agentes', secret: 'tsk_mine' }, '/secret'],
      [{ nome: 'x', escopo: 'agentes', scope: 'read-write' }, '/scope'],
    ];
    for (const [body, pointer] of cases) {
      const bad = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body });
      const problem = assertProblem(bad, 422, 'validation-failed');
      assert.ok((problem.errors as { pointer: string }[]).some((error) => error.pointer === pointer), `${JSON.stringify(body)}: ${bad.body}`);
    }
    // Every bad field is reported at once.
    const both = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: '', escopo: 'admin', extra: 1 } });
    assert.equal((assertProblem(both, 422, 'validation-failed').errors as unknown[]).length, 3, both.body);
  });

  test('API keys cannot manage API keys: 403 scope-not-allowed on every key route', async () => {
    const key = await createKey(owner.token);
    const victim = await createKey(owner.token, { nome: 'victim' });
    const calls = [
      app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: key.secret, body: { nome: 'escalate', escopo: 'read-write' } }),
      app.request({ method: 'GET', url: '/api/tenants/atual/api-keys', token: key.secret }),
      app.request({ method: 'GET', url: `/api/tenants/atual/api-keys/${victim.id}`, token: key.secret }),
      app.request({ method: 'POST', url: `/api/tenants/atual/api-keys/${victim.id}/revogar`, token: key.secret }),
      app.request({ method: 'GET', url: `/api/tenants/atual/api-keys/${victim.id}/usage`, token: key.secret }),
    ];
    for (const response of await Promise.all(calls)) assertProblem(response, 403, 'scope-not-allowed');
    assert.equal((await current(victim.secret)).statusCode, 200, 'the victim key still works');
  });

  test('a cliente member cannot manage API keys: 403 role-required', async () => {
    // Inserted directly: members are invited through another capability.
    const email = `cliente-${owner.slug}@example.com`;
    await adminQuery(app, `insert into users (tenant_id, id, email, password_hash, role) values ($1, $2, $3, $4, 'cliente')`, [
      owner.tenantId,
      newId(),
      email,
      await hashPassword('cliente password 123'),
    ]);
    const login = await app.request({ method: 'POST', url: '/api/auth/login', body: { email, senha: 'cliente password 123' } });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().role, 'cliente');
    const token = login.json().token;
    const victim = await createKey(owner.token, { nome: 'victim of cliente' });
    assertProblem(await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token, body: { nome: 'x', escopo: 'agentes' } }), 403, 'role-required');
    assertProblem(await list(token), 403, 'role-required');
    assertProblem(await revoke(token, victim.id), 403, 'role-required');
    assert.equal((await current(victim.secret)).statusCode, 200);
  });

  test('a key outside the read scopes cannot read the organisation', async () => {
    const proxy = await createKey(owner.token, { escopo: 'proxy-ollama' });
    assertProblem(await current(proxy.secret), 403, 'scope-not-allowed');
    for (const escopo of ['read-only', 'read-write']) {
      const key = await createKey(owner.token, { escopo });
      assert.equal((await current(key.secret)).statusCode, 200, escopo);
      // No scope may change the organisation.
      const patch = await app.request({ method: 'PATCH', url: '/api/tenants/atual', token: key.secret, body: { nome: 'hijacked' } });
      assertProblem(patch, 403, 'scope-not-allowed');
    }
  });

  test('revocation takes effect on the very next request and is recorded', async () => {
    const key = await createKey(owner.token, { nome: 'to revoke' });
    assert.equal((await current(key.secret)).statusCode, 200);

    const response = await revoke(owner.token, key.id);
    assert.equal(response.statusCode, 200, response.body);
    const revoked = response.json();
    assert.equal(revoked.status, 'revoked');
    assert.ok(revoked.revoked_at);
    assert.ok(!response.body.includes(key.secret));

    const rejected = await current(key.secret);
    assertProblem(rejected, 401, 'api-key-revoked');

    const listed = (await list(owner.token)).json().data.find((entry: { id: string }) => entry.id === key.id);
    assert.equal(listed.status, 'revoked');
    assert.equal(listed.revoked_at, revoked.revoked_at);

    const audit = await adminQuery(
      app,
      `select actor_type, actor_id, target_id, request_id from audit_log where tenant_id = $1 and action = 'api_key.rejected_revoked'`,
      [owner.tenantId],
    );
    assert.deepEqual(audit, [{ actor_type: 'api_key', actor_id: key.id, target_id: key.id, request_id: rejected.json().request_id }]);

    // Revoking again answers the same revoked key and changes nothing.
    const again = await revoke(owner.token, key.id);
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json(), revoked);
    const revocations = await adminQuery(app, `select count(*)::int as n from audit_log where target_id = $1 and action = 'api_key.revoked'`, [key.id]);
    assert.deepEqual(revocations, [{ n: 1 }]);
  });

  test("another organisation's key id is 404 and the key keeps working", async () => {
    const key = await createKey(owner.token, { nome: 'mine' });
    const stranger = await signup(app);
    assertProblem(await revoke(stranger.token, key.id), 404, 'not-found');
    assertProblem(await app.request({ method: 'GET', url: `/api/tenants/atual/api-keys/${key.id}`, token: stranger.token }), 404, 'not-found');
    assertProblem(await app.request({ method: 'GET', url: `/api/tenants/atual/api-keys/${key.id}/usage`, token: stranger.token }), 404, 'not-found');
    assert.ok(!(await list(stranger.token)).body.includes(key.id));
    assert.equal((await current(key.secret)).statusCode, 200);
    const mine = (await list(owner.token)).json().data.find((entry: { id: string }) => entry.id === key.id);
    assert.equal(mine.status, 'active');
    // The stranger's own key reaches the stranger's organisation only.
    const theirs = await createKey(stranger.token);
    assert.equal((await current(theirs.secret)).json().id, stranger.tenantId);
    assertProblem(await revoke(owner.token, theirs.id), 404, 'not-found');
    // Not a UUID at all: 422, not 500.
    assertProblem(await revoke(owner.token, 'not-a-uuid'), 422, 'validation-failed');
  });

  test('an expired key is 401 api-key-expired', async () => {
    const key = await createKey(owner.token, { expira_em: new Date(Date.now() + 2_000).toISOString() });
    assert.equal((await current(key.secret)).statusCode, 200);
    while (Date.now() <= Date.parse(key.expira_em as string) + 50) await sleep(250);
    assertProblem(await current(key.secret), 401, 'api-key-expired');
    const listed = (await list(owner.token)).json().data.find((entry: { id: string }) => entry.id === key.id);
    assert.equal(listed.status, 'expired');
  });

  test('garbled and unknown keys are 401 invalid-api-key', async () => {
    const key = await createKey(owner.token);
    const at = key.secret.length - 10;
    const typo = key.secret.slice(0, at) + (key.secret[at] === 'a' ? 'b' : 'a') + key.secret.slice(at + 1);
    for (const token of [
      typo,
      key.secret.slice(0, -1),
      `${key.secret}x`,
      'tsk_',
      'tsk_garbage',
      formatApiKey(randomBytes(48)), // well-formed, checksum right, never issued
    ]) {
      assertProblem(await current(token), 401, 'invalid-api-key');
    }
    assert.equal((await current(key.secret)).statusCode, 200);
  });

  test('creation and revocation write audit entries and outbox events', async () => {
    const key = await createKey(owner.token, { nome: 'audited' });
    await revoke(owner.token, key.id);
    const audit = await adminQuery<{ action: string; actor_type: string; actor_id: string; after: Record<string, unknown>; before: unknown }>(
      app,
      `select action, actor_type, actor_id, before, after from audit_log where tenant_id = $1 and target_type = 'api_key' and target_id = $2 order by occurred_at, id`,
      [owner.tenantId, key.id],
    );
    assert.deepEqual(audit.map((row) => row.action), ['api_key.created', 'api_key.revoked']);
    for (const row of audit) {
      assert.equal(row.actor_type, 'user');
      assert.equal(row.actor_id, owner.userId);
      assert.ok(!JSON.stringify(row).includes(key.secret), 'the audit log holds the secret');
    }
    assert.equal(audit[0]?.after.nome, 'audited');
    assert.equal((audit[1]?.after as { status: string }).status, 'revoked');
    assert.equal((audit[1]?.before as { status: string }).status, 'active');

    const outbox = await adminQuery<{ event_type: string; subject_type: string; payload: { api_key: Record<string, unknown> } }>(
      app,
      `select event_type, subject_type, payload from outbox where tenant_id = $1 and subject_id = $2 order by occurred_at, id`,
      [owner.tenantId, key.id],
    );
    assert.deepEqual(outbox.map((row) => [row.event_type, row.subject_type]), [
      ['api_key.created', 'api_key'],
      ['api_key.revoked', 'api_key'],
    ]);
    assert.equal(outbox[0]?.payload.api_key.id, key.id);
    assert.ok(!JSON.stringify(outbox).includes(key.secret), 'the outbox holds the secret');
    const stored = await adminQuery<{ secret_hash: Buffer }>(app, `select secret_hash from api_keys where id = $1`, [key.id]);
    assert.equal(stored[0]?.secret_hash.length, 32);
    assert.ok(!stored[0]?.secret_hash.toString('latin1').includes(key.secret));
  });
});
