// Platform operators: staff who sign in with their own accounts (never
// members of an organisation), browse the tenant directory and suspend or
// reactivate organisations. Every action lands in the platform audit log;
// actions on one organisation also land in that organisation's own log, so
// its gestores can see what the platform did to it.
import { createHash } from 'node:crypto';
import { recordAudit } from '../audit/index.ts';
import { AuthErrors, DECOY_HASH, verifyPassword, type TokenSigner } from '../auth/index.ts';
import { emitEvent } from '../events/index.ts';
import type { RequestOrigin } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import type { RateLimiter } from '../platform/rate-limit.ts';
import { toTenant, type Tenant, type TenantRow } from '../tenancy/index.ts';
import { decodeCursor, encodeCursor } from './core/cursor.ts';
import { OperatorErrors } from './operators.errors.ts';
import { DEFAULT_PAGE_SIZE, type OperatorLoginBody, type OperatorSession, type TenantListQuery } from './operators.schemas.ts';
import {
  LIST_TENANTS,
  LOCK_TENANT,
  SELECT_OPERATOR_ACTIVE,
  SELECT_OPERATOR_BY_EMAIL,
  SELECT_TENANT,
  UPDATE_TENANT_STATUS,
} from './operators.sql.ts';
import { recordPlatformAudit, type QueryRunner } from './platform-audit.ts';

/** An authenticated operator's request. */
export interface OperatorCall {
  readonly operatorId: string;
  readonly origin: RequestOrigin;
}

export interface OperatorLoginLimits {
  perMinute: number;
}

export interface TenantPage {
  data: Tenant[];
  next_cursor: string | null;
}

type StatusChange =
  | { readonly to: 'suspended'; readonly action: 'tenant.suspended' }
  | { readonly to: 'active'; readonly action: 'tenant.reactivated' };

const SUSPEND: StatusChange = { to: 'suspended', action: 'tenant.suspended' };
const REACTIVATE: StatusChange = { to: 'active', action: 'tenant.reactivated' };

export class OperatorsService {
  constructor(
    private readonly db: Database,
    private readonly signer: TokenSigner,
    private readonly rateLimiter: RateLimiter,
    private readonly limits: OperatorLoginLimits = { perMinute: 10 },
  ) {}

  async login(input: OperatorLoginBody, origin: RequestOrigin): Promise<OperatorSession> {
    const email = input.email.trim().toLowerCase();
    const emailKey = createHash('sha256').update(email).digest('hex');
    await this.rateLimiter.hit(
      { key: `operator-login:email:${emailKey}`, max: this.limits.perMinute, windowSeconds: 60 },
      { key: `operator-login:ip:${origin.ip ?? 'unknown'}`, max: this.limits.perMinute * 5, windowSeconds: 60 },
    );
    const { rows } = await this.db.operator.query<{ id: string; password_hash: string; disabled: boolean }>(SELECT_OPERATOR_BY_EMAIL, [email]);
    const operator = rows[0];
    if (!operator) {
      // Same work as a real check, so the answer time does not reveal which emails exist.
      await verifyPassword(input.senha, DECOY_HASH);
      await this.loginFailed(null, { email, reason: 'unknown_email' }, origin);
      throw new AppError(AuthErrors['invalid-credentials']);
    }
    const matches = await verifyPassword(input.senha, operator.password_hash);
    if (!matches || operator.disabled) {
      // A disabled account gets the same answer: the reason is in the platform log.
      await this.loginFailed(operator.id, { email, reason: matches ? 'disabled' : 'wrong_password' }, origin);
      throw new AppError(AuthErrors['invalid-credentials']);
    }
    await recordPlatformAudit(this.db.operator, { operatorId: operator.id, action: 'operator.login', origin });
    const token = await this.signer.signOperator({ sub: operator.id, role: 'admin' });
    return { token, token_type: 'Bearer', expires_in: this.signer.ttlSeconds };
  }

  private loginFailed(operatorId: string | null, details: Record<string, unknown>, origin: RequestOrigin): Promise<void> {
    return recordPlatformAudit(this.db.operator, { operatorId, action: 'operator.login_failed', details, origin });
  }

  /**
   * Access tokens live for minutes; checking the account on every call means
   * disabling an operator takes effect at once rather than when the token expires.
   */
  private async requireActiveOperator(runner: QueryRunner, operatorId: string): Promise<void> {
    const { rows } = await runner.query(SELECT_OPERATOR_ACTIVE, [operatorId]);
    if (rows[0]?.active !== true) {
      throw new AppError(AuthErrors['invalid-token'], 'This operator account is disabled or no longer exists.');
    }
  }

