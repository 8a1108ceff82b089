// The one way request code reaches tenant tables. Every statement runs inside
// a transaction that first enters the tenant: tessera_enter_tenant() sets
// app.tenant_id (which every RLS policy reads) and app.user_id, and refuses a
// tenant that is not active or a member who no longer exists. The enter call
// travels in the same round trip as the first statement (see pipelined-query).
import type pg from 'pg';
import { pipelined, type Statement } from './pipelined-query.ts';
import { isPgError } from './sqlstate.ts';

export interface TenantScope {
  readonly tenantId: string;
  /** The member acting, or null for API keys, operators and the system. */
  readonly userId: string | null;
  /** The member's role as the token states it; checked against the database. */
  readonly role?: 'gestor' | 'cliente' | null;
  /**
   * 'active' (the default) refuses suspended or cancelled organisations;
   * 'any' is for operators acting on a suspended one and for signup, which
   * creates the organisation inside the transaction.
   */
  readonly requireActive?: boolean;
}

export interface TenantTx {
  readonly scope: TenantScope;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
  /**
   * Hands a node-postgres Submittable (a pg-cursor) to this transaction's
   * connection, for reads that stream inside the transaction. Only after a
   * query(): the first statement is what enters the tenant.
   */
  submit<S extends pg.Submittable>(submittable: S): S;
  /**
   * Queues a write whose result the caller does not need. Queued statements
   * travel, in order, in the same round trip as the next query() or as the
   * COMMIT, so a request's trailing writes (index entries, audit, outbox) cost
   * no round trip of their own. An error in one fails that query() (or the
   * commit, and the transaction rolls back) exactly as if it had run here.
   */
  queue(text: string, values?: readonly unknown[]): void;
}

const BEGIN: Statement = { text: 'begin', values: [] };

function enter(scope: TenantScope): Statement {
  return {
    text: 'select tessera_enter_tenant($1::uuid, $2::uuid, $3::text, $4::boolean)',
    values: [scope.tenantId, scope.userId, scope.role ?? null, scope.requireActive ?? true],
  };
}

export class TenantDatabase {
  constructor(private readonly pool: pg.Pool) {}

  /** One statement in its own implicit transaction: a single round trip. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    scope: TenantScope,
    text: string,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const client = await this.pool.connect();
    try {
      const result = await pipelined<R>(client, [enter(scope)], { text, values });
      client.release();
      return result;
    } catch (error) {
      client.release();
      throw error;
    }
  }

  /**
   * Runs work in one transaction entered as the tenant. BEGIN and the enter
   * call are sent with the first statement; nothing is sent if work makes no
   * query. Commits when work resolves, rolls back when it throws.
   */
  async transaction<T>(scope: TenantScope, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let begun = false;
    let queued: Statement[] = [];
    /** What must precede the next statement: BEGIN and the enter call the first time, then whatever was queued. */
    const preludes = (): Statement[] => {
      const before = begun ? queued : [BEGIN, enter(scope), ...queued];
      begun = true;
      queued = [];
      return before;
    };
    const tx: TenantTx = {
      scope,
      query: async <R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []) => {
        const before = preludes();
        if (before.length === 0) return client.query<R>(text, [...values]);
        return pipelined<R>(client, before, { text, values });
      },
      submit: (submittable) => {
        if (!begun) throw new Error('submit() before the first query(): the tenant is not entered yet');
        if (queued.length > 0) throw new Error('submit() with queued statements: send them with a query() first');
        return client.query(submittable);
      },
      queue: (text, values = []) => {
        queued.push({ text, values });
      },
    };
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      queued = [];
      await this.finish(client, begun, 'rollback');
      throw error;
    }
    if (!begun && queued.length === 0) {
      client.release();
      return result;
    }
    await this.commit(client, preludes());
    return result;
  }

  /** COMMIT, in one round trip with the statements still queued (and BEGIN and the enter call if none was sent yet). */
  private async commit(client: pg.PoolClient, before: readonly Statement[]): Promise<void> {
    try {
      if (before.length === 0) await client.query('commit');
      else await pipelined(client, before, { text: 'commit', values: [] });
      client.release();
    } catch (error) {
      // A statement sent with the commit failed: the server skipped the rest and
      // the transaction is aborted; once rolled back the connection is clean.
      if (isPgError(error)) await this.finish(client, true, 'rollback');
      else client.release(true);
      throw error;
    }
  }

  private async finish(client: pg.PoolClient, begun: boolean, end: 'commit' | 'rollback'): Promise<void> {
    if (!begun) {
      client.release();
      return;
    }
    try {
      await client.query(end);
      client.release();
    } catch (error) {
      // A connection whose transaction state is unknown must not go back to the pool.
      client.release(true);
      if (end === 'commit') throw error;
    }
  }
}
