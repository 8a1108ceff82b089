// Connection pools for the runtime and operator roles. The owner connection is
// used only by the migrator and the CLI, never here.
import pg from 'pg';
import { TenantDatabase } from './tenant-database.ts';

// int8 (counts, quotas) as JS numbers: every bigint Tessera stores fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DatabaseOptions {
  appUrl: string;
  operatorUrl: string;
  poolSize: number;
  onPoolError?: (error: Error) => void;
}

/**
 * Statements that run before a tenant is known: the narrow SECURITY DEFINER
 * lookups (login, API key), rate-limit counters and health checks. Under RLS
 * they see no tenant rows.
 */
export interface GlobalQueries {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export class Database {
  readonly tenant: TenantDatabase;
  readonly global: GlobalQueries;
  readonly operator: GlobalQueries;
  /** Operator routes that write into an organisation's own tables. */
  readonly operatorTenant: TenantDatabase;
  private readonly appPool: pg.Pool;
  private readonly operatorPool: pg.Pool;

  constructor(options: DatabaseOptions) {
    // Fail fast instead of queueing forever when the database is down (503),
    // and never let one statement or an abandoned transaction hold a connection.
    const limits = { connectionTimeoutMillis: 5_000, statement_timeout: 30_000, idle_in_transaction_session_timeout: 60_000 };
    this.appPool = new pg.Pool({ connectionString: options.appUrl, max: options.poolSize, application_name: 'tessera', ...limits });
    // Operators are few; two connections keep them from starving requests.
    this.operatorPool = new pg.Pool({ connectionString: options.operatorUrl, max: 2, application_name: 'tessera-operator', ...limits });
    for (const pool of [this.appPool, this.operatorPool]) {
      pool.on('error', (error) => options.onPoolError?.(error));
    }
    this.tenant = new TenantDatabase(this.appPool);
    this.operatorTenant = new TenantDatabase(this.operatorPool);
    this.global = { query: (text, values = []) => this.appPool.query(text, [...values]) };
    this.operator = { query: (text, values = []) => this.operatorPool.query(text, [...values]) };
  }

  async close(): Promise<void> {
    await Promise.all([this.appPool.end(), this.operatorPool.end()]);
  }
}
