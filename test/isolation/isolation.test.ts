// Two organisations with one of everything. Every route that takes an id,
// called by organisation A with B's ids, answers 404 and changes nothing in B;
// every listing A can call shows nothing of B. Routes are enumerated from the
// running server, so a new route with an id fails here until it is covered,
// and a new listing is checked automatically.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { AdminDb, addMember, createApiKey, freshEmail, invite } from '../members/helpers.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

interface Organisation {
  owner: SignedUp;
  memberId: string;
  memberEmail: string;
  invitationId: string;
  apiKey: string;
  apiKeyId: string;
  revokedKeyId: string;
  entityTypeKey: string;
  /** A record of RECORD_TYPE, a type key both organisations define, so record ids are what is tested. */
  recordId: string;
  /** A team with memberId in it. */
  teamId: string;
  /** A notification of the owner's. */
  notificationId: string;
  /** A webhook endpoint and one of its deliveries (a test send). */
  webhookId: string;
  deliveryId: string;
}

const RECORD_TYPE = 'shared_asset';

let organisations = 0;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** How to call each tenant route that takes an id, with the other organisation's id. */
/**
 * `creates`: a PUT by key that creates in the caller's organisation when the
 * key is not the caller's (keys are per organisation): it must answer 201 for
 * the caller's own new row, leave the other's untouched, and is undone.
 */
