// API keys: created and revoked by gestores, used as bearer tokens by
// integrations. Only an HMAC-SHA256 of each key (with a server secret) is
// stored; authentication recomputes it and looks it up through a narrow
// SECURITY DEFINER function, since the tenant is not known yet.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { recordAudit } from '../audit/index.ts';
import type { ApiKeyAuthenticator } from '../auth/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { DatabaseErrors } from '../platform/db/sqlstate.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import { ApiKeyErrors } from './api-keys.errors.ts';
import type { ApiKey, CreateApiKeyBody } from './api-keys.schemas.ts';
import {
  INSERT_API_KEY,
  LIST_API_KEYS,
  LOCK_API_KEY,
  LOOKUP_API_KEY,
  REVOKE_API_KEY,
  SELECT_API_KEY,
  USAGE_HISTORY,
} from './api-keys.sql.ts';
import { formatApiKey, isWellFormedApiKey, looksLikeApiKey, visiblePrefix } from './core/api-key-format.ts';
import { UsageRecorder, type UsageLogger } from './usage-recorder.ts';

interface ApiKeyRow {
  id: string;
  nome: string;
  escopo: string;
  prefix: string;
  expira_em: Date | null;
  created_at: Date;
  created_by: string | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  last_used_ip: string | null;
}

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

function toApiKey(row: ApiKeyRow, now: Date = new Date()): ApiKey {
  const status = row.revoked_at !== null ? 'revoked' : row.expira_em !== null && row.expira_em <= now ? 'expired' : 'active';
  return {
    ...row,
    expira_em: iso(row.expira_em),
    created_at: row.created_at.toISOString(),
    revoked_at: iso(row.revoked_at),
    last_used_at: iso(row.last_used_at),
    status,
  };
}

export interface ApiKeysOptions {
  hmacSecret: string;
  logger: UsageLogger;
  usageFlushMs?: number;
}

export class ApiKeysService implements ApiKeyAuthenticator {
  private readonly usage: UsageRecorder;
  private readonly hmacSecret: string;

  constructor(
    private readonly db: Database,
    options: ApiKeysOptions,
  ) {
    this.hmacSecret = options.hmacSecret;
    this.usage = new UsageRecorder(db.tenant, options.logger, options.usageFlushMs ?? 60_000);
  }

  private hash(key: string): Buffer {
    return createHmac('sha256', this.hmacSecret).update(key).digest();
  }

