// What bench/query.ts hands to its load generator (bench/query/load.ts) for
// one measurement, and what comes back: plain data only, since it crosses the
// IPC channel.

export interface LoadPlan {
  /** api / sql: a closed loop of one query; api-stream / sql-stream: one full streamed answer. */
  mode: 'api' | 'sql' | 'api-stream' | 'sql-stream';
  base: string;
  appUrl: string;
  poolSize: number;
  tenantId: string;
  userId: string;
  /** The gestor's access token (member JWT). */
  token: string;
  /** The DSL (api modes). */
  body?: unknown;
  /** The hand-written statement (sql modes). */
  sql?: { text: string; values: unknown[] };
  /** Rows every answer must have (lists: the page; the SQL fetches one more). */
  expectRows: number;
  page?: number;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** At least this many measured requests, however long they take. */
  minRequests: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
}

export interface StreamResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  bytes: number;
  /** Time to the first byte (HTTP) or the first batch (SQL). */
  firstRowMs: number;
  /** The NDJSON `$end` line. */
  trailer: string;
}

export type FromLoad =
  | { type: 'recording' }
  | { type: 'done'; result: LoadResult }
  | { type: 'stream'; result: StreamResult }
  | { type: 'failed'; message: string };
