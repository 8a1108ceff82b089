// What the benchmark measures: the API's hot path, the HTTP floor under it,
// and three ways of reading the same row straight from PostgreSQL
// (docs/PERFORMANCE.md explains why these three).
import { SELECT_CURRENT_TENANT } from '../src/tenancy/tenancy.sql.ts';
import type { BenchDatabase } from './database.ts';
import type { Target } from './plan.ts';
import type { Organisation } from './setup.ts';

export const SCENARIO_KEYS = ['http-floor', 'api-jwt', 'api-key', 'sql-superuser', 'sql-rls', 'sql-enter'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

export interface Scenario {
  key: ScenarioKey;
  label: string;
  target: Target;
}

export function isScenarioKey(value: string): value is ScenarioKey {
  return (SCENARIO_KEYS as readonly string[]).includes(value);
}

export function buildScenarios(options: {
  base: string;
  database: BenchDatabase;
  organisation: Organisation;
  apiKey: string;
  poolSize: number;
}): Scenario[] {
  const { base, database, organisation: org, apiKey, poolSize } = options;
  const tenantUrl = new URL('/api/tenants/atual', base).toString();
  return [
    {
      key: 'http-floor',
      label: 'HTTP floor: GET /healthz (no auth, no database)',
      target: { kind: 'http', url: new URL('/healthz', base).toString(), headers: {}, expectId: null },
    },
    {
      key: 'api-jwt',
      label: 'API: GET /api/tenants/atual, member JWT',
      target: { kind: 'http', url: tenantUrl, headers: { authorization: `Bearer ${org.token}` }, expectId: org.tenantId },
    },
    {
      key: 'api-key',
      label: 'API: GET /api/tenants/atual, API key',
      target: { kind: 'http', url: tenantUrl, headers: { authorization: `Bearer ${apiKey}` }, expectId: org.tenantId },
    },
    {
      key: 'sql-superuser',
      label: 'SQL (i): superuser, select by id, no RLS',
      target: {
        kind: 'sql',
        connectionString: database.adminUrl,
        poolSize,
        preludes: [],
        main: {
          text: 'select id, slug, nome, plano, ai_token_quota, vertical, status, created_at, updated_at from tenants where id = $1',
          values: [org.tenantId],
        },
        expectId: org.tenantId,
      },
    },
    {
      key: 'sql-rls',
      label: 'SQL (ii): tessera_app, set_config + select under RLS, one round trip',
      target: {
        kind: 'sql',
        connectionString: database.appUrl,
        poolSize,
        preludes: [{ text: "select set_config('app.tenant_id', $1, true)", values: [org.tenantId] }],
        main: { text: SELECT_CURRENT_TENANT, values: [] },
        expectId: org.tenantId,
      },
    },
    {
      key: 'sql-enter',
      label: "SQL (iii): tessera_app, the member route's statements (tessera_enter_tenant + select), one round trip",
      target: {
        kind: 'sql',
        connectionString: database.appUrl,
        poolSize,
        // Exactly what TenantDatabase.query sends for a member (src/platform/db/tenant-database.ts).
        preludes: [
          { text: 'select tessera_enter_tenant($1::uuid, $2::uuid, $3::text, $4::boolean)', values: [org.tenantId, org.userId, 'gestor', true] },
        ],
        main: { text: SELECT_CURRENT_TENANT, values: [] },
        expectId: org.tenantId,
      },
    },
  ];
}
