// Organisations: signup (the organisation, its owner and a session in one
// transaction) and the caller's own organisation.
import { createHash } from 'node:crypto';
import { recordAudit } from '../audit/index.ts';
import { hashPassword, type Session, type SessionIssuer } from '../auth/index.ts';
import { emitEvent } from '../events/index.ts';
import type { RequestOrigin, TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import type { RateLimiter } from '../platform/rate-limit.ts';
import { DEFAULT_AI_TOKEN_QUOTA, type Plan } from './core/plans.ts';
import { SLUG_MESSAGES, slugProblem } from './core/slug.ts';
import { TenancyErrors } from './tenancy.errors.ts';
import type { Member, PatchSettingsBody, PatchTenantBody, Settings, SignupBody, Tenant } from './tenancy.schemas.ts';
import {
  INSERT_DEFAULT_SETTINGS,
  INSERT_MEMBER,
  INSERT_TENANT,
  LOCK_CURRENT_TENANT,
  LOCK_SETTINGS,
  SELECT_CURRENT_TENANT,
  SELECT_SETTINGS,
  UPDATE_CURRENT_TENANT,
  UPDATE_SETTINGS,
} from './tenancy.sql.ts';
import { canonicalLocale, isTimeZone } from './core/settings.ts';
import { toMember, toTenant, type MemberRow, type TenantRow } from './rows.ts';

export interface SignupResult extends Session {
  tenant: Tenant;
  user: Member;
}

export class TenancyService {
  constructor(
    private readonly db: Database,
    private readonly sessions: SessionIssuer,
    private readonly rateLimiter: RateLimiter,
    private readonly signupsPerHour: number,
  ) {}

  async signup(input: SignupBody, origin: RequestOrigin): Promise<SignupResult> {
    const problem = slugProblem(input.slug);
    if (problem !== null) {
      throw new AppError(PlatformErrors['validation-failed'], `slug ${SLUG_MESSAGES[problem]}`, [
        { pointer: '/slug', message: SLUG_MESSAGES[problem] },
      ]);
    }
    const emailKey = createHash('sha256').update(input.email.toLowerCase()).digest('hex');
    await this.rateLimiter.hit(
      { key: `signup:ip:${origin.ip ?? 'unknown'}`, max: this.signupsPerHour, windowSeconds: 3600 },
      { key: `signup:email:${emailKey}`, max: Math.max(3, Math.ceil(this.signupsPerHour / 4)), windowSeconds: 3600 },
    );
    const passwordHash = await hashPassword(input.senha);
    const tenantId = newId();
    const userId = newId();
    try {
      return await this.db.tenant.transaction({ tenantId, userId: null, requireActive: false }, async (tx) => {
        const tenantRows = await tx.query<TenantRow>(INSERT_TENANT, [
          input.slug,
          input.nome,
          input.plano,
          DEFAULT_AI_TOKEN_QUOTA[input.plano],
          input.vertical ?? null,
        ]);
        const userRows = await tx.query<MemberRow>(INSERT_MEMBER, [userId, input.email.toLowerCase(), null, passwordHash, 'gestor']);
        const tenant = toTenant(tenantRows.rows[0] as TenantRow);
        const user = toMember(userRows.rows[0] as MemberRow);
        await tx.query(INSERT_DEFAULT_SETTINGS);
        const actor = { type: 'user', id: userId } as const;
        await recordAudit(tx, { actor, action: 'tenant.created', target: { type: 'tenant', id: tenantId }, after: tenant, origin });
        await recordAudit(tx, { actor, action: 'member.created', target: { type: 'user', id: userId }, after: user, origin });
        await emitEvent(tx, { type: 'tenant.created', subject: { type: 'tenant', id: tenantId }, payload: { tenant } });
        const session = await this.sessions.issue(tx, { userId, role: 'gestor' });
        return { tenant, user, ...session };
      });
    } catch (error) {
      if (isPgError(error) && error.code === '23505' && error.constraint === 'tenants_slug_key') {
        throw new AppError(TenancyErrors['slug-taken'], `The slug "${input.slug}" is already taken.`, [
          { pointer: '/slug', message: 'is already taken' },
        ]);
      }
      throw error;
    }
  }

  async current(call: TenantCall): Promise<Tenant> {
    const { rows } = await this.db.tenant.query<TenantRow>(call.scope, SELECT_CURRENT_TENANT);
    const row = rows[0];
    if (!row) throw new AppError(PlatformErrors['not-found']);
    return toTenant(row);
  }

  async update(call: TenantCall, patch: PatchTenantBody): Promise<Tenant> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<TenantRow>(LOCK_CURRENT_TENANT);
      const beforeRow = rows[0];
      if (!beforeRow) throw new AppError(PlatformErrors['not-found']);
      const before = toTenant(beforeRow);
      const plano: Plan = patch.plano ?? before.plano;
      // A quota still at the old plan's default follows the plan; a quota set
      // by hand for this organisation is kept.
      const quota =
        plano !== before.plano && before.ai_token_quota === DEFAULT_AI_TOKEN_QUOTA[before.plano]
          ? DEFAULT_AI_TOKEN_QUOTA[plano]
          : before.ai_token_quota;
      const vertical = patch.vertical === undefined ? before.vertical : patch.vertical;
      const updated = await tx.query<TenantRow>(UPDATE_CURRENT_TENANT, [patch.nome ?? before.nome, plano, quota, vertical]);
      const after = toTenant(updated.rows[0] as TenantRow);
      await recordAudit(tx, {
        actor: call.actor,
        action: 'tenant.updated',
        target: { type: 'tenant', id: after.id },
        before,
        after,
        origin: call.origin,
      });
      if (plano !== before.plano) {
        await emitEvent(tx, {
          type: 'tenant.plan_changed',
          subject: { type: 'tenant', id: after.id },
          payload: { from: before.plano, to: plano, ai_token_quota: quota },
        });
      }
      return after;
    });
  }

  async settings(call: TenantCall): Promise<Settings> {
    const { rows } = await this.db.tenant.query<SettingsRow>(call.scope, SELECT_SETTINGS);
    if (!rows[0]) throw new AppError(PlatformErrors['not-found']);
    return toSettings(rows[0]);
  }

  async updateSettings(call: TenantCall, patch: PatchSettingsBody): Promise<Settings> {
    const errors: FieldError[] = [];
    if (patch.time_zone !== undefined && !isTimeZone(patch.time_zone)) {
      errors.push({ pointer: '/time_zone', message: 'is not an IANA time zone (for example America/Sao_Paulo)' });
    }
    const locale = patch.locale === undefined ? undefined : canonicalLocale(patch.locale);
    if (locale === null) errors.push({ pointer: '/locale', message: 'is not a BCP 47 locale (for example pt-BR)' });
    if (errors.length > 0) {
      throw new AppError(PlatformErrors['validation-failed'], errors.map((e) => `${e.pointer} ${e.message}`).join('; '), errors);
    }
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<SettingsRow>(LOCK_SETTINGS);
      if (!rows[0]) throw new AppError(PlatformErrors['not-found']);
      const before = toSettings(rows[0]);
      const updated = await tx.query<SettingsRow>(UPDATE_SETTINGS, [
        patch.time_zone ?? before.time_zone,
        locale ?? before.locale,
        patch.currency ?? before.currency,
      ]);
      const after = toSettings(updated.rows[0] as SettingsRow);
      await recordAudit(tx, {
        actor: call.actor,
        action: 'tenant.settings_updated',
        target: { type: 'tenant', id: call.scope.tenantId },
        before,
        after,
        origin: call.origin,
      });
      return after;
    });
  }
}

interface SettingsRow extends Omit<Settings, 'updated_at'> {
  updated_at: Date;
}

function toSettings(row: SettingsRow): Settings {
  return { ...row, updated_at: row.updated_at.toISOString() };
}
