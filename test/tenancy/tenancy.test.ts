import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signup, startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('organisations', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.stop();
  });

  test('signup creates the organisation, its gestor and a session', async () => {
    const response = await app.request({
      method: 'POST',
      url: '/api/signup',
      body: { slug: 'acme-signup', nome: 'Acme', plano: 'business', email: 'Owner@Acme.example', senha: 'correct horse battery', vertical: 'healthcare' },
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json();
    assert.equal(body.tenant.slug, 'acme-signup');
    assert.equal(body.tenant.nome, 'Acme');
    assert.equal(body.tenant.plano, 'business');
    assert.equal(body.tenant.ai_token_quota, 5_000_000);
    assert.equal(body.tenant.vertical, 'healthcare');
    assert.equal(body.tenant.status, 'active');
    assert.equal(body.user.email, 'owner@acme.example');
    assert.equal(body.user.role, 'gestor');
    assert.match(body.token, /^ey/);
    assert.match(body.refresh_token, /^tsr_/);
    assert.equal(body.user.senha, undefined);

    const current = await app.request({ method: 'GET', url: '/api/tenants/atual', token: body.token });
    assert.equal(current.statusCode, 200);
    assert.deepEqual(current.json(), body.tenant);
  });

  test('a taken slug is 409 with a pointer to slug', async () => {
    const first = await signup(app);
    const response = await app.request({
      method: 'POST',
      url: '/api/signup',
      body: { slug: first.slug, nome: 'Copy', plano: 'starter', email: 'x@copy.example', senha: 'correct horse battery' },
    });
    assert.equal(response.statusCode, 409);
    assert.equal(response.headers['content-type'], 'application/problem+json');
    assert.equal(response.json().type, '/problems/slug-taken');
    assert.deepEqual(response.json().errors, [{ pointer: '/slug', message: 'is already taken' }]);
  });

  test('reserved and malformed slugs are refused with 422', async () => {
    for (const slug of ['www', 'api', 'admin', 'app', 'a--b', 'ab', '-abc', 'Abc', 'x'.repeat(41)]) {
      const response = await app.request({
        method: 'POST',
        url: '/api/signup',
        body: { slug, nome: 'N', plano: 'starter', email: 'x@slug.example', senha: 'correct horse battery' },
      });
      assert.equal(response.statusCode, 422, `${slug}: ${response.body}`);
      assert.equal(response.json().errors[0].pointer, '/slug');
    }
  });

  test('the gestor changes nome, plano and vertical; the quota follows the plan', async () => {
    const owner = await signup(app, { plano: 'starter' });
    const response = await app.request({
      method: 'PATCH',
      url: '/api/tenants/atual',
      token: owner.token,
      body: { nome: 'Renamed', plano: 'enterprise', vertical: 'retail' },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().nome, 'Renamed');
    assert.equal(response.json().plano, 'enterprise');
    assert.equal(response.json().ai_token_quota, 20_000_000);
    assert.equal(response.json().vertical, 'retail');
  });

  test('an empty or unknown patch is 422', async () => {
    const owner = await signup(app);
    for (const body of [{}, { status: 'cancelled' }, { plano: 'gold' }]) {
      const response = await app.request({ method: 'PATCH', url: '/api/tenants/atual', token: owner.token, body });
      assert.equal(response.statusCode, 422, JSON.stringify(body));
    }
  });
});

describe('signup rate limits', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ TESSERA_SIGNUP_RATE_LIMIT: '2' });
  });
  after(async () => {
    await app.stop();
  });

  test('the third signup from one IP within the hour is 429 with Retry-After', async () => {
    await signup(app);
    await signup(app);
    const response = await app.request({
      method: 'POST',
      url: '/api/signup',
      body: { slug: 'one-too-many', nome: 'N', plano: 'starter', email: 'x@limit.example', senha: 'correct horse battery' },
    });
    assert.equal(response.statusCode, 429);
    assert.equal(response.json().type, '/problems/rate-limited');
    assert.ok(Number(response.headers['retry-after']) > 0);
  });
});

describe('the caller\'s organisation, by credential', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.stop();
  });

  test('API keys read it with a read scope, never change it, and proxy-ollama keys cannot read it', async () => {
    const owner = await signup(app);
    const keys: Record<string, string> = {};
    for (const escopo of ['agentes', 'read-only', 'read-write', 'proxy-ollama']) {
      const created = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: escopo, escopo } });
      keys[escopo] = created.json().secret;
    }
    for (const escopo of ['agentes', 'read-only', 'read-write']) {
      const read = await app.request({ method: 'GET', url: '/api/tenants/atual', token: keys[escopo] });
      assert.equal(read.statusCode, 200, escopo);
      assert.equal(read.json().id, owner.tenantId);
      const write = await app.request({ method: 'PATCH', url: '/api/tenants/atual', token: keys[escopo], body: { plano: 'enterprise' } });
      assert.equal(write.statusCode, 403, escopo);
      assert.equal(write.json().type, '/problems/scope-not-allowed');
    }
    const proxy = await app.request({ method: 'GET', url: '/api/tenants/atual', token: keys['proxy-ollama'] });
    assert.equal(proxy.statusCode, 403);
  });

  test('without a token it is 401', async () => {
    const response = await app.request({ method: 'GET', url: '/api/tenants/atual' });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().type, '/problems/unauthenticated');
  });
});

describe('organisation settings', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.stop();
  });

  test('signup creates the default settings; a gestor changes them; bad values are 422', async () => {
    const owner = await signup(app);
    const initial = await app.request({ method: 'GET', url: '/api/tenants/atual/settings', token: owner.token });
    assert.equal(initial.statusCode, 200, initial.body);
    const { time_zone, locale, currency } = initial.json() as Record<string, string>;
    assert.deepEqual({ time_zone, locale, currency }, { time_zone: 'America/Sao_Paulo', locale: 'pt-BR', currency: 'BRL' });

    const changed = await app.request({
      method: 'PATCH',
      url: '/api/tenants/atual/settings',
      token: owner.token,
      body: { time_zone: 'Europe/Lisbon', locale: 'pt-pt', currency: 'EUR' },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().time_zone, 'Europe/Lisbon');
    assert.equal(changed.json().locale, 'pt-PT');
    assert.equal(changed.json().currency, 'EUR');

    const bad = await app.request({
      method: 'PATCH',
      url: '/api/tenants/atual/settings',
      token: owner.token,
      body: { time_zone: 'Mars/Olympus', locale: 'not a locale!' },
    });
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json().errors.map((e: { pointer: string }) => e.pointer), ['/time_zone', '/locale']);
    const wrongCurrency = await app.request({ method: 'PATCH', url: '/api/tenants/atual/settings', token: owner.token, body: { currency: 'JPY' } });
    assert.equal(wrongCurrency.statusCode, 422);
  });
});