  async listTenants(call: OperatorCall, query: TenantListQuery): Promise<TenantPage> {
    const position = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && position === null) {
      throw new AppError(PlatformErrors['validation-failed'], 'cursor is not a next_cursor from a previous page.', [
        { pointer: '/cursor', message: 'is not a next_cursor from a previous page', in: 'query' },
      ]);
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    await this.requireActiveOperator(this.db.operator, call.operatorId);
    const { rows } = await this.db.operator.query<TenantRow & { position_at: string }>(LIST_TENANTS, [
      query.status ?? null,
      query.slug ?? null,
      position?.at ?? null,
      position?.id ?? null,
      // One row more than asked tells whether there is a next page.
      limit + 1,
    ]);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor({ at: last.position_at, id: last.id }) : null;
    await recordPlatformAudit(this.db.operator, {
      operatorId: call.operatorId,
      action: 'operator.tenants_listed',
      details: { status: query.status ?? null, slug: query.slug ?? null, returned: page.length },
      origin: call.origin,
    });
    return { data: page.map(({ position_at: _position, ...row }) => toTenant(row)), next_cursor: nextCursor };
  }

  async getTenant(call: OperatorCall, tenantId: string): Promise<Tenant> {
    return this.inTenant(call, tenantId, async (tx) => {
      const { rows } = await tx.query<TenantRow>(SELECT_TENANT, [tenantId]);
      if (!rows[0]) throw new AppError(PlatformErrors['not-found'], 'No such organisation.');
      const tenant = toTenant(rows[0]);
      const entry = { action: 'operator.tenant_viewed', origin: call.origin };
      await recordAudit(tx, { ...entry, actor: { type: 'operator', id: call.operatorId }, target: { type: 'tenant', id: tenantId } });
      await recordPlatformAudit(tx, { ...entry, operatorId: call.operatorId, targetTenant: tenantId });
      return tenant;
    });
  }

  suspend(call: OperatorCall, tenantId: string, reason: string | undefined): Promise<Tenant> {
    return this.changeStatus(call, tenantId, SUSPEND, reason);
  }

  reactivate(call: OperatorCall, tenantId: string, reason: string | undefined): Promise<Tenant> {
    return this.changeStatus(call, tenantId, REACTIVATE, reason);
  }

  /**
   * The status change, the organisation's audit entry, its event and the
   * platform audit entry commit together. Asking for the current status
   * changes nothing and records nothing.
   */
  private changeStatus(call: OperatorCall, tenantId: string, change: StatusChange, reason: string | undefined): Promise<Tenant> {
    return this.inTenant(call, tenantId, async (tx) => {
      const { rows } = await tx.query<TenantRow>(LOCK_TENANT, [tenantId]);
      if (!rows[0]) throw new AppError(PlatformErrors['not-found'], 'No such organisation.');
      const before = toTenant(rows[0]);
      if (before.status === change.to) return before;
      if (before.status === 'cancelled') {
        throw new AppError(OperatorErrors['organisation-cancelled'], 'This organisation is cancelled; its status cannot change.');
      }
      const updated = await tx.query<TenantRow>(UPDATE_TENANT_STATUS, [tenantId, change.to]);
      const after = toTenant(updated.rows[0] as TenantRow);
      const target = { type: 'tenant', id: tenantId } as const;
      await recordAudit(tx, { actor: { type: 'operator', id: call.operatorId }, action: change.action, target, before, after, origin: call.origin });
      await emitEvent(tx, { type: change.action, subject: target, payload: { tenant: after, reason: reason ?? null } });
      await recordPlatformAudit(tx, {
        operatorId: call.operatorId,
        action: change.action,
        targetTenant: tenantId,
        details: { from: before.status, to: after.status, reason: reason ?? null },
        origin: call.origin,
      });
      return after;
    });
  }

  /**
   * A transaction inside one organisation as the operator role, whatever its
   * status (operators act on suspended ones). The operator check is the first
   * statement, so it travels with BEGIN and costs no extra round trip.
   */
  private inTenant<T>(call: OperatorCall, tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    return this.db.operatorTenant.transaction({ tenantId, userId: null, requireActive: false }, async (tx) => {
      await this.requireActiveOperator(tx, call.operatorId);
      return work(tx);
    });
  }
}
