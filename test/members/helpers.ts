// Shared steps for the members tests: inviting, accepting, API keys and
// reading the audit log and outbox directly (as the superuser, bypassing RLS).
import assert from 'node:assert/strict';
import pg from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import type { SignedUp, TestApp } from '../helpers/test-app.ts';

export const PASSWORD = 'correct horse battery';

let ipCounter = 0;
/** A fresh client address per call (the app trusts X-Forwarded-For in these tests), so the per-IP accept limit is tested on purpose only. */
export function freshIp(): string {
  ipCounter += 1;
  return `10.${(process.pid >> 8) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

let emailCounter = 0;
export function freshEmail(label = 'person'): string {
  emailCounter += 1;
  return `${label}${emailCounter}-${process.pid}@members.example`;
}

export async function invite(app: TestApp, by: { token: string }, email: string, role: 'gestor' | 'cliente' = 'cliente') {
  const response = await app.request({ method: 'POST', url: '/api/tenants/atual/invitations', token: by.token, body: { email, role } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { invitation: { id: string; email: string; role: string; status: string; expires_at: string; created_at: string }; token: string };
}

export function accept(app: TestApp, body: Record<string, unknown>, ip: string = freshIp()): Promise<LightMyRequestResponse> {
  return app.request({ method: 'POST', url: '/api/invitations/accept', body, headers: { 'x-forwarded-for': ip } });
}

export interface Joined {
  tenantId: string;
  userId: string;
  email: string;
  role: 'gestor' | 'cliente';
  token: string;
  refreshToken: string;
}

/** Invites a fresh email into owner's organisation and accepts it. */
export async function addMember(app: TestApp, owner: SignedUp, role: 'gestor' | 'cliente' = 'cliente', email = freshEmail(role)): Promise<Joined> {
  const invited = await invite(app, owner, email, role);
  const response = await accept(app, { token: invited.token, senha: PASSWORD });
  assert.equal(response.statusCode, 201, response.body);
  const json = response.json();
  return { tenantId: json.tenant.id, userId: json.user.id, email, role, token: json.token, refreshToken: json.refresh_token };
}

export async function createApiKey(app: TestApp, owner: { token: string }): Promise<string> {
  const response = await app.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: 'k', escopo: 'agentes' } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().secret;
}

export interface AuditRow {
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Direct access to the test database as its superuser. */
export class AdminDb {
  private constructor(private readonly client: pg.Client) {}

  static async connect(app: TestApp): Promise<AdminDb> {
    const client = new pg.Client({ connectionString: app.database.adminUrl });
    await client.connect();
    return new AdminDb(client);
  }

  query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.client.query<R>(text, values);
  }

  async audit(tenantId: string, action: string, targetId?: string): Promise<AuditRow[]> {
    const { rows } = await this.client.query<AuditRow>(
      `select actor_type, actor_id, action, target_type, target_id, before, after from audit_log
       where tenant_id = $1 and action = $2 and ($3::text is null or target_id = $3) order by occurred_at, id`,
      [tenantId, action, targetId ?? null],
    );
    return rows;
  }

  async events(tenantId: string, type: string, subjectId?: string): Promise<{ subject_type: string; subject_id: string; payload: Record<string, unknown> }[]> {
    const { rows } = await this.client.query(
      `select subject_type, subject_id, payload from outbox
       where tenant_id = $1 and event_type = $2 and ($3::text is null or subject_id = $3) order by occurred_at, id`,
      [tenantId, type, subjectId ?? null],
    );
    return rows;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
