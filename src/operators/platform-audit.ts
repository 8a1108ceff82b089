// The platform's own audit log: every operator action, across organisations.
// It takes any query runner, so an entry can join the transaction of the
// change it describes (suspension) or stand alone (sign-in).
import type pg from 'pg';
import type { RequestOrigin } from '../platform/context.ts';
import { newId } from '../platform/ids.ts';
import { INSERT_PLATFORM_AUDIT } from './operators.sql.ts';

export interface QueryRunner {
  query(text: string, values?: readonly unknown[]): Promise<pg.QueryResult>;
}

export interface PlatformAuditEntry {
  /** Null for a failed sign-in with an unknown email. */
  readonly operatorId: string | null;
  /** Dotted verb: `operator.login`, `tenant.suspended`, ... */
  readonly action: string;
  readonly targetTenant?: string | null;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly origin: RequestOrigin;
}

export async function recordPlatformAudit(runner: QueryRunner, entry: PlatformAuditEntry): Promise<void> {
  await runner.query(INSERT_PLATFORM_AUDIT, [
    newId(),
    entry.operatorId,
    entry.action,
    entry.targetTenant ?? null,
    entry.details === undefined ? null : JSON.stringify(entry.details),
    entry.origin.requestId,
    entry.origin.ip,
  ]);
}