const ID_ROUTES: Record<string, (other: Organisation) => { url: string; body?: unknown; creates?: true }> = {
  'PATCH /api/tenants/atual/members/:id': (other) => ({ url: `/api/tenants/atual/members/${other.memberId}`, body: { role: 'gestor' } }),
  'DELETE /api/tenants/atual/members/:id': (other) => ({ url: `/api/tenants/atual/members/${other.memberId}` }),
  'DELETE /api/tenants/atual/invitations/:id': (other) => ({ url: `/api/tenants/atual/invitations/${other.invitationId}` }),
  'GET /api/tenants/atual/api-keys/:id': (other) => ({ url: `/api/tenants/atual/api-keys/${other.apiKeyId}` }),
  'POST /api/tenants/atual/api-keys/:id/revogar': (other) => ({ url: `/api/tenants/atual/api-keys/${other.apiKeyId}/revogar` }),
  'GET /api/tenants/atual/api-keys/:id/usage': (other) => ({ url: `/api/tenants/atual/api-keys/${other.revokedKeyId}/usage` }),
  // Entity types are addressed by key: each organisation has one whose key the other lacks.
  'GET /api/entity-types/:key': (other) => ({ url: `/api/entity-types/${other.entityTypeKey}` }),
  'PATCH /api/entity-types/:key': (other) => ({ url: `/api/entity-types/${other.entityTypeKey}`, body: { label: 'Changed' } }),
  'POST /api/entity-types/:key/fields': (other) => ({ url: `/api/entity-types/${other.entityTypeKey}/fields`, body: { key: 'x', type: 'text' } }),
  'GET /api/entity-types/:key/versions': (other) => ({ url: `/api/entity-types/${other.entityTypeKey}/versions` }),
  'POST /api/entity-types/:key/rollback': (other) => ({ url: `/api/entity-types/${other.entityTypeKey}/rollback`, body: { to_version: 1 } }),
  'POST /api/entity-types/:key/preview': (other) => ({ url: `/api/entity-types/${other.entityTypeKey}/preview`, body: { label: 'Changed' } }),
  // Records: by the other organisation's record id under a type key both have...
  'GET /api/records/:type/:id': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}` }),
  'PATCH /api/records/:type/:id': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}`, body: { title: 'Changed' } }),
  'DELETE /api/records/:type/:id': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}` }),
  // Shares of the other organisation's record (its team and member as principals, its team id as a share id).
  'POST /api/records/:type/:id/access': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}/access`, body: { principal: { team: other.teamId }, access: 'read' } }),
  'GET /api/records/:type/:id/access': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}/access` }),
  'DELETE /api/records/:type/:id/access/:share_id': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}/access/${other.teamId}` }),
  // ...and by a type key only the other organisation has.
  'POST /api/records/:type': (other) => ({ url: `/api/records/${other.entityTypeKey}`, body: { title: 'x' } }),
  'GET /api/records/:type': (other) => ({ url: `/api/records/${other.entityTypeKey}` }),
  'POST /api/records/:type/bulk': (other) => ({ url: `/api/records/${other.entityTypeKey}/bulk`, body: { records: [{ title: 'x' }] } }),
  // Teams, by the other organisation's team id (and its member's id).
  'GET /api/teams/:id': (other) => ({ url: `/api/teams/${other.teamId}` }),
  'PATCH /api/teams/:id': (other) => ({ url: `/api/teams/${other.teamId}`, body: { name: 'Changed' } }),
  'DELETE /api/teams/:id': (other) => ({ url: `/api/teams/${other.teamId}` }),
  'POST /api/teams/:id/members': (other) => ({ url: `/api/teams/${other.teamId}/members`, body: { user_id: other.memberId } }),
  'DELETE /api/teams/:id/members/:user_id': (other) => ({ url: `/api/teams/${other.teamId}/members/${other.memberId}` }),
  // Per-type permissions, by a type key only the other organisation has.
  'GET /api/entity-types/:key/permissions': (other) => ({ url: `/api/entity-types/${other.entityTypeKey}/permissions` }),
  'PUT /api/entity-types/:key/permissions': (other) => ({ url: `/api/entity-types/${other.entityTypeKey}/permissions`, body: { visibility: 'restricted' } }),
  // Saved queries, by a key only the other organisation has (each saves one under its entity type's key).
  'GET /api/saved-queries/:key': (other) => ({ url: `/api/saved-queries/${other.entityTypeKey}` }),
  'PUT /api/saved-queries/:key': (other) => ({ url: `/api/saved-queries/${other.entityTypeKey}`, body: { name: 'Changed', query: { from: other.entityTypeKey } } }),
  'DELETE /api/saved-queries/:key': (other) => ({ url: `/api/saved-queries/${other.entityTypeKey}` }),
  'POST /api/saved-queries/:key/run': (other) => ({ url: `/api/saved-queries/${other.entityTypeKey}/run`, body: {} }),
  // Workflows and business calendars, by a key only the other organisation has (each names them after its entity type).
  'GET /api/workflows/:key': (other) => ({ url: `/api/workflows/${other.entityTypeKey}` }),
  'PUT /api/workflows/:key': (other) => ({ url: `/api/workflows/${other.entityTypeKey}`, body: workflowOf(other.entityTypeKey) }),
  'POST /api/workflows/:key/publish': (other) => ({ url: `/api/workflows/${other.entityTypeKey}/publish` }),
  'GET /api/workflows/:key/versions': (other) => ({ url: `/api/workflows/${other.entityTypeKey}/versions` }),
  'GET /api/workflows/:key/versions/:version': (other) => ({ url: `/api/workflows/${other.entityTypeKey}/versions/1` }),
  'GET /api/workflows/:key/diff': (other) => ({ url: `/api/workflows/${other.entityTypeKey}/diff?from=1&to=draft` }),
  'POST /api/workflows/:key/migrate': (other) => ({ url: `/api/workflows/${other.entityTypeKey}/migrate`, body: { from_version: 1, to_version: 1, state_map: {}, dry_run: false } }),
  'GET /api/business-calendars/:key': (other) => ({ url: `/api/business-calendars/${other.entityTypeKey}` }),
  'DELETE /api/business-calendars/:key': (other) => ({ url: `/api/business-calendars/${other.entityTypeKey}` }),
  'GET /api/business-calendars/:key/due': (other) => ({ url: `/api/business-calendars/${other.entityTypeKey}/due?within=4h` }),
  // Transitions and history of the other organisation's record (its type has a workflow in both).
  'GET /api/records/:type/:id/transitions': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}/transitions` }),
  'POST /api/records/:type/:id/transitions/:key': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}/transitions/close`, body: {} }),
  'GET /api/records/:type/:id/history': (other) => ({ url: `/api/records/${RECORD_TYPE}/${other.recordId}/history` }),
  'POST /api/notifications/:id/read': (other) => ({ url: `/api/notifications/${other.notificationId}/read` }),
  // Webhook endpoints and their deliveries, by the other organisation's ids.
  'GET /api/webhooks/:id': (other) => ({ url: `/api/webhooks/${other.webhookId}` }),
  'PATCH /api/webhooks/:id': (other) => ({ url: `/api/webhooks/${other.webhookId}`, body: { description: 'Changed' } }),
  'DELETE /api/webhooks/:id': (other) => ({ url: `/api/webhooks/${other.webhookId}` }),
  'POST /api/webhooks/:id/rotate-secret': (other) => ({ url: `/api/webhooks/${other.webhookId}/rotate-secret` }),
  'GET /api/webhooks/:id/deliveries': (other) => ({ url: `/api/webhooks/${other.webhookId}/deliveries` }),
  'POST /api/webhooks/:id/deliveries/:delivery_id/retry': (other) => ({ url: `/api/webhooks/${other.webhookId}/deliveries/${other.deliveryId}/retry` }),
  'POST /api/webhooks/:id/test': (other) => ({ url: `/api/webhooks/${other.webhookId}/test` }),
  'PUT /api/business-calendars/:key': (other) => ({ url: `/api/business-calendars/${other.entityTypeKey}`, body: CALENDAR, creates: true }),
};

