import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createOperator, type CreatedOperator } from '../../src/cli/commands/operator-create.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

let counter = 0;
function uniqueEmail(): string {
  counter += 1;
  return `ops${counter}-${Math.random().toString(36).slice(2, 8)}@platform.example`;
}

async function login(app: TestApp, email: string, senha: string) {
  return app.request({ method: 'POST', url: '/api/admin/auth/login', body: { email, senha } });
}

async function operatorToken(app: TestApp, operator: CreatedOperator): Promise<string> {
  const response = await login(app, operator.email, operator.password);
  assert.equal(response.statusCode, 200, response.body);
  return response.json().token;
}

/** Reads as the superuser (not subject to RLS), to check what the routes wrote. */
async function withAdmin<T>(app: TestApp, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: app.database.adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

interface TenantAuditRow {
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: { status: string } | null;
  after: { status: string } | null;
}

function tenantAudit(app: TestApp, tenantId: string, action: string): Promise<TenantAuditRow[]> {
  return withAdmin(app, async (client) => {
    const { rows } = await client.query<TenantAuditRow>(
      'select actor_type, actor_id, action, target_type, target_id, before, after from audit_log where tenant_id = $1 and action = $2 order by occurred_at',
      [tenantId, action],
    );
    return rows;
  });
}

interface PlatformAuditRow {
  operator_id: string | null;
  action: string;
  target_tenant: string | null;
  details: Record<string, unknown> | null;
  request_id: string | null;
}

function platformAudit(app: TestApp, filter: { action: string; operatorId?: string | null; tenantId?: string }): Promise<PlatformAuditRow[]> {
  return withAdmin(app, async (client) => {
    const { rows } = await client.query<PlatformAuditRow>(
      `select operator_id, action, target_tenant, details, request_id from platform_audit_log
       where action = $1
         and ($2::boolean is false or operator_id is not distinct from $3::uuid)
         and ($4::uuid is null or target_tenant = $4)
       order by occurred_at`,
      [filter.action, filter.operatorId !== undefined, filter.operatorId ?? null, filter.tenantId ?? null],
    );
    return rows;
  });
}

async function createReadOnlyKey(app: TestApp, owner: SignedUp): Promise<string> {
  const response = await app.request({
    method: 'POST',
    url: '/api/tenants/atual/api-keys',
    token: owner.token,
    body: { nome: 'integration', escopo: 'read-only' },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().secret;
}

describe('operators', () => {
  let app: TestApp;
  let operator: CreatedOperator;
  let token: string;

  before(async () => {
    app = await startTestApp();
    operator = await createOperator(app.database.adminUrl, uniqueEmail());
    token = await operatorToken(app, operator);
  });
  after(async () => {
    await app.stop();
  });

  describe('sign-in', () => {
    test('answers an operator token and records operator.login', async () => {
      const response = await login(app, operator.email.toUpperCase(), operator.password);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, app.config.accessTokenTtlSeconds);
      assert.match(body.token, /^ey/);
      assert.equal(body.refresh_token, undefined);
      const rows = await platformAudit(app, { action: 'operator.login', operatorId: operator.id });
      assert.ok(rows.some((row) => row.request_id === response.headers['x-request-id']));
    });

    test('a wrong password or an unknown email is 401 and recorded as a failed login', async () => {
      const wrong = await login(app, operator.email, 'not the password');
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().type, '/problems/invalid-credentials');
      const unknownEmail = uniqueEmail();
      const unknown = await login(app, unknownEmail, operator.password);
      assert.equal(unknown.statusCode, 401);
      assert.equal(unknown.json().type, '/problems/invalid-credentials');

      const failures = await platformAudit(app, { action: 'operator.login_failed' });
      assert.ok(failures.some((row) => row.operator_id === operator.id && row.details?.reason === 'wrong_password'));
      assert.ok(failures.some((row) => row.operator_id === null && row.details?.email === unknownEmail && row.details?.reason === 'unknown_email'));
    });

    test('a member cannot sign in as an operator with their own credentials', async () => {
      const owner = await signup(app);
      const response = await login(app, owner.email, owner.senha);
      assert.equal(response.statusCode, 401);
    });

    test('a disabled operator cannot sign in, and its existing token stops working', async () => {
      const disabled = await createOperator(app.database.adminUrl, uniqueEmail());
      const oldToken = await operatorToken(app, disabled);
      const owner = await signup(app);
      await withAdmin(app, (client) => client.query('update operators set disabled_at = now() where id = $1', [disabled.id]));

      const response = await login(app, disabled.email, disabled.password);
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().type, '/problems/invalid-credentials');
      const failures = await platformAudit(app, { action: 'operator.login_failed', operatorId: disabled.id });
      assert.equal(failures[0]?.details?.reason, 'disabled');

      for (const request of [
        { method: 'GET' as const, url: '/api/admin/tenants' },
        { method: 'GET' as const, url: `/api/admin/tenants/${owner.tenantId}` },
        { method: 'POST' as const, url: `/api/admin/tenants/${owner.tenantId}/suspend` },
      ]) {
        const refused = await app.request({ ...request, token: oldToken });
        assert.equal(refused.statusCode, 401, `${request.url}: ${refused.body}`);
        assert.equal(refused.json().type, '/problems/invalid-token');
      }
      const tenant = await app.request({ method: 'GET', url: '/api/tenants/atual', token: owner.token });
      assert.equal(tenant.json().status, 'active');
    });

    test('a malformed body is 422', async () => {
      for (const body of [{ email: operator.email }, { email: 'not-an-email', senha: 'x' }, { email: operator.email, senha: 'x', extra: 1 }]) {
        const response = await app.request({ method: 'POST', url: '/api/admin/auth/login', body });
        assert.equal(response.statusCode, 422, JSON.stringify(body));
      }
    });
  });

  describe('credentials and audiences', () => {
    test('member tokens and API keys are 401 on every operator route', async () => {
      const owner = await signup(app);
      const apiKey = await createReadOnlyKey(app, owner);
      const routes = [
        { method: 'GET' as const, url: '/api/admin/tenants' },
        { method: 'GET' as const, url: `/api/admin/tenants/${owner.tenantId}` },
        { method: 'POST' as const, url: `/api/admin/tenants/${owner.tenantId}/suspend` },
        { method: 'POST' as const, url: `/api/admin/tenants/${owner.tenantId}/reactivate` },
      ];
      for (const route of routes) {
        for (const credential of [owner.token, apiKey, undefined]) {
          const response = await app.request({ ...route, ...(credential ? { token: credential } : {}) });
          assert.equal(response.statusCode, 401, `${route.method} ${route.url}: ${response.body}`);
          assert.equal(response.headers['content-type'], 'application/problem+json');
        }
      }
      const tenant = await app.request({ method: 'GET', url: '/api/tenants/atual', token: owner.token });
      assert.equal(tenant.json().status, 'active', 'the refused suspension changed nothing');
    });

    test('an operator token is 401 on the routes of an organisation', async () => {
      for (const url of ['/api/tenants/atual', '/api/tenants/atual/api-keys']) {
        const response = await app.request({ method: 'GET', url, token });
        assert.equal(response.statusCode, 401, `${url}: ${response.body}`);
        assert.equal(response.json().type, '/problems/invalid-token');
      }
    });
  });

  describe('directory', () => {
    test('pages through organisations newest first with an opaque cursor', async () => {
      const prefix = `dir-${Math.random().toString(36).slice(2, 8)}`;
      const created: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        created.push((await signup(app, { slug: `${prefix}-${index}` })).tenantId);
      }
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `limit=2&slug=${prefix}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const response = await app.request({ method: 'GET', url: `/api/admin/tenants?${query}`, token });
        assert.equal(response.statusCode, 200, response.body);
        const body: { data: Array<{ id: string; slug: string; status: string; created_at: string }>; next_cursor: string | null } =
          response.json();
        sizes.push(body.data.length);
        for (const tenant of body.data) {
          assert.ok(tenant.slug.startsWith(prefix));
          assert.equal(tenant.status, 'active');
          assert.match(tenant.created_at, /Z$/);
          seen.push(tenant.id);
        }
        cursor = body.next_cursor;
      } while (cursor !== null && sizes.length < 10);
      assert.deepEqual(sizes, [2, 2, 1]);
      assert.deepEqual(seen, [...created].reverse(), 'newest first, each organisation exactly once');
    });

    test('an exact page leaves no empty last page, and the default page size is 50', async () => {
      const prefix = `exact-${Math.random().toString(36).slice(2, 8)}`;
      for (let index = 0; index < 2; index += 1) await signup(app, { slug: `${prefix}-${index}` });
      const response = await app.request({ method: 'GET', url: `/api/admin/tenants?limit=2&slug=${prefix}`, token });
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().data.length, 2);
      assert.equal(response.json().next_cursor, null);
      const all = await app.request({ method: 'GET', url: '/api/admin/tenants', token });
      assert.equal(all.statusCode, 200);
      assert.ok(all.json().data.length >= 2 && all.json().data.length <= 50);
    });

    test('filters by status', async () => {
      const prefix = `status-${Math.random().toString(36).slice(2, 8)}`;
      const kept = await signup(app, { slug: `${prefix}-kept` });
      const suspended = await signup(app, { slug: `${prefix}-gone` });
      const suspend = await app.request({ method: 'POST', url: `/api/admin/tenants/${suspended.tenantId}/suspend`, token });
      assert.equal(suspend.statusCode, 200, suspend.body);
      const onlySuspended = await app.request({ method: 'GET', url: `/api/admin/tenants?status=suspended&slug=${prefix}`, token });
      assert.deepEqual(
        onlySuspended.json().data.map((tenant: { id: string }) => tenant.id),
        [suspended.tenantId],
      );
      const onlyActive = await app.request({ method: 'GET', url: `/api/admin/tenants?status=active&slug=${prefix}`, token });
      assert.deepEqual(
        onlyActive.json().data.map((tenant: { id: string }) => tenant.id),
        [kept.tenantId],
      );
    });

    test('a bad cursor, limit, status, slug or unknown parameter is 422, never 500', async () => {
      const impossibleDate = Buffer.from(JSON.stringify({ at: '2024-13-45T25:00:00.000000Z', id: randomUUID() })).toString('base64url');
      const thirtiethFebruary = Buffer.from(JSON.stringify({ at: '2023-02-30T00:00:00.000000Z', id: randomUUID() })).toString('base64url');
      const notUuid = Buffer.from(JSON.stringify({ at: '2024-01-01T00:00:00.000000Z', id: 'x' })).toString('base64url');
      const notJson = Buffer.from('{"at":').toString('base64url');
      const queries = [
        'cursor=garbage',
        'cursor=%21%21%21',
        `cursor=${impossibleDate}`,
        `cursor=${thirtiethFebruary}`,
        `cursor=${notUuid}`,
        `cursor=${notJson}`,
        `cursor=${Buffer.from('[]').toString('base64url')}`,
        'cursor=',
        'limit=0',
        'limit=201',
        'limit=abc',
        'limit=1.5',
        'status=paused',
        'slug=UPPER',
        'slug=a%25',
        'sort=nome',
      ];
      for (const query of queries) {
        const response = await app.request({ method: 'GET', url: `/api/admin/tenants?${query}`, token });
        assert.equal(response.statusCode, 422, `${query}: ${response.body}`);
        assert.equal(response.json().type, '/problems/validation-failed');
      }
      const cursor = await app.request({ method: 'GET', url: '/api/admin/tenants?cursor=garbage', token });
      assert.deepEqual(cursor.json().errors, [{ pointer: '/cursor', message: 'is not a next_cursor from a previous page', in: 'query' }]);
    });
  });

  describe('one organisation', () => {
    test('answers it and records the access in both audit logs', async () => {
      const owner = await signup(app);
      const response = await app.request({ method: 'GET', url: `/api/admin/tenants/${owner.tenantId}`, token });
      assert.equal(response.statusCode, 200, response.body);
      const own = await app.request({ method: 'GET', url: '/api/tenants/atual', token: owner.token });
      assert.deepEqual(response.json(), own.json());

      const entries = await tenantAudit(app, owner.tenantId, 'operator.tenant_viewed');
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.actor_type, 'operator');
      assert.equal(entries[0]?.actor_id, operator.id);
      assert.equal(entries[0]?.target_type, 'tenant');
      assert.equal(entries[0]?.target_id, owner.tenantId);
      const platform = await platformAudit(app, { action: 'operator.tenant_viewed', tenantId: owner.tenantId });
      assert.equal(platform.length, 1);
      assert.equal(platform[0]?.operator_id, operator.id);
      assert.equal(platform[0]?.request_id, response.headers['x-request-id']);
    });

    test('an unknown organisation is 404 and a malformed id is 422', async () => {
      const unknown = randomUUID();
      const missing = await app.request({ method: 'GET', url: `/api/admin/tenants/${unknown}`, token });
      assert.equal(missing.statusCode, 404, missing.body);
      assert.equal((await platformAudit(app, { action: 'operator.tenant_viewed', tenantId: unknown })).length, 0);
      for (const action of ['suspend', 'reactivate']) {
        const response = await app.request({ method: 'POST', url: `/api/admin/tenants/${unknown}/${action}`, token });
        assert.equal(response.statusCode, 404, `${action}: ${response.body}`);
      }
      const malformed = await app.request({ method: 'GET', url: '/api/admin/tenants/not-a-uuid', token });
      assert.equal(malformed.statusCode, 422);
    });
  });

  describe('suspension', () => {
    test('suspends and reactivates, with its effects on members, keys and sign-in', async () => {
      const owner = await signup(app);
      const apiKey = await createReadOnlyKey(app, owner);
      const read = (credential: string) => app.request({ method: 'GET', url: '/api/tenants/atual', token: credential });
      const memberLogin = () => app.request({ method: 'POST', url: '/api/auth/login', body: { email: owner.email, senha: owner.senha } });

      const suspended = await app.request({
        method: 'POST',
        url: `/api/admin/tenants/${owner.tenantId}/suspend`,
        token,
        body: { reason: 'unpaid invoices' },
      });
      assert.equal(suspended.statusCode, 200, suspended.body);
      assert.equal(suspended.json().status, 'suspended');
      assert.equal(suspended.json().id, owner.tenantId);

      for (const credential of [owner.token, apiKey]) {
        const refused = await read(credential);
        assert.equal(refused.statusCode, 403, refused.body);
        assert.equal(refused.json().type, '/problems/organisation-inactive');
      }
      const refusedLogin = await memberLogin();
      assert.equal(refusedLogin.statusCode, 403, refusedLogin.body);
      assert.equal(refusedLogin.json().type, '/problems/organisation-inactive');

      // Operators still see a suspended organisation.
      const viewed = await app.request({ method: 'GET', url: `/api/admin/tenants/${owner.tenantId}`, token });
      assert.equal(viewed.json().status, 'suspended');

      const reactivated = await app.request({ method: 'POST', url: `/api/admin/tenants/${owner.tenantId}/reactivate`, token });
      assert.equal(reactivated.statusCode, 200, reactivated.body);
      assert.equal(reactivated.json().status, 'active');
      for (const credential of [owner.token, apiKey]) {
        const allowed = await read(credential);
        assert.equal(allowed.statusCode, 200, allowed.body);
        assert.equal(allowed.json().status, 'active');
      }
      assert.equal((await memberLogin()).statusCode, 200);
    });

    test('records the change in both audit logs and the outbox, in the same transaction', async () => {
      const owner = await signup(app);
      const response = await app.request({
        method: 'POST',
        url: `/api/admin/tenants/${owner.tenantId}/suspend`,
        token,
        body: { reason: 'abuse report' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const audit = await tenantAudit(app, owner.tenantId, 'tenant.suspended');
      assert.equal(audit.length, 1);
      assert.equal(audit[0]?.actor_type, 'operator');
      assert.equal(audit[0]?.actor_id, operator.id);
      assert.equal(audit[0]?.target_id, owner.tenantId);
      assert.equal(audit[0]?.before?.status, 'active');
      assert.equal(audit[0]?.after?.status, 'suspended');
      const platform = await platformAudit(app, { action: 'tenant.suspended', tenantId: owner.tenantId });
      assert.equal(platform.length, 1);
      assert.equal(platform[0]?.operator_id, operator.id);
      assert.deepEqual(platform[0]?.details, { from: 'active', to: 'suspended', reason: 'abuse report' });

      await app.request({ method: 'POST', url: `/api/admin/tenants/${owner.tenantId}/reactivate`, token });
      assert.equal((await tenantAudit(app, owner.tenantId, 'tenant.reactivated')).length, 1);
      assert.equal((await platformAudit(app, { action: 'tenant.reactivated', tenantId: owner.tenantId })).length, 1);

      const events = await withAdmin(app, async (client) => {
        const { rows } = await client.query<{ event_type: string; subject_id: string; payload: { tenant: { status: string }; reason: string | null } }>(
          `select event_type, subject_id, payload from outbox
           where tenant_id = $1 and event_type in ('tenant.suspended', 'tenant.reactivated') order by occurred_at, event_type desc`,
          [owner.tenantId],
        );
        return rows;
      });
      assert.deepEqual(
        events.map((event) => [event.event_type, event.subject_id, event.payload.tenant.status, event.payload.reason]),
        [
          ['tenant.suspended', owner.tenantId, 'suspended', 'abuse report'],
          ['tenant.reactivated', owner.tenantId, 'active', null],
        ],
      );
    });

    test('suspending twice is idempotent: 200 and no second audit entry', async () => {
      const owner = await signup(app);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const response = await app.request({ method: 'POST', url: `/api/admin/tenants/${owner.tenantId}/suspend`, token });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.json().status, 'suspended');
      }
      assert.equal((await tenantAudit(app, owner.tenantId, 'tenant.suspended')).length, 1);
      assert.equal((await platformAudit(app, { action: 'tenant.suspended', tenantId: owner.tenantId })).length, 1);

      const active = await signup(app);
      const reactivate = await app.request({ method: 'POST', url: `/api/admin/tenants/${active.tenantId}/reactivate`, token });
      assert.equal(reactivate.statusCode, 200);
      assert.equal(reactivate.json().status, 'active');
      assert.equal((await tenantAudit(app, active.tenantId, 'tenant.reactivated')).length, 0);
    });

    test('a cancelled organisation can be neither reactivated nor suspended: 409', async () => {
      const owner = await signup(app);
      await withAdmin(app, (client) => client.query(`update tenants set status = 'cancelled' where id = $1`, [owner.tenantId]));
      for (const action of ['reactivate', 'suspend']) {
        const response = await app.request({ method: 'POST', url: `/api/admin/tenants/${owner.tenantId}/${action}`, token });
        assert.equal(response.statusCode, 409, `${action}: ${response.body}`);
        assert.equal(response.json().type, '/problems/organisation-cancelled');
      }
      const viewed = await app.request({ method: 'GET', url: `/api/admin/tenants/${owner.tenantId}`, token });
      assert.equal(viewed.json().status, 'cancelled');
      assert.equal((await tenantAudit(app, owner.tenantId, 'tenant.reactivated')).length, 0);
    });

    test('the reason is optional but must be a non-empty string; nothing else is accepted', async () => {
      const owner = await signup(app);
      for (const body of [{ reason: '' }, { reason: 42 }, { reason: 'x'.repeat(501) }, { status: 'active' }, []]) {
        const response = await app.request({ method: 'POST', url: `/api/admin/tenants/${owner.tenantId}/suspend`, token, body });
        assert.equal(response.statusCode, 422, `${JSON.stringify(body)}: ${response.body}`);
      }
      const empty = await app.request({ method: 'POST', url: `/api/admin/tenants/${owner.tenantId}/suspend`, token, body: {} });
      assert.equal(empty.statusCode, 200, empty.body);
      const tenant = await app.request({ method: 'GET', url: `/api/admin/tenants/${owner.tenantId}`, token });
      assert.equal(tenant.json().status, 'suspended');
    });
  });
});

describe('operator sign-in rate limit', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ TESSERA_LOGIN_RATE_LIMIT: '3' });
  });
  after(async () => {
    await app.stop();
  });

  test('repeated attempts for one email are refused with 429 and Retry-After', async () => {
    const operator = await createOperator(app.database.adminUrl, uniqueEmail());
    let limited: Awaited<ReturnType<TestApp['request']>> | null = null;
    // The limit is per minute in fixed windows; enough attempts to cross it
    // whatever the limit (3 configured, 10 by default) and wherever the window starts.
    for (let attempt = 0; attempt < 25 && limited === null; attempt += 1) {
      const response = await app.app.inject({
        method: 'POST',
        url: '/api/admin/auth/login',
        remoteAddress: `198.51.100.${attempt + 1}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email: operator.email, senha: 'wrong password' }),
      });
      if (response.statusCode === 429) limited = response;
      else assert.equal(response.statusCode, 401, response.body);
    }
    assert.ok(limited, 'expected a 429');
    assert.equal(limited.json().type, '/problems/rate-limited');
    assert.match(String(limited.headers['retry-after']), /^\d+$/);
  });
});
