// Transport-level behaviour shared by every route: problem+json for every
// kind of bad input, request ids, the OpenAPI description and its UI, and
// logs that never contain secrets.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('HTTP transport', () => {
  let app: TestApp;
  const logLines: string[] = [];

  before(async () => {
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = await startTestApp({ TESSERA_BODY_LIMIT: '4096', LOG_LEVEL: 'debug' }, { logStream });
  });
  after(async () => {
    await app.stop();
  });

  test('malformed JSON is 400 malformed-json', async () => {
    const response = await app.app.inject({ method: 'POST', url: '/api/signup', headers: { 'content-type': 'application/json' }, payload: '{"slug":' });
    assertProblem(response, 400, 'malformed-json');
  });

  test('an empty JSON body is 400', async () => {
    const response = await app.app.inject({ method: 'POST', url: '/api/signup', headers: { 'content-type': 'application/json' }, payload: '' });
    assertProblem(response, 400, 'bad-request');
  });

  test('a missing body where one is required is 422', async () => {
    const response = await app.app.inject({ method: 'POST', url: '/api/auth/login' });
    assertProblem(response, 422, 'validation-failed');
  });

  test('a wrong content type is 415', async () => {
    const response = await app.app.inject({ method: 'POST', url: '/api/signup', headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    assertProblem(response, 415, 'unsupported-media-type');
  });

  test('an oversized body is 413', async () => {
    const response = await app.request({ method: 'POST', url: '/api/signup', body: { slug: 'x'.repeat(10_000) } });
    assertProblem(response, 413, 'payload-too-large');
  });

  test('prototype poisoning is refused with a 4xx', async () => {
    const response = await app.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":"a@b.example","senha":"x","__proto__":{"admin":true}}',
    });
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, String(response.statusCode));
    assert.equal(response.headers['content-type'], 'application/problem+json');
  });

  test('wrong types and unknown fields are 422 naming every bad field at once', async () => {
    const response = await app.request({
      method: 'POST',
      url: '/api/signup',
      body: { slug: 42, nome: ['x'], plano: 'gold', email: 'not-an-email', senha: 'short', colour: 'blue' },
    });
    assertProblem(response, 422, 'validation-failed');
    const pointers = (response.json().errors as { pointer: string }[]).map((error) => error.pointer).sort();
    assert.deepEqual(pointers, ['/colour', '/email', '/nome', '/plano', '/senha', '/slug']);
  });

  test('a 401 carries WWW-Authenticate (RFC 6750)', async () => {
    const missing = await app.request({ method: 'GET', url: '/api/tenants/atual' });
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="tessera"');
    const bad = await app.request({ method: 'GET', url: '/api/tenants/atual', token: 'not.a.jwt' });
    assert.equal(bad.headers['www-authenticate'], 'Bearer realm="tessera", error="invalid_token"');
  });

  test('the NUL character, which PostgreSQL text cannot hold, is 422 wherever it appears', async () => {
    const response = await app.request({
      method: 'POST',
      url: '/api/signup',
      body: { slug: 'nul-test', nome: 'A\u0000B', plano: 'starter', email: 'n@nul.example', senha: 'correct horse\u0000battery' },
    });
    assertProblem(response, 422, 'validation-failed');
    assert.deepEqual(response.json().errors.map((e: { pointer: string }) => e.pointer), ['/nome', '/senha']);
    const login = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: 'a@b.example', senha: '\u0000' } });
    assertProblem(login, 422, 'validation-failed');
  });

  test('an unknown route is a 404 problem', async () => {
    assertProblem(await app.request({ method: 'GET', url: '/api/nothing-here' }), 404, 'not-found');
  });

  test('a bad path parameter is 422, not 500', async () => {
    const owner = await signup(app);
    const response = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys/not-a-uuid/revogar', token: owner.token });
    assertProblem(response, 422, 'validation-failed');
    assert.equal(response.json().errors[0].in, 'path');
  });

  test('the request id is echoed, or generated when absent or unsafe', async () => {
    const given = await app.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(given.headers['x-request-id'], 'abc-123');
    const unsafe = await app.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
    assert.notEqual(unsafe.headers['x-request-id'], 'bad id\nwith newline');
    const problem = await app.request({ method: 'GET', url: '/api/tenants/atual', headers: { 'x-request-id': 'trace-me' } });
    assert.equal(problem.json().request_id, 'trace-me');
  });

  test('/healthz and /readyz', async () => {
    assert.deepEqual((await app.request({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    const ready = await app.request({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
  });

  test('the OpenAPI 3.1 description lists the documented routes', async () => {
    const response = await app.request({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const spec = response.json();
    assert.equal(spec.openapi, '3.1.0');
    for (const [path, method] of [
      ['/api/signup', 'post'],
      ['/api/tenants/atual', 'get'],
      ['/api/tenants/atual', 'patch'],
      ['/api/tenants/atual/api-keys', 'post'],
      ['/api/tenants/atual/api-keys', 'get'],
      ['/api/tenants/atual/api-keys/{id}/revogar', 'post'],
      ['/api/auth/login', 'post'],
      ['/api/auth/refresh', 'post'],
      ['/api/auth/logout', 'post'],
    ] as const) {
      assert.ok(spec.paths[path]?.[method], `${method.toUpperCase()} ${path} is described`);
    }
    const createKey = spec.paths['/api/tenants/atual/api-keys'].post;
    assert.ok(createKey.requestBody.content['application/json'].schema.properties.escopo);
    assert.ok(createKey.responses['201']);
  });

  test('/docs serves the API browser from this server, with no CDN', async () => {
    const page = await app.request({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /https?:\/\/(?!localhost)[a-z0-9.-]+\.[a-z]{2,}\/[^"']*\.(js|css)/i);
    const bundle = await app.request({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(bundle.statusCode, 200);
  });

  test('every problem type is resolvable at /problems/{code}', async () => {
    const catalogue = (await app.request({ method: 'GET', url: '/problems' })).json() as { code: string; status: number }[];
    assert.ok(catalogue.length > 10);
    const one = await app.request({ method: 'GET', url: '/problems/validation-failed' });
    assert.equal(one.json().status, 422);
  });

  test('logs carry request and tenant ids and never secrets, passwords or tokens', async () => {
    const owner = await signup(app, { senha: 'super secret password 123' });
    const key = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: 'k', escopo: 'agentes' } });
    const secret = key.json().secret as string;
    await app.request({ method: 'GET', url: '/api/tenants/atual', token: secret });
    await app.request({ method: 'POST', url: '/api/auth/login', body: { email: owner.email, senha: 'super secret password 123' } });
    const logs = logLines.join('');
    assert.ok(logs.includes('"reqId"'), 'request ids are logged');
    assert.ok(logs.includes(owner.tenantId), 'tenant ids are logged');
    for (const sensitive of ['super secret password 123', owner.token, owner.refreshToken, secret]) {
      assert.ok(!logs.includes(sensitive), 'a secret leaked into the logs');
    }
  });
});

describe('validation rules inside plugins', () => {
  test('a plugin that adds a shared schema keeps strict validation (unknown fields refused, all errors listed)', async () => {
    const { createHttpServer } = await import('../../src/platform/http/server.ts');
    const server = await createHttpServer({ logLevel: 'silent', bodyLimitBytes: 10_000, trustProxy: false });
    await server.register(async (plugin) => {
      plugin.addSchema({ $id: 'PluginThing', type: 'object', properties: { a: { type: 'string' } } });
      plugin.post(
        '/thing',
        { schema: { body: { type: 'object', properties: { n: { type: 'integer' }, s: { type: 'string' } }, required: ['n', 's'], additionalProperties: false } } },
        async () => ({ ok: true }),
      );
    });
    const response = await server.inject({ method: 'POST', url: '/thing', payload: { n: '5', extra: 1 } });
    assert.equal(response.statusCode, 422);
    const pointers = (response.json().errors as { pointer: string }[]).map((error) => error.pointer).sort();
    assert.deepEqual(pointers, ['/extra', '/n', '/s']);
    await server.close();
  });
});

describe('client addresses behind a trusted proxy', () => {
  test('a forged X-Forwarded-For never reaches the database as an address', async () => {
    const app = await startTestApp({ TESSERA_TRUST_PROXY: 'true' });
    try {
      const owner = await signup(app);
      const login = await app.request({
        method: 'POST',
        url: '/api/auth/login',
        body: { email: owner.email, senha: 'not the password' },
        headers: { 'x-forwarded-for': 'not-an-ip' },
      });
      assertProblem(login, 401, 'invalid-credentials');
      const read = await app.request({ method: 'GET', url: '/api/tenants/atual', token: owner.token, headers: { 'x-forwarded-for': 'garbage' } });
      assert.equal(read.statusCode, 200);
      const real = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: owner.email, senha: owner.senha }, headers: { 'x-forwarded-for': '203.0.113.7' } });
      assert.equal(real.statusCode, 200);
    } finally {
      await app.stop();
    }
  });
});