  async create(call: TenantCall, input: CreateApiKeyBody): Promise<ApiKey & { secret: string }> {
    const expiresAt = input.expira_em === undefined ? null : new Date(input.expira_em);
    // The schema accepts any RFC 3339 date-time, including a leap second
    // (23:59:60), which a JavaScript Date cannot hold: 422 rather than a 500.
    if (expiresAt !== null && Number.isNaN(expiresAt.getTime())) {
      throw new AppError(PlatformErrors['validation-failed'], '`expira_em` is not a date-time this server can store.', [
        { pointer: '/expira_em', message: 'is not a representable date-time (leap seconds are not supported)' },
      ]);
    }
    if (expiresAt !== null && expiresAt.getTime() <= Date.now()) {
      throw new AppError(ApiKeyErrors['expiry-in-past'], '`expira_em` must be in the future.', [
        { pointer: '/expira_em', message: 'must be a date-time in the future' },
      ]);
    }
    const secret = formatApiKey(randomBytes(48));
    const id = newId();
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<ApiKeyRow>(INSERT_API_KEY, [
        id,
        input.nome,
        input.escopo,
        visiblePrefix(secret),
        this.hash(secret),
        expiresAt,
        call.scope.userId,
      ]);
      const key = toApiKey(rows[0] as ApiKeyRow);
      await recordAudit(tx, { actor: call.actor, action: 'api_key.created', target: { type: 'api_key', id }, after: key, origin: call.origin });
      await emitEvent(tx, { type: 'api_key.created', subject: { type: 'api_key', id }, payload: { api_key: key } });
      return { ...key, secret };
    });
  }

  async list(call: TenantCall): Promise<ApiKey[]> {
    const { rows } = await this.db.tenant.query<ApiKeyRow>(call.scope, LIST_API_KEYS);
    const now = new Date();
    return rows.map((row) => toApiKey(row, now));
  }

  async get(call: TenantCall, id: string): Promise<ApiKey> {
    const { rows } = await this.db.tenant.query<ApiKeyRow>(call.scope, SELECT_API_KEY, [id]);
    if (!rows[0]) throw new AppError(PlatformErrors['not-found'], 'No such API key.');
    return toApiKey(rows[0]);
  }

  /** Revokes at once; revoking a revoked key answers it unchanged. */
  async revoke(call: TenantCall, id: string): Promise<ApiKey> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<ApiKeyRow>(LOCK_API_KEY, [id]);
      const row = rows[0];
      if (!row) throw new AppError(PlatformErrors['not-found'], 'No such API key.');
      if (row.revoked_at !== null) return toApiKey(row);
      const updated = await tx.query<ApiKeyRow>(REVOKE_API_KEY, [id, call.scope.userId]);
      const after = toApiKey(updated.rows[0] as ApiKeyRow);
      await recordAudit(tx, {
        actor: call.actor,
        action: 'api_key.revoked',
        target: { type: 'api_key', id },
        before: toApiKey(row),
        after,
        origin: call.origin,
      });
      await emitEvent(tx, { type: 'api_key.revoked', subject: { type: 'api_key', id }, payload: { api_key: after } });
      return after;
    });
  }

  async usageHistory(call: TenantCall, id: string) {
    await this.get(call, id);
    const { rows } = await this.db.tenant.query<{ day: string; ip: string; request_count: number; last_seen_at: Date }>(
      call.scope,
      USAGE_HISTORY,
      [id],
    );
    return rows.map((row) => ({ ...row, last_seen_at: row.last_seen_at.toISOString() }));
  }

  recognises(token: string): boolean {
    return looksLikeApiKey(token);
  }

  async authenticate(key: string, origin: { ip: string; requestId: string }) {
    // The checksum rejects typos and garbage without a database round trip.
    if (!isWellFormedApiKey(key)) throw new AppError(ApiKeyErrors['invalid-api-key']);
    const hash = this.hash(key);
    const { rows } = await this.db.global.query<{
      tenant_id: string;
      key_id: string;
      secret_hash: Buffer;
      escopo: string;
      expired: boolean | null;
      revoked_at: Date | null;
      tenant_status: string;
    }>(LOOKUP_API_KEY, [hash]);
    const row = rows[0];
    // The index finds the row; the final comparison is constant-time anyway.
    if (!row || row.secret_hash.length !== hash.length || !timingSafeEqual(row.secret_hash, hash)) {
      throw new AppError(ApiKeyErrors['invalid-api-key']);
    }
    if (row.revoked_at !== null) {
      await this.auditRejectedUse(row.tenant_id, row.key_id, origin);
      throw new AppError(ApiKeyErrors['api-key-revoked']);
    }
    if (row.expired === true) throw new AppError(ApiKeyErrors['api-key-expired']);
    if (row.tenant_status !== 'active') {
      throw new AppError(DatabaseErrors['organisation-inactive'], `The organisation is ${row.tenant_status}.`);
    }
    this.usage.record(row.tenant_id, row.key_id, origin.ip);
    return { tenantId: row.tenant_id, keyId: row.key_id, scope: row.escopo };
  }

  private async auditRejectedUse(tenantId: string, keyId: string, origin: { ip: string; requestId: string }): Promise<void> {
    await this.db.tenant.transaction({ tenantId, userId: null, requireActive: false }, (tx) =>
      recordAudit(tx, {
        actor: { type: 'api_key', id: keyId },
        action: 'api_key.rejected_revoked',
        target: { type: 'api_key', id: keyId },
        origin,
      }),
    );
  }

  /** Writes buffered usage now (tests, shutdown). */
  flushUsage(): Promise<void> {
    return this.usage.flush();
  }

  close(): Promise<void> {
    return this.usage.close();
  }
}

