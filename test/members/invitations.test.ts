import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parse as parseUuid } from 'uuid';
import { signup, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, accept, addMember, freshEmail, freshIp, invite, PASSWORD } from './helpers.ts';

const DAY_MS = 86_400_000;

/** A token of the right shape for any organisation and invitation id, with a random secret. */
function forgeToken(tenantId: string, invitationId: string): string {
  return `tsi_${Buffer.concat([parseUuid(tenantId), parseUuid(invitationId), randomBytes(32)]).toString('base64url')}`;
}

describe('invitations', () => {
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

  const listInvitations = async (token: string) => {
    const response = await app.request({ method: 'GET', url: '/api/tenants/atual/invitations', token });
    assert.equal(response.statusCode, 200, response.body);
    return response;
  };
  const revoke = (token: string, id: string) => app.request({ method: 'DELETE', url: `/api/tenants/atual/invitations/${id}`, token });
  const statusOf = async (token: string, id: string) =>
    (await listInvitations(token)).json().data.find((i: { id: string }) => i.id === id)?.status;

  test('the gestor invites: the token is answered once, the invitation lasts 7 days, and it is audited', async () => {
    const owner = await signup(app);
    const email = freshEmail('New.Person');
    const response = await app.request({
      method: 'POST',
      url: '/api/tenants/atual/invitations',
      token: owner.token,
      body: { email: email.toUpperCase(), role: 'gestor' },
    });
    assert.equal(response.statusCode, 201, response.body);
    const { invitation, token } = response.json();
    assert.match(token, /^tsi_[A-Za-z0-9_-]{86}$/);
    assert.equal(invitation.email, email.toLowerCase());
    assert.equal(invitation.role, 'gestor');
    assert.equal(invitation.status, 'pending');
    assert.equal(invitation.invited_by, owner.userId);
    assert.equal(invitation.accepted_at, null);
    assert.equal(invitation.revoked_at, null);
    assert.equal(Date.parse(invitation.expires_at) - Date.parse(invitation.created_at), 7 * DAY_MS);

    const listed = await listInvitations(owner.token);
    assert.deepEqual(listed.json().data, [invitation]);
    assert.ok(!listed.body.includes(token.slice(4)), 'listings never carry the token');
    assert.ok(!listed.body.includes('token'), 'nor a token or token_hash field');

    const audit = await admin.audit(owner.tenantId, 'member.invited', invitation.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor_id, owner.userId);
    assert.equal(audit[0]?.target_type, 'invitation');
    assert.deepEqual(audit[0]?.after, invitation);
    assert.ok(!JSON.stringify(audit[0]).includes(token.slice(4)), 'the audit log never carries the token');
    const events = await admin.events(owner.tenantId, 'member.invited', invitation.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]?.payload.invitation, invitation);
  });

  test('inviting an email that is already a member is 409 member-exists', async () => {
    const owner = await signup(app);
    const member = await addMember(app, owner, 'cliente');
    for (const email of [owner.email.toUpperCase(), member.email]) {
      const response = await app.request({ method: 'POST', url: '/api/tenants/atual/invitations', token: owner.token, body: { email, role: 'cliente' } });
      assert.equal(response.statusCode, 409, response.body);
      assert.equal(response.json().type, '/problems/member-exists');
    }
    const invitations = (await listInvitations(owner.token)).json().data;
    assert.equal(invitations.length, 1, 'only the accepted invitation of the member');
  });

  test('inviting the same email again revokes the pending invitation and only the new token works', async () => {
    const owner = await signup(app);
    const email = freshEmail();
    const first = await invite(app, owner, email, 'gestor');
    const second = await invite(app, owner, email, 'cliente');

    const listed = (await listInvitations(owner.token)).json().data;
    assert.deepEqual(listed.map((i: { id: string; status: string }) => [i.id, i.status]), [
      [second.invitation.id, 'pending'],
      [first.invitation.id, 'revoked'],
    ]);
    const audit = await admin.audit(owner.tenantId, 'member.invitation_revoked', first.invitation.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.before?.status, 'pending');
    assert.equal(audit[0]?.after?.status, 'revoked');

    const old = await accept(app, { token: first.token, senha: PASSWORD });
    assert.equal(old.statusCode, 410, old.body);
    assert.equal(old.json().type, '/problems/invitation-revoked');
    const current = await accept(app, { token: second.token, senha: PASSWORD });
    assert.equal(current.statusCode, 201, current.body);
    assert.equal(current.json().user.role, 'cliente');
  });

  test('two invitations for the same email at the same time leave exactly one pending', async () => {
    const owner = await signup(app);
    const email = freshEmail();
    const responses = await Promise.all(
      [0, 1, 2].map(() => app.request({ method: 'POST', url: '/api/tenants/atual/invitations', token: owner.token, body: { email, role: 'cliente' } })),
    );
    assert.deepEqual(responses.map((r) => r.statusCode), [201, 201, 201]);
    const statuses = (await listInvitations(owner.token)).json().data.map((i: { status: string }) => i.status);
    assert.deepEqual(statuses.sort(), ['pending', 'revoked', 'revoked']);
  });

  test('revoking: 204 and idempotent; the token stops working; accepted ones are 409', async () => {
    const owner = await signup(app);
    const { invitation, token } = await invite(app, owner, freshEmail());

    const first = await revoke(owner.token, invitation.id);
    assert.equal(first.statusCode, 204, first.body);
    assert.equal(first.body, '');
    assert.equal(await statusOf(owner.token, invitation.id), 'revoked');
    assert.equal((await revoke(owner.token, invitation.id)).statusCode, 204);
    assert.equal((await admin.audit(owner.tenantId, 'member.invitation_revoked', invitation.id)).length, 1, 'the second revoke changed nothing');
    assert.equal((await admin.events(owner.tenantId, 'member.invitation_revoked', invitation.id)).length, 1);

    const refused = await accept(app, { token, senha: PASSWORD });
    assert.equal(refused.statusCode, 410, refused.body);
    assert.equal(refused.json().type, '/problems/invitation-revoked');

    const used = await invite(app, owner, freshEmail());
    assert.equal((await accept(app, { token: used.token, senha: PASSWORD })).statusCode, 201);
    const late = await revoke(owner.token, used.invitation.id);
    assert.equal(late.statusCode, 409, late.body);
    assert.equal(late.json().type, '/problems/invitation-used');
    assert.equal(await statusOf(owner.token, used.invitation.id), 'accepted');
  });

  test('accepting creates the member with the invited role and a working session, in one step', async () => {
    const owner = await signup(app);
    const email = freshEmail();
    const { invitation, token } = await invite(app, owner, email, 'cliente');

    const response = await accept(app, { token, senha: PASSWORD, nome: 'Beatriz' });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['expires_in', 'refresh_token', 'tenant', 'token', 'token_type', 'user']);
    assert.equal(body.tenant.id, owner.tenantId);
    assert.equal(body.tenant.slug, owner.slug);
    assert.equal(body.user.email, email);
    assert.equal(body.user.role, 'cliente');
    assert.equal(body.user.nome, 'Beatriz');
    assert.equal(body.token_type, 'Bearer');
    assert.match(body.token, /^ey/);
    assert.match(body.refresh_token, /^tsr_/);

    const current = await app.request({ method: 'GET', url: '/api/tenants/atual', token: body.token });
    assert.equal(current.statusCode, 200, current.body);
    assert.deepEqual(current.json(), body.tenant);
    const members = await app.request({ method: 'GET', url: '/api/tenants/atual/members', token: owner.token });
    assert.deepEqual(members.json().data.map((m: { id: string }) => m.id), [owner.userId, body.user.id]);
    const asCliente = await app.request({ method: 'GET', url: '/api/tenants/atual/invitations', token: body.token });
    assert.equal(asCliente.statusCode, 403);
    const refreshed = await app.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: body.refresh_token } });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    const login = await app.request({ method: 'POST', url: '/api/auth/login', body: { email, senha: PASSWORD } });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().user_id, body.user.id);

    const listed = (await listInvitations(owner.token)).json().data[0];
    assert.equal(listed.status, 'accepted');
    assert.notEqual(listed.accepted_at, null);

    const audit = await admin.audit(owner.tenantId, 'member.joined', body.user.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor_type, 'user');
    assert.equal(audit[0]?.actor_id, body.user.id);
    assert.equal(audit[0]?.after?.invitation_id, invitation.id);
    const events = await admin.events(owner.tenantId, 'member.joined', body.user.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]?.payload.member, body.user);

    const again = await accept(app, { token, senha: PASSWORD });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().type, '/problems/invitation-used');
  });

  test('malformed, unknown, tampered and foreign tokens are 401 invitation-invalid', async () => {
    const owner = await signup(app);
    const other = await signup(app);
    const { invitation, token } = await invite(app, owner, freshEmail());
    const foreign = await invite(app, other, freshEmail());
    // Change one character of the secret (not the last, which carries padding bits).
    const index = token.length - 10;
    const tampered = token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);

    const tokens = [
      'nonsense',
      `tsi_${'!'.repeat(86)}`,
      token.slice(0, -1),
      owner.refreshToken,
      tampered,
      forgeToken(owner.tenantId, invitation.id),
      forgeToken(owner.tenantId, '01a00000-0000-7000-8000-000000000000'),
      forgeToken('01a00000-0000-7000-8000-000000000000', invitation.id),
      // Another organisation's invitation id inside this organisation's token, and the reverse.
      `tsi_${Buffer.concat([parseUuid(owner.tenantId), Buffer.from(foreign.token.slice(4), 'base64url').subarray(16)]).toString('base64url')}`,
      `tsi_${Buffer.concat([parseUuid(other.tenantId), Buffer.from(token.slice(4), 'base64url').subarray(16)]).toString('base64url')}`,
    ];
    for (const candidate of tokens) {
      const response = await accept(app, { token: candidate, senha: PASSWORD });
      assert.equal(response.statusCode, 401, `${candidate}: ${response.body}`);
      assert.equal(response.json().type, '/problems/invitation-invalid');
    }
    assert.equal(await statusOf(owner.token, invitation.id), 'pending');
    assert.equal(await statusOf(other.token, foreign.invitation.id), 'pending');
    assert.equal((await accept(app, { token, senha: PASSWORD })).statusCode, 201);
  });

  test('an expired invitation is listed as expired and refused with 410', async () => {
    const owner = await signup(app);
    const { invitation, token } = await invite(app, owner, freshEmail());
    await admin.query(`update invitations set expires_at = now() - interval '1 minute' where tenant_id = $1 and id = $2`, [owner.tenantId, invitation.id]);

    assert.equal(await statusOf(owner.token, invitation.id), 'expired');
    const response = await accept(app, { token, senha: PASSWORD });
    assert.equal(response.statusCode, 410, response.body);
    assert.equal(response.json().type, '/problems/invitation-expired');
    // Revoking an expired invitation changes nothing.
    assert.equal((await revoke(owner.token, invitation.id)).statusCode, 204);
    assert.equal(await statusOf(owner.token, invitation.id), 'expired');
    // A new invitation for the same email works as usual.
    const fresh = await invite(app, owner, invitation.email);
    assert.equal((await accept(app, { token: fresh.token, senha: PASSWORD })).statusCode, 201);
  });

  test('an email that became a member after the invitation is 409 member-exists on acceptance', async () => {
    const owner = await signup(app);
    const email = freshEmail();
    const { invitation, token } = await invite(app, owner, email);
    await admin.query(`insert into users (tenant_id, id, email, password_hash, role) values ($1, gen_random_uuid(), $2, 'x', 'cliente')`, [
      owner.tenantId,
      email,
    ]);
    const response = await accept(app, { token, senha: PASSWORD });
    assert.equal(response.statusCode, 409, response.body);
    assert.equal(response.json().type, '/problems/member-exists');
    assert.equal(await statusOf(owner.token, invitation.id), 'pending', 'nothing was committed');
  });

  test('a suspended organisation refuses acceptance with 403 and nothing changes', async () => {
    const owner = await signup(app);
    const { invitation, token } = await invite(app, owner, freshEmail());
    await admin.query(`update tenants set status = 'suspended' where id = $1`, [owner.tenantId]);
    try {
      const response = await accept(app, { token, senha: PASSWORD });
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(response.json().type, '/problems/organisation-inactive');
    } finally {
      await admin.query(`update tenants set status = 'active' where id = $1`, [owner.tenantId]);
    }
    assert.equal(await statusOf(owner.token, invitation.id), 'pending');
    const members = await admin.query('select count(*)::int as n from users where tenant_id = $1', [owner.tenantId]);
    assert.equal(members.rows[0]?.n, 1);
  });

  test('validation: unknown fields, bad email and bad role are 422 naming each field', async () => {
    const owner = await signup(app);
    const cases: [string, unknown, string[]][] = [
      ['/api/tenants/atual/invitations', { email: 'not-an-email', role: 'admin', extra: true }, ['/email', '/extra', '/role']],
      ['/api/tenants/atual/invitations', {}, ['/email', '/role']],
      ['/api/tenants/atual/invitations', { email: ['a@b.example'], role: 'cliente' }, ['/email']],
      ['/api/invitations/accept', { token: '', senha: 'short', nome: '', foo: 1 }, ['/foo', '/nome', '/senha', '/token']],
      ['/api/invitations/accept', {}, ['/senha', '/token']],
    ];
    for (const [url, body, pointers] of cases) {
      const response = await app.request({ method: 'POST', url, token: owner.token, body, headers: { 'x-forwarded-for': freshIp() } });
      assert.equal(response.statusCode, 422, `${url} ${JSON.stringify(body)}: ${response.body}`);
      assert.equal(response.json().type, '/problems/validation-failed');
      const found = [...new Set(response.json().errors.map((e: { pointer: string }) => e.pointer))].sort();
      assert.deepEqual(found, pointers, response.body);
    }
    const invalidId = await revoke(owner.token, 'not-a-uuid');
    assert.equal(invalidId.statusCode, 422);
    assert.equal((await listInvitations(owner.token)).json().data.length, 0);
  });

  test('acceptance is rate-limited per IP', async () => {
    const ip = freshIp();
    for (let attempt = 1; attempt <= 20; attempt++) {
      const response = await accept(app, { token: 'tsi_guess', senha: PASSWORD }, ip);
      assert.equal(response.statusCode, 401, `attempt ${attempt}: ${response.body}`);
    }
    const limited = await accept(app, { token: 'tsi_guess', senha: PASSWORD }, ip);
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(limited.json().type, '/problems/rate-limited');
    assert.match(String(limited.headers['retry-after']), /^[1-9][0-9]*$/);
    // Another address is not affected.
    assert.equal((await accept(app, { token: 'tsi_guess', senha: PASSWORD }, freshIp())).statusCode, 401);
  });

  test('one email in two organisations: accepting works, and login then asks for the slug', async () => {
    const first = await signup(app);
    const second = await signup(app);
    const { token } = await invite(app, second, first.email.toUpperCase(), 'cliente');
    const joined = await accept(app, { token, senha: first.senha });
    assert.equal(joined.statusCode, 201, joined.body);
    assert.equal(joined.json().tenant.id, second.tenantId);
    assert.equal(joined.json().user.email, first.email.toLowerCase());

    const ambiguous = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: first.email, senha: first.senha } });
    assert.equal(ambiguous.statusCode, 409, ambiguous.body);
    assert.equal(ambiguous.json().type, '/problems/organisation-required');
    assert.deepEqual([...ambiguous.json().organisations].sort(), [first.slug, second.slug].sort());

    const intoSecond = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: first.email, senha: first.senha, slug: second.slug } });
    assert.equal(intoSecond.statusCode, 200, intoSecond.body);
    assert.equal(intoSecond.json().tenant_id, second.tenantId);
    assert.equal(intoSecond.json().role, 'cliente');
    const intoFirst = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: first.email, senha: first.senha, slug: first.slug } });
    assert.equal(intoFirst.statusCode, 200, intoFirst.body);
    assert.equal(intoFirst.json().tenant_id, first.tenantId);
    assert.equal(intoFirst.json().role, 'gestor');
  });

  test('cross-tenant: listings never show foreign invitations and foreign ids are 404', async () => {
    const owner = await signup(app);
    const other = await signup(app);
    const mine = await invite(app, owner, freshEmail());
    const theirs = await invite(app, other, freshEmail());

    assert.deepEqual((await listInvitations(owner.token)).json().data.map((i: { id: string }) => i.id), [mine.invitation.id]);
    assert.deepEqual((await listInvitations(other.token)).json().data.map((i: { id: string }) => i.id), [theirs.invitation.id]);
    for (const id of [theirs.invitation.id, '01a00000-0000-7000-8000-000000000000']) {
      const response = await revoke(owner.token, id);
      assert.equal(response.statusCode, 404, response.body);
      assert.equal(response.json().type, '/problems/not-found');
    }
    assert.equal(await statusOf(other.token, theirs.invitation.id), 'pending');
  });
});
