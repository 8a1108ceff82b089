import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signup, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminQuery, assertProblem, awayFromMinuteBoundary } from './support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('sign-in', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.stop();
  });

  const login = (body: unknown) => app.request({ method: 'POST', url: '/api/auth/login', body });

  test('a member signs in and gets a session with tenant, user and role', async () => {
    const owner = await signup(app);
    const response = await login({ email: owner.email, senha: owner.senha });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.match(body.token, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, app.config.accessTokenTtlSeconds);
    assert.match(body.refresh_token, /^tsr_[A-Za-z0-9_-]{86}$/);
    assert.equal(body.tenant_id, owner.tenantId);
    assert.equal(body.user_id, owner.userId);
    assert.equal(body.role, 'gestor');
    assert.match(body.tenant_id, UUID);

    const current = await app.request({ method: 'GET', url: '/api/tenants/atual', token: body.token });
    assert.equal(current.statusCode, 200, current.body);
    assert.equal(current.json().id, owner.tenantId);

    const audit = await adminQuery(app, `select actor_type, actor_id, target_id from audit_log where tenant_id = $1 and action = 'auth.login'`, [owner.tenantId]);
    assert.deepEqual(audit, [{ actor_type: 'user', actor_id: owner.userId, target_id: owner.userId }]);
  });

  test('the email is case-insensitive', async () => {
    const owner = await signup(app);
    for (const email of [owner.email.toUpperCase(), owner.email.replace(/^o/, 'O')]) {
      const response = await login({ email, senha: owner.senha });
      assert.equal(response.statusCode, 200, `${email}: ${response.body}`);
      assert.equal(response.json().user_id, owner.userId);
    }
  });

  test('wrong password and unknown email are the same 401, apart from the request id', async () => {
    const owner = await signup(app);
    const wrongPassword = await login({ email: owner.email, senha: 'not the password' });
    const unknownEmail = await login({ email: `nobody-${owner.slug}@example.com`, senha: 'not the password' });
    const a = assertProblem(wrongPassword, 401, 'invalid-credentials');
    const b = assertProblem(unknownEmail, 401, 'invalid-credentials');
    assert.notEqual(a.request_id, b.request_id);
    delete a.request_id;
    delete b.request_id;
    assert.deepEqual(a, b);
    assert.equal(wrongPassword.headers['content-type'], unknownEmail.headers['content-type']);
    assert.equal(wrongPassword.headers['retry-after'], undefined);
  });

  test('a failed sign-in of an existing account is audited; an unknown email is not', async () => {
    const owner = await signup(app);
    const failed = await login({ email: owner.email, senha: 'not the password' });
    assert.equal(failed.statusCode, 401);
    const rows = await adminQuery(
      app,
      `select actor_type, actor_id, target_type, target_id, request_id, host(ip) as ip from audit_log
       where tenant_id = $1 and action = 'auth.login_failed'`,
      [owner.tenantId],
    );
    assert.deepEqual(rows, [
      { actor_type: 'anonymous', actor_id: null, target_type: 'user', target_id: owner.userId, request_id: failed.json().request_id, ip: '127.0.0.1' },
    ]);
    const before = await adminQuery(app, `select count(*)::int as n from audit_log where action = 'auth.login_failed'`);
    await login({ email: `ghost-${owner.slug}@example.com`, senha: 'not the password' });
    const afterUnknown = await adminQuery(app, `select count(*)::int as n from audit_log where action = 'auth.login_failed'`);
    assert.deepEqual(afterUnknown, before);
  });

  test('an email in several organisations needs slug; slug picks the organisation', async () => {
    const first = await signup(app);
    const email = first.email;
    const second = await signup(app, { email });
    const third = await signup(app, { email, senha: 'another long password' });

    const ambiguous = await login({ email, senha: first.senha });
    const problem = assertProblem(ambiguous, 409, 'organisation-required');
    // Only the organisations where the password matched are named.
    assert.deepEqual([...(problem.organisations as string[])].sort(), [first.slug, second.slug].sort());

    const chosen = await login({ email, senha: first.senha, slug: second.slug });
    assert.equal(chosen.statusCode, 200, chosen.body);
    assert.equal(chosen.json().tenant_id, second.tenantId);
    assert.equal(chosen.json().user_id, second.userId);

    const unique = await login({ email, senha: 'another long password' });
    assert.equal(unique.statusCode, 200, unique.body);
    assert.equal(unique.json().tenant_id, third.tenantId);

    // The right password for another organisation than the slug given is refused.
    assertProblem(await login({ email, senha: 'another long password', slug: first.slug }), 401, 'invalid-credentials');
    assertProblem(await login({ email, senha: first.senha, slug: 'no-such-org' }), 401, 'invalid-credentials');
  });

  test('missing, unknown or malformed fields are 422 with pointers', async () => {
    const cases: [unknown, string][] = [
      [{ senha: 'x' }, '/email'],
      [{ email: 'a@b.example' }, '/senha'],
      [{ email: 'a@b.example', senha: 'correct horse battery', remember: true }, '/remember'],
      [{ email: 'not-an-email', senha: 'correct horse battery' }, '/email'],
      [{ email: 'a@b.example', senha: '' }, '/senha'],
      [{ email: 'a@b.example', senha: 123 }, '/senha'],
      [{ email: 'a@b.example', senha: 'correct horse battery', slug: '' }, '/slug'],
    ];
    for (const [body, pointer] of cases) {
      const problem = assertProblem(await login(body), 422, 'validation-failed');
      const pointers = (problem.errors as { pointer: string }[]).map((error) => error.pointer);
      assert.ok(pointers.includes(pointer), `${JSON.stringify(body)}: ${JSON.stringify(problem.errors)}`);
    }
    assertProblem(await login([]), 422, 'validation-failed');
  });

  test('a body that is not JSON is a 4xx, never a 500', async () => {
    const malformed = await app.request({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, body: undefined });
    assert.ok(malformed.statusCode >= 400 && malformed.statusCode < 500, malformed.body);
    const broken = await app.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    assertProblem(broken, 400, 'malformed-json');
    const form = await app.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'email=a' });
    assertProblem(form, 415, 'unsupported-media-type');
  });
});

describe('sign-in rate limit', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ TESSERA_LOGIN_RATE_LIMIT: '3' });
  });
  after(async () => {
    await app.stop();
  });

  test('the 4th attempt for one email within a minute is 429 with Retry-After', async () => {
    const owner = await signup(app);
    await awayFromMinuteBoundary();
    const statuses: number[] = [];
    for (const senha of ['wrong password 1', 'wrong password 2', owner.senha]) {
      statuses.push((await app.request({ method: 'POST', url: '/api/auth/login', body: { email: owner.email, senha } })).statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 200]);
    // Even the right password is refused once the limit is reached, and the email's case does not matter.
    const limited = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: owner.email.toUpperCase(), senha: owner.senha } });
    const problem = assertProblem(limited, 429, 'rate-limited');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(limited.headers['retry-after']));
    assert.equal(problem.retry_after, retryAfter);

    // Another email from the same address is not affected by this email's limit.
    const other = await signup(app);
    const response = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: other.email, senha: other.senha } });
    assert.equal(response.statusCode, 200, response.body);
  });
});
