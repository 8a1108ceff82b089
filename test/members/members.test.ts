import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember, createApiKey, invite } from './helpers.ts';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe('members', () => {
  let app: TestApp;
  let admin: AdminDb;
  before(async () => {
    app = await startTestApp({ TESSERA_TRUST_PROXY: 'true' });
    admin = await AdminDb.connect(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  const list = (token: string) => app.request({ method: 'GET', url: '/api/tenants/atual/members', token });
  const patch = (token: string, id: string, body: unknown) =>
    app.request({ method: 'PATCH', url: `/api/tenants/atual/members/${id}`, token, body });
  /** A route every member may call, to see whether a token still works. */
  const current = (token: string) => app.request({ method: 'GET', url: '/api/tenants/atual', token });
  const remove = (token: string, id: string) => app.request({ method: 'DELETE', url: `/api/tenants/atual/members/${id}`, token });

  test('a gestor lists the organisation\'s members; other organisations never appear', async () => {
    const owner = await signup(app);
    const cliente = await addMember(app, owner, 'cliente');
    const other = await signup(app);
    await addMember(app, other, 'cliente');

    for (const token of [owner.token]) {
      const response = await list(token);
      assert.equal(response.statusCode, 200, response.body);
      const members = response.json().data;
      assert.deepEqual(
        members.map((m: { email: string; role: string }) => [m.email, m.role]),
        [
          [owner.email.toLowerCase(), 'gestor'],
          [cliente.email, 'cliente'],
        ],
      );
      for (const member of members) {
        assert.deepEqual(Object.keys(member).sort(), ['created_at', 'email', 'id', 'nome', 'role', 'updated_at']);
      }
    }
    const foreign = (await list(other.token)).json().data.map((m: { id: string }) => m.id);
    assert.equal(foreign.length, 2);
    assert.ok(!foreign.includes(owner.userId) && !foreign.includes(cliente.userId));
  });

  test('API keys get 403 scope-not-allowed and anonymous callers 401 on every member and invitation route', async () => {
    const owner = await signup(app);
    const key = await createApiKey(app, owner);
    const { invitation } = await invite(app, owner, `k-${Date.now()}@members.example`);
    const routes = [
      { method: 'GET', url: '/api/tenants/atual/members' },
      { method: 'PATCH', url: `/api/tenants/atual/members/${owner.userId}`, body: { nome: 'x' } },
      { method: 'DELETE', url: `/api/tenants/atual/members/${owner.userId}` },
      { method: 'POST', url: '/api/tenants/atual/invitations', body: { email: 'a@b.example', role: 'cliente' } },
      { method: 'GET', url: '/api/tenants/atual/invitations' },
      { method: 'DELETE', url: `/api/tenants/atual/invitations/${invitation.id}` },
    ] as const;
    for (const route of routes) {
      const withKey = await app.request({ ...route, token: key });
      assert.equal(withKey.statusCode, 403, `${route.method} ${route.url}: ${withKey.body}`);
      assert.equal(withKey.json().type, '/problems/scope-not-allowed');
      const anonymous = await app.request({ ...route });
      assert.equal(anonymous.statusCode, 401, `${route.method} ${route.url}: ${anonymous.body}`);
    }
    const still = await app.request({ method: 'GET', url: '/api/tenants/atual/invitations', token: owner.token });
    assert.equal(still.json().data[0].status, 'pending');
  });

  test('a cliente gets 403 role-required on gestor routes', async () => {
    const owner = await signup(app);
    const cliente = await addMember(app, owner, 'cliente');
    const { invitation } = await invite(app, owner, `c-${Date.now()}@members.example`);
    const routes = [
      { method: 'GET', url: '/api/tenants/atual/members' },
      { method: 'PATCH', url: `/api/tenants/atual/members/${cliente.userId}`, body: { role: 'gestor' } },
      { method: 'PATCH', url: `/api/tenants/atual/members/${owner.userId}`, body: { role: 'cliente' } },
      { method: 'DELETE', url: `/api/tenants/atual/members/${owner.userId}` },
      { method: 'POST', url: '/api/tenants/atual/invitations', body: { email: 'a@b.example', role: 'gestor' } },
      { method: 'GET', url: '/api/tenants/atual/invitations' },
      { method: 'DELETE', url: `/api/tenants/atual/invitations/${invitation.id}` },
    ] as const;
    for (const route of routes) {
      const response = await app.request({ ...route, token: cliente.token });
      assert.equal(response.statusCode, 403, `${route.method} ${route.url}: ${response.body}`);
      assert.equal(response.json().type, '/problems/role-required');
    }
    const members = (await list(owner.token)).json().data;
    assert.deepEqual(members.map((m: { role: string }) => m.role), ['gestor', 'cliente']);
  });

  test('the gestor changes role and nome: audited with before and after; a role change emits an event', async () => {
    const owner = await signup(app);
    const member = await addMember(app, owner, 'cliente');

    const promoted = await patch(owner.token, member.userId, { role: 'gestor', nome: 'Ana Souza' });
    assert.equal(promoted.statusCode, 200, promoted.body);
    assert.equal(promoted.json().role, 'gestor');
    assert.equal(promoted.json().nome, 'Ana Souza');
    assert.equal(promoted.json().email, member.email);

    const renamed = await patch(owner.token, member.userId, { nome: null });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().nome, null);
    assert.equal(renamed.json().role, 'gestor');

    const unchanged = await patch(owner.token, member.userId, { role: 'gestor' });
    assert.equal(unchanged.statusCode, 200, unchanged.body);

    const audit = await admin.audit(owner.tenantId, 'member.updated', member.userId);
    assert.equal(audit.length, 2, 'a change that changes nothing is not audited');
    assert.equal(audit[0]?.actor_type, 'user');
    assert.equal(audit[0]?.actor_id, owner.userId);
    assert.equal(audit[0]?.target_type, 'user');
    assert.equal(audit[0]?.before?.role, 'cliente');
    assert.equal(audit[0]?.after?.role, 'gestor');
    assert.equal(audit[1]?.before?.nome, 'Ana Souza');
    assert.equal(audit[1]?.after?.nome, null);

    const events = await admin.events(owner.tenantId, 'member.role_changed', member.userId);
    assert.equal(events.length, 1, 'only the role change is an event');
    assert.equal(events[0]?.payload.from, 'cliente');
    assert.equal(events[0]?.payload.to, 'gestor');
  });

  test('after a role change the old token is 401 membership-changed and a refresh carries the new role', async () => {
    const owner = await signup(app);
    const member = await addMember(app, owner, 'cliente');
    assert.equal((await current(member.token)).statusCode, 200);

    assert.equal((await patch(owner.token, member.userId, { role: 'gestor' })).statusCode, 200);
    const stale = await current(member.token);
    assert.equal(stale.statusCode, 401);
    assert.equal(stale.json().type, '/problems/membership-changed');

    const refreshed = await app.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: member.refreshToken } });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    assert.equal(claims(refreshed.json().token).role, 'gestor');
    const asGestor = await app.request({ method: 'GET', url: '/api/tenants/atual/invitations', token: refreshed.json().token });
    assert.equal(asGestor.statusCode, 200, asGestor.body);
  });

  test('removing a member: 204, audited; their access token is refused and their refresh token no longer works', async () => {
    const owner = await signup(app);
    const member = await addMember(app, owner, 'cliente');
    const before = (await list(owner.token)).json().data.find((m: { id: string }) => m.id === member.userId);

    const response = await remove(owner.token, member.userId);
    assert.equal(response.statusCode, 204, response.body);
    assert.equal(response.body, '');

    const members = (await list(owner.token)).json().data.map((m: { id: string }) => m.id);
    assert.deepEqual(members, [owner.userId]);

    const stale = await current(member.token);
    assert.equal(stale.statusCode, 401);
    assert.equal(stale.json().type, '/problems/membership-changed');
    const refreshed = await app.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: member.refreshToken } });
    assert.equal(refreshed.statusCode, 401);
    assert.equal(refreshed.json().type, '/problems/invalid-refresh-token');
    const tokens = await admin.query('select count(*)::int as n from refresh_tokens where tenant_id = $1 and user_id = $2', [owner.tenantId, member.userId]);
    assert.equal(tokens.rows[0]?.n, 0);
    const login = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: member.email, senha: 'correct horse battery' } });
    assert.equal(login.statusCode, 401);

    const audit = await admin.audit(owner.tenantId, 'member.removed', member.userId);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor_id, owner.userId);
    assert.deepEqual(audit[0]?.before, before);
    assert.equal((await admin.events(owner.tenantId, 'member.removed', member.userId)).length, 1);

    const again = await remove(owner.token, member.userId);
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().type, '/problems/not-found');
  });

  test('the last gestor can be neither demoted nor removed', async () => {
    const owner = await signup(app);
    const cliente = await addMember(app, owner, 'cliente');

    const demote = await patch(owner.token, owner.userId, { role: 'cliente' });
    assert.equal(demote.statusCode, 409, demote.body);
    assert.equal(demote.json().type, '/problems/last-gestor');
    const removeSelf = await remove(owner.token, owner.userId);
    assert.equal(removeSelf.statusCode, 409, removeSelf.body);
    assert.equal(removeSelf.json().type, '/problems/last-gestor');
    // Other changes to the last gestor, and changes to clientes, are fine.
    assert.equal((await patch(owner.token, owner.userId, { nome: 'Dona' })).statusCode, 200);
    assert.equal((await patch(owner.token, owner.userId, { role: 'gestor', nome: 'Dona Maria' })).statusCode, 200);
    assert.equal((await remove(owner.token, cliente.userId)).statusCode, 204);

    // With a second gestor the first may step down; then the second is the last.
    const second = await addMember(app, owner, 'gestor');
    const stepDown = await patch(owner.token, owner.userId, { role: 'cliente' });
    assert.equal(stepDown.statusCode, 200, stepDown.body);
    const secondLeaves = await remove(second.token, second.userId);
    assert.equal(secondLeaves.statusCode, 409);
    assert.equal(secondLeaves.json().type, '/problems/last-gestor');
    assert.equal((await admin.audit(owner.tenantId, 'member.removed')).length, 1, 'refused removals leave no audit entry');
  });

  async function gestorCount(tenantId: string): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(`select count(*)::int as n from users where tenant_id = $1 and role = 'gestor'`, [tenantId]);
    return rows[0]?.n ?? -1;
  }

  test('two gestores demoting themselves at the same time: exactly one succeeds', async () => {
    for (let round = 0; round < 5; round++) {
      const owner = await signup(app);
      const second = await addMember(app, owner, 'gestor');
      const responses = await Promise.all([
        patch(owner.token, owner.userId, { role: 'cliente' }),
        patch(second.token, second.userId, { role: 'cliente' }),
      ]);
      const statuses = responses.map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [200, 409], responses.map((r) => r.body).join('\n'));
      assert.equal(responses.find((r) => r.statusCode === 409)?.json().type, '/problems/last-gestor');
      assert.equal(await gestorCount(owner.tenantId), 1);
    }
  });

  test('two gestores demoting or removing each other at the same time: exactly one succeeds', async () => {
    for (let round = 0; round < 6; round++) {
      const owner = await signup(app);
      const second = await addMember(app, owner, 'gestor');
      const [first, other] =
        round % 2 === 0
          ? [patch(owner.token, second.userId, { role: 'cliente' }), patch(second.token, owner.userId, { role: 'cliente' })]
          : [remove(owner.token, second.userId), remove(second.token, owner.userId)];
      const responses = await Promise.all([first, other]);
      const succeeded = responses.filter((r) => r.statusCode === 200 || r.statusCode === 204);
      assert.equal(succeeded.length, 1, responses.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
      // The loser was either demoted or removed already (its token no longer matches
      // its membership) or found itself the last gestor.
      const loser = responses.find((r) => !succeeded.includes(r));
      assert.ok(['/problems/membership-changed', '/problems/last-gestor'].includes(loser?.json().type), loser?.body);
      assert.equal(await gestorCount(owner.tenantId), 1);
    }
  });

  test('validation: unknown fields, bad role, bad nome, empty patch and bad ids are 422 naming each field', async () => {
    const owner = await signup(app);
    const member = await addMember(app, owner, 'cliente');

    const bad = await patch(owner.token, member.userId, { role: 'admin', nome: 'x'.repeat(121), extra: 1 });
    assert.equal(bad.statusCode, 422, bad.body);
    assert.equal(bad.json().type, '/problems/validation-failed');
    const pointers = new Set(bad.json().errors.map((e: { pointer: string }) => e.pointer));
    for (const pointer of ['/role', '/nome', '/extra']) assert.ok(pointers.has(pointer), `${pointer} in ${bad.body}`);

    const empty = await patch(owner.token, member.userId, {});
    assert.equal(empty.statusCode, 422, empty.body);

    for (const request of [patch(owner.token, 'not-a-uuid', { nome: 'x' }), remove(owner.token, 'not-a-uuid')]) {
      const response = await request;
      assert.equal(response.statusCode, 422, response.body);
      assert.deepEqual(response.json().errors.map((e: { pointer: string; in: string }) => [e.pointer, e.in]), [['/id', 'path']]);
    }
    const unchanged = (await list(owner.token)).json().data.find((m: { id: string }) => m.id === member.userId);
    assert.equal(unchanged.role, 'cliente');
  });

  test('cross-tenant: another organisation\'s member ids are 404 and stay untouched', async () => {
    const owner: SignedUp = await signup(app);
    const other = await signup(app);
    const foreign = await addMember(app, other, 'cliente');
    for (const id of [foreign.userId, other.userId, '00000000-0000-4000-8000-000000000000']) {
      const patched = await patch(owner.token, id, { role: 'gestor', nome: 'Hijack' });
      assert.equal(patched.statusCode, 404, patched.body);
      assert.equal(patched.json().type, '/problems/not-found');
      const removed = await remove(owner.token, id);
      assert.equal(removed.statusCode, 404, removed.body);
    }
    const theirs = (await list(other.token)).json().data;
    assert.deepEqual(theirs.map((m: { role: string; nome: string | null }) => [m.role, m.nome]), [
      ['gestor', null],
      ['cliente', null],
    ]);
  });
});
