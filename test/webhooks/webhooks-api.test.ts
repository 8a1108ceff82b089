// Webhook endpoints through the API: create (secret shown once), list, get,
// update, delete, rotate, validation and SSRF refusals, audit entries, and
// another organisation's ids answering 404.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signup, type SignedUp } from '../helpers/test-app.ts';
import { assertProblem } from '../helpers/problem.ts';
import { startWebhookApp, type WebhookApp } from './webhook-app.ts';

describe('webhook endpoints API', () => {
  let app: WebhookApp;
  let strict: WebhookApp;
  let owner: SignedUp;
  let other: SignedUp;

  before(async () => {
    app = await startWebhookApp();
    strict = await startWebhookApp({ allowPrivate: false });
    owner = await signup(app.base);
    other = await signup(app.base);
  });
  after(async () => {
    await app.stop();
    await strict.stop();
  });

  const create = (token: string, body: unknown) => app.request({ method: 'POST', url: '/api/webhooks', token, body });

  it('creates an endpoint and shows its secret once', async () => {
    const created = await create(owner.token, { url: 'http://127.0.0.1:9/hook', events: ['record.created', 'tenant.*'], description: 'CRM' });
    assert.equal(created.statusCode, 201, created.body);
    const json = created.json();
    assert.match(json.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(json.events, ['record.created', 'tenant.*']);
    assert.equal(json.enabled, true);

    const listed = await app.request({ method: 'GET', url: '/api/webhooks', token: owner.token });
    assert.equal(listed.statusCode, 200);
    assert.equal(listed.json().data.length, 1);
    assert.equal(listed.json().data[0].secret, undefined);
    const one = await app.request({ method: 'GET', url: `/api/webhooks/${json.id}`, token: owner.token });
    assert.equal(one.json().description, 'CRM');
    assert.equal(one.json().secret, undefined);
  });

  it('updates, pauses and deletes, with an audit entry for each change', async () => {
    const id = (await create(owner.token, { url: 'http://127.0.0.1:9/a', events: ['*'] })).json().id;
    const patched = await app.request({ method: 'PATCH', url: `/api/webhooks/${id}`, token: owner.token, body: { events: ['record.*'], enabled: false, description: null } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json().events, ['record.*']);
    assert.equal(patched.json().enabled, false);
    const rotated = await app.request({ method: 'POST', url: `/api/webhooks/${id}/rotate-secret`, token: owner.token });
    assert.equal(rotated.statusCode, 200);
    assert.match(rotated.json().secret, /^whsec_/);
    assert.ok(Date.parse(rotated.json().previous_secret_expires_at) > Date.now() + 23 * 3_600_000);
    const deleted = await app.request({ method: 'DELETE', url: `/api/webhooks/${id}`, token: owner.token });
    assert.equal(deleted.statusCode, 204);
    assert.equal((await app.request({ method: 'GET', url: `/api/webhooks/${id}`, token: owner.token })).statusCode, 404);

    const { rows } = await app.base.db.tenant.query<{ action: string; after: unknown }>(
      { tenantId: owner.tenantId, userId: null },
      `select action, after from audit_log where target_type = 'webhook_endpoint' and target_id = $1 order by occurred_at, id`,
      [id],
    );
    assert.deepEqual(rows.map((row) => row.action), ['webhook.created', 'webhook.updated', 'webhook.secret_rotated', 'webhook.deleted']);
    assert.ok(!JSON.stringify(rows).includes('whsec_'), 'the audit log never holds the secret');
  });

  it('refuses bad patterns and bad URLs with a pointer', async () => {
    const badEvents = await create(owner.token, { url: 'https://example.com/hook', events: ['Record created'] });
    assertProblem(badEvents, 422, 'validation-failed');
    const badUrl = await create(owner.token, { url: 'not a url', events: ['*'] });
    const problem = assertProblem(badUrl, 422, 'webhook-url-not-allowed');
    assert.deepEqual((problem.errors as Array<{ pointer: string }>).map((error) => error.pointer), ['/url']);
  });

  it('refuses private addresses and plain http without TESSERA_WEBHOOKS_ALLOW_PRIVATE', async () => {
    const strictOwner = await signup(strict.base);
    for (const url of ['http://example.com/hook', 'https://127.0.0.1/hook', 'https://[::1]/hook', 'https://169.254.169.254/latest', 'https://localhost/hook', 'https://10.0.0.8/']) {
      const response = await strict.request({ method: 'POST', url: '/api/webhooks', token: strictOwner.token, body: { url, events: ['*'] } });
      assertProblem(response, 422, 'webhook-url-not-allowed');
    }
  });

  it('answers 404 for another organisation\'s endpoint', async () => {
    const id = (await create(owner.token, { url: 'http://127.0.0.1:9/b', events: ['*'] })).json().id;
    const deliveryId = '01890000-0000-7000-8000-000000000000';
    for (const [method, url, body] of [
      ['GET', `/api/webhooks/${id}`, undefined],
      ['PATCH', `/api/webhooks/${id}`, { enabled: false }],
      ['DELETE', `/api/webhooks/${id}`, undefined],
      ['POST', `/api/webhooks/${id}/rotate-secret`, undefined],
      ['GET', `/api/webhooks/${id}/deliveries`, undefined],
      ['POST', `/api/webhooks/${id}/deliveries/${deliveryId}/retry`, undefined],
      ['POST', `/api/webhooks/${id}/test`, undefined],
    ] as const) {
      const response = await app.request({ method, url, token: other.token, body });
      assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
    }
    const theirs = await app.request({ method: 'GET', url: '/api/webhooks', token: other.token });
    assert.ok(!theirs.json().data.some((endpoint: { id: string }) => endpoint.id === id));
    assert.equal((await app.request({ method: 'GET', url: `/api/webhooks/${id}`, token: owner.token })).statusCode, 200);
  });
});
