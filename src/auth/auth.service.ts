// Sign-in, refresh-token rotation and sign-out for members.
import { createHash } from 'node:crypto';
import { recordAudit } from '../audit/index.ts';
import type { Database } from '../platform/db/database.ts';
import type { RequestOrigin, Role } from '../platform/context.ts';
import { AppError } from '../platform/http/errors.ts';
import { DatabaseErrors, isPgError } from '../platform/db/sqlstate.ts';
import type { RateLimiter } from '../platform/rate-limit.ts';
import { AuthErrors } from './auth.errors.ts';
import { LOCK_REFRESH_TOKEN, LOGIN_CANDIDATES, MARK_ROTATED, REVOKE_FAMILY } from './auth.sql.ts';
import { parseOpaqueToken, sameHash, type ParsedOpaqueToken } from './opaque-token.ts';
import { DECOY_HASH, verifyPassword } from './password.ts';
import { REFRESH_TOKEN_PREFIX, type Session, type SessionIssuer } from './sessions.ts';

interface Candidate {
  tenant_id: string;
  slug: string;
  tenant_status: string;
  user_id: string;
  role: Role;
  password_hash: string;
}

export interface LoginInput {
  email: string;
  senha: string;
  slug?: string | undefined;
}

export interface LoginLimits {
  perMinute: number;
}

export interface LoginResult extends Session {
  tenant_id: string;
  user_id: string;
  role: Role;
}

export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly sessions: SessionIssuer,
    private readonly rateLimiter: RateLimiter,
    private readonly limits: LoginLimits,
  ) {}

  async login(input: LoginInput, origin: RequestOrigin): Promise<LoginResult> {
    const email = input.email.trim().toLowerCase();
    const emailKey = createHash('sha256').update(email).digest('hex');
    await this.rateLimiter.hit(
      { key: `login:email:${emailKey}`, max: this.limits.perMinute, windowSeconds: 60 },
      { key: `login:ip:${origin.ip ?? 'unknown'}`, max: this.limits.perMinute * 5, windowSeconds: 60 },
    );
    const { rows } = await this.db.global.query<Candidate>(LOGIN_CANDIDATES, [email]);
    const candidates = input.slug === undefined ? rows : rows.filter((row) => row.slug === input.slug);
    if (candidates.length === 0) {
      await verifyPassword(input.senha, DECOY_HASH);
      throw new AppError(AuthErrors['invalid-credentials']);
    }
    const matching: Candidate[] = [];
    for (const candidate of candidates) {
      if (await verifyPassword(input.senha, candidate.password_hash)) matching.push(candidate);
    }
    if (matching.length === 0) {
      for (const candidate of candidates) await this.auditFailure(candidate, origin);
      throw new AppError(AuthErrors['invalid-credentials']);
    }
    if (matching.length > 1) {
      throw new AppError(AuthErrors['organisation-required'], 'This email belongs to several organisations; add "slug".', [], {
        organisations: matching.map((candidate) => candidate.slug),
      });
    }
    const member = matching[0] as Candidate;
    if (member.tenant_status !== 'active') {
      throw new AppError(DatabaseErrors['organisation-inactive'], `The organisation is ${member.tenant_status}.`);
    }
    const session = await this.db.tenant.transaction({ tenantId: member.tenant_id, userId: member.user_id, role: member.role }, async (tx) => {
      const issued = await this.sessions.issue(tx, { userId: member.user_id, role: member.role });
      await recordAudit(tx, {
        actor: { type: 'user', id: member.user_id },
        action: 'auth.login',
        target: { type: 'user', id: member.user_id },
        origin,
      });
      return issued;
    });
    return { ...session, tenant_id: member.tenant_id, user_id: member.user_id, role: member.role };
  }

  private async auditFailure(candidate: Candidate, origin: RequestOrigin): Promise<void> {
    await this.db.tenant.transaction({ tenantId: candidate.tenant_id, userId: null, requireActive: false }, (tx) =>
      recordAudit(tx, {
        actor: { type: 'anonymous' },
        action: 'auth.login_failed',
        target: { type: 'user', id: candidate.user_id },
        origin,
      }),
    );
  }

  /**
   * Rotates a refresh token. Presenting a token that was already rotated is
   * treated as theft: the whole family is revoked (committed) and the call fails.
   */
  async refresh(refreshToken: string, origin: RequestOrigin): Promise<Session> {
    const parsed = parseOpaqueToken(REFRESH_TOKEN_PREFIX, refreshToken);
    if (parsed === null) throw new AppError(AuthErrors['invalid-refresh-token']);
    const outcome = await this.rotate(parsed, origin).catch((error: unknown) => {
      // A well-formed token naming an organisation that does not exist is just an unknown token.
      if (isPgError(error) && error.code === 'TS404') return { kind: 'invalid' as const };
      throw error;
    });
    if (outcome.kind === 'invalid') throw new AppError(AuthErrors['invalid-refresh-token']);
    if (outcome.kind === 'reused') throw new AppError(AuthErrors['refresh-token-reused']);
    return outcome.session;
  }

  private rotate(parsed: ParsedOpaqueToken, origin: RequestOrigin) {
    return this.db.tenant.transaction({ tenantId: parsed.tenantId, userId: null }, async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        family_id: string;
        user_id: string;
        token_hash: Buffer;
        rotated_at: Date | null;
        revoked_at: Date | null;
        expired: boolean;
        role: Role;
      }>(LOCK_REFRESH_TOKEN, [parsed.id]);
      const row = rows[0];
      if (!row || !sameHash(row.token_hash, parsed.secretHash) || row.revoked_at !== null || row.expired) {
        return { kind: 'invalid' as const };
      }
      if (row.rotated_at !== null) {
        await tx.query(REVOKE_FAMILY, [row.family_id]);
        await recordAudit(tx, {
          actor: { type: 'user', id: row.user_id },
          action: 'auth.refresh_token_reused',
          target: { type: 'user', id: row.user_id },
          origin,
        });
        return { kind: 'reused' as const };
      }
      await tx.query(MARK_ROTATED, [row.id]);
      const session = await this.sessions.issue(tx, { userId: row.user_id, role: row.role }, row.family_id);
      return { kind: 'rotated' as const, session };
    });
  }

  /** Revokes the refresh token's family. Unknown tokens are ignored: logout always succeeds. */
  async logout(refreshToken: string, origin: RequestOrigin): Promise<void> {
    const parsed = parseOpaqueToken(REFRESH_TOKEN_PREFIX, refreshToken);
    if (parsed === null) return;
    await this.db.tenant.transaction({ tenantId: parsed.tenantId, userId: null, requireActive: false }, async (tx) => {
      const { rows } = await tx.query<{ family_id: string; user_id: string; token_hash: Buffer }>(LOCK_REFRESH_TOKEN, [parsed.id]);
      const row = rows[0];
      if (!row || !sameHash(row.token_hash, parsed.secretHash)) return;
      await tx.query(REVOKE_FAMILY, [row.family_id]);
      await recordAudit(tx, {
        actor: { type: 'user', id: row.user_id },
        action: 'auth.logout',
        target: { type: 'user', id: row.user_id },
        origin,
      });
    });
  }
}
