// What bench/entities.ts hands to its load generator (bench/entities/load.ts)
// for one scenario: plain data only, since it crosses the IPC channel.
export const ENTITY_SCENARIOS = [
  'api-create',
  'sql-create',
  'api-bulk',
  'sql-bulk',
  'api-read',
  'sql-read',
  'api-list',
  'sql-list',
  'api-update',
  'sql-update',
] as const;
export type EntityScenario = (typeof ENTITY_SCENARIOS)[number];

/** One organisation as the load generator sees it. */
export interface BenchTenant {
  label: string;
  tenantId: string;
  userId: string;
  /** The gestor's access token (member JWT). */
  token: string;
  /** Ids of existing records to read. */
  readIds: string[];
  /** Ids of existing records to update: disjoint slices for the API and the SQL runs; all at version 1. */
  apiUpdateIds: string[];
  sqlUpdateIds: string[];
}

export interface EntityPlan {
  scenario: EntityScenario;
  base: string;
  appUrl: string;
  poolSize: number;
  tenant: BenchTenant;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  bulkSize: number;
  /** Distinct values of the indexed text field `region`. */
  regions: number;
}

export interface EntityResult {
  operations: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  operationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export type FromLoad = { type: 'recording' } | { type: 'done'; result: EntityResult } | { type: 'failed'; message: string };

/** The entity type every organisation has (same fields, same three indexed fields). */
export const CASE_TYPE = {
  key: 'case',
  label: 'Case',
  fields: [
    { key: 'title', type: 'text', required: true, max_length: 200 },
    { key: 'status', type: 'enum', values: ['open', 'pending', 'closed'], indexed: true },
    { key: 'region', type: 'text', indexed: true },
    { key: 'score', type: 'integer', indexed: true },
    { key: 'opened_at', type: 'datetime' },
  ],
};
export const INDEXED_FIELDS = ['status', 'region', 'score'];