/** A two-state workflow for `type`, keyed like the type. */
function workflowOf(type: string): Record<string, unknown> {
  return {
    key: type,
    entity_type: type,
    initial: 'open',
    states: [{ key: 'open', category: 'new' }, { key: 'closed', category: 'closed', final: true }],
    transitions: [{ key: 'close', from: ['open'], to: 'closed' }],
  };
}

/** A business calendar that changes nothing but its name (the 404 must come first). */
const CALENDAR = { name: 'Changed', working_hours: { mon: [['09:00', '17:00']] } };

/** Routes with parameters that are not tenant data: platform documents and the operators' directory. */
const NOT_TENANT_SCOPED = /^(GET \/docs|GET \/problems\/|[A-Z]+ \/api\/admin\/)/;

describe('tenant isolation across every route', () => {
  let app: TestApp;
  let admin: AdminDb;
  let a: Organisation;
  let b: Organisation;

  async function organisation(): Promise<Organisation> {
    const owner = await signup(app);
    const member = await addMember(app, owner, 'cliente');
    const pending = await invite(app, owner, freshEmail('pending'));
    const apiKey = await createApiKey(app, owner);
    const keys = await app.request({ method: 'GET', url: '/api/tenants/atual/api-keys', token: owner.token });
    const apiKeyId = keys.json().data[0].id as string;
    await app.request({ method: 'GET', url: '/api/tenants/atual', token: apiKey });
    const revoked = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: 'old', escopo: 'read-only' } });
    const revokedKeyId = revoked.json().id as string;
    await app.request({ method: 'POST', url: `/api/tenants/atual/api-keys/${revokedKeyId}/revogar`, token: owner.token });
    organisations += 1;
    const entityTypeKey = `isolated_${organisations}`;
    const created = await app.request({
      method: 'POST',
      url: '/api/entity-types',
      token: owner.token,
      body: { key: entityTypeKey, label: 'Isolated', fields: [{ key: 'title', type: 'text' }] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const shared = await app.request({ method: 'POST', url: '/api/entity-types', token: owner.token, body: { key: RECORD_TYPE, label: 'Asset', fields: [{ key: 'title', type: 'text' }] } });
    assert.equal(shared.statusCode, 201, shared.body);
    const saved = await app.request({ method: 'POST', url: '/api/saved-queries', token: owner.token, body: { key: entityTypeKey, name: 'Isolated', query: { from: entityTypeKey }, shared: true } });
    assert.equal(saved.statusCode, 201, saved.body);
    const record = await app.request({ method: 'POST', url: `/api/records/${RECORD_TYPE}`, token: owner.token, body: { title: 'Mine' } });
    assert.equal(record.statusCode, 201, record.body);
    const recordId = record.json().id as string;
    const team = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body: { name: 'Shared name' } });
    assert.equal(team.statusCode, 201, team.body);
    const teamId = team.json().id as string;
    const joined = await app.request({ method: 'POST', url: `/api/teams/${teamId}/members`, token: owner.token, body: { user_id: member.userId } });
    assert.equal(joined.statusCode, 201, joined.body);
    // Workflows on both types (the shared type's attaches the record), and a calendar, named after the type only this organisation has.
    for (const workflow of [workflowOf(entityTypeKey), { ...workflowOf(RECORD_TYPE), key: 'shared-lifecycle' }]) {
      const draft = await app.request({ method: 'POST', url: '/api/workflows', token: owner.token, body: workflow });
      assert.equal(draft.statusCode, 201, draft.body);
      const published = await app.request({ method: 'POST', url: `/api/workflows/${String(workflow.key)}/publish`, token: owner.token });
      assert.equal(published.statusCode, 200, published.body);
    }
    const calendar = await app.request({ method: 'PUT', url: `/api/business-calendars/${entityTypeKey}`, token: owner.token, body: CALENDAR });
    assert.equal(calendar.statusCode, 201, calendar.body);
    const webhook = await app.request({ method: 'POST', url: '/api/webhooks', token: owner.token, body: { url: 'http://127.0.0.1:9/hook', events: ['*'] } });
    assert.equal(webhook.statusCode, 201, webhook.body);
    const webhookId = webhook.json().id as string;
    const delivery = await app.request({ method: 'POST', url: `/api/webhooks/${webhookId}/test`, token: owner.token });
    assert.equal(delivery.statusCode, 202, delivery.body);
    const deliveryId = delivery.json().id as string;
    const notificationId = randomUUID();
    await admin.query(`insert into notifications (tenant_id, id, user_id, title) values ($1, $2, $3, 'Yours')`, [owner.tenantId, notificationId, owner.userId]);
    return {
      owner, memberId: member.userId, memberEmail: member.email, invitationId: pending.invitation.id, apiKey, apiKeyId, revokedKeyId, entityTypeKey, recordId, teamId,
      notificationId, webhookId, deliveryId,
    };
  }

  before(async () => {
    // Webhook endpoints on a local address (nothing is sent: the delivery worker is off in tests).
    app = await startTestApp({ TESSERA_TRUST_PROXY: 'true', TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    admin = await AdminDb.connect(app);
    a = await organisation();
    b = await organisation();
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  function routes(): string[] {
    return app.app.registeredRoutes.map((route) => `${route.method} ${route.url}`);
  }

  test('every tenant route that takes an id is covered by this suite', () => {
    const withIds = routes().filter((route) => route.includes('/:') && !NOT_TENANT_SCOPED.test(route));
    assert.deepEqual(withIds.filter((route) => !(route in ID_ROUTES)), [], 'add the new routes to ID_ROUTES');
    assert.ok(withIds.length >= Object.keys(ID_ROUTES).length);
  });

  test("another organisation's ids answer 404 on every route and change nothing there", async () => {
    const snapshot = async () =>
      (
        await admin.query(
          `select (select jsonb_agg(u order by u.id) from users u where tenant_id = $1) as users,
                  (select jsonb_agg(jsonb_build_object('id', k.id, 'revoked_at', k.revoked_at) order by k.id) from api_keys k where tenant_id = $1) as keys,
                  (select jsonb_agg(jsonb_build_object('id', i.id, 'revoked_at', i.revoked_at) order by i.id) from invitations i where tenant_id = $1) as invitations,
                  (select jsonb_agg(v order by v.type_key, v.version) from entity_type_versions v where tenant_id = $1) as entity_type_versions,
                  (select jsonb_agg(r order by r.id) from records r where tenant_id = $1) as records,
                  (select jsonb_agg(t order by t.id) from teams t where tenant_id = $1) as teams,
                  (select jsonb_agg(m order by m.team_id, m.user_id) from team_members m where tenant_id = $1) as team_members,
                  (select jsonb_agg(p order by p.type_key, p.principal) from entity_type_permissions p where tenant_id = $1) as permissions,
                  (select jsonb_agg(s order by s.key) from saved_queries s where tenant_id = $1) as saved_queries,
                  (select jsonb_agg(w order by w.key) from workflows w where tenant_id = $1) as workflows,
                  (select jsonb_agg(v order by v.workflow_key, v.version) from workflow_versions v where tenant_id = $1) as workflow_versions,
                  (select jsonb_agg(h order by h.id) from record_history h where tenant_id = $1) as history,
                  (select jsonb_agg(c order by c.key) from business_calendars c where tenant_id = $1) as calendars,
                  (select jsonb_agg(n order by n.id) from notifications n where tenant_id = $1) as notifications,
                  (select jsonb_agg(to_jsonb(w) - 'secret' - 'previous_secret' order by w.id) from webhook_endpoints w where tenant_id = $1) as webhooks,
                  (select jsonb_agg(d order by d.id) from webhook_deliveries d where tenant_id = $1) as deliveries,
                  (select max(seq) from audit_log where tenant_id = $1) as audit_head`,
          [b.owner.tenantId],
        )
      ).rows[0];
    const before = await snapshot();
    for (const [route, call] of Object.entries(ID_ROUTES)) {
      const method = route.split(' ')[0] as Method;
      const { url, body, creates } = call(b);
      const response = await app.request({ method, url, token: a.owner.token, ...(body === undefined ? {} : { body }) });
      if (creates) {
        assert.equal(response.statusCode, 201, `${route}: ${response.body}`);
        const undone = await app.request({ method: 'DELETE', url, token: a.owner.token });
        assert.equal(undone.statusCode, 204, `${route}: ${undone.body}`);
        continue;
      }
      assert.equal(response.statusCode, 404, `${route}: ${response.body}`);
      assert.equal(response.json().type, '/problems/not-found', route);
    }
    assert.deepEqual(await snapshot(), before, "B's rows are untouched");
    const stillWorks = await app.request({ method: 'GET', url: '/api/tenants/atual', token: b.apiKey });
    assert.equal(stillWorks.statusCode, 200);
    assert.equal(stillWorks.json().id, b.owner.tenantId);
  });

  test("no listing shows another organisation's rows, for members and API keys", async () => {
    const foreign = [b.teamId, b.entityTypeKey, b.notificationId, b.webhookId, b.owner.tenantId, b.owner.slug, b.owner.userId, b.owner.email, b.memberId, b.memberEmail, b.invitationId, b.apiKeyId, b.revokedKeyId, b.apiKey.slice(0, 12)];
    const listings = routes().filter((route) => route.startsWith('GET /api/') && !route.includes(':') && !route.startsWith('GET /api/admin/'));
    assert.ok(listings.length >= 4, listings.join(', '));
    for (const route of listings) {
      const url = route.slice(4);
      for (const token of [a.owner.token, a.apiKey]) {
        const response = await app.request({ method: 'GET', url, token });
        assert.ok(response.statusCode === 200 || response.statusCode === 403, `${route}: ${response.statusCode}`);
        // A's own audit log names the calendar A created under B's key (the `creates` check above): A's row, not B's.
        const shown = route === 'GET /api/audit' ? foreign.filter((value) => value !== b.entityTypeKey) : foreign;
        for (const value of shown) assert.ok(!response.body.includes(value), `${route} shows ${value} of another organisation`);
      }
    }
    // And A's own data is there: the checks above are not vacuous.
    const members = await app.request({ method: 'GET', url: '/api/tenants/atual/members', token: a.owner.token });
    assert.ok(members.body.includes(a.memberId));
  });

  test("changing one organisation leaves the other's untouched", async () => {
    const patched = await app.request({ method: 'PATCH', url: '/api/tenants/atual', token: a.owner.token, body: { nome: 'Only A' } });
    assert.equal(patched.statusCode, 200);
    const other = await app.request({ method: 'GET', url: '/api/tenants/atual', token: b.owner.token });
    assert.notEqual(other.json().nome, 'Only A');
  });

  test("a credential of one organisation never reads another's, whatever it claims", async () => {
    // The tenant comes only from the verified credential: ids in the path or body cannot select it.
    const response = await app.request({ method: 'GET', url: `/api/tenants/atual?tenant_id=${b.owner.tenantId}`, token: a.owner.token });
    assert.ok(response.statusCode === 200 || response.statusCode === 422);
    if (response.statusCode === 200) assert.equal(response.json().id, a.owner.tenantId);
    const header = await app.request({ method: 'GET', url: '/api/tenants/atual', token: a.apiKey, headers: { 'x-tenant-id': b.owner.tenantId } });
    assert.equal(header.json().id, a.owner.tenantId);
  });
});
