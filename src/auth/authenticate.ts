// Authentication hooks. Each protected route declares who may call it
// (members by role, API keys by scope, or operators); the hook runs on
// request, before the body is parsed, so an unauthenticated call is a 401
// whatever its body.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Role, TenantCall } from '../platform/context.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { AuthErrors } from './auth.errors.ts';
import type { ApiKeyAuthenticator, Principal } from './principal.ts';
import type { TokenSigner } from './token-signer.ts';
import { originOf } from '../platform/http/origin.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface TenantAccess {
  /** Member roles allowed; all members when omitted. */
  readonly roles?: readonly Role[];
  /** API key scopes allowed; API keys are refused when omitted. */
  readonly scopes?: readonly string[];
}

/**
 * The bearer credential. No credential at all (no header, another scheme such
 * as Basic, or "Bearer" with nothing after it) is `unauthenticated`, as RFC
 * 6750 §3.1 asks; a credential that is there but malformed is `invalid-token`.
 */
function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization?.trim() ?? '';
  const scheme = /^Bearer(?: +|$)/i.exec(header);
  if (scheme === null || header.length === scheme[0].length) {
    throw new AppError(PlatformErrors.unauthenticated, 'Send "Authorization: Bearer <token>" with an access token or an API key.');
  }
  const token = header.slice(scheme[0].length);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new AppError(AuthErrors['invalid-token'], 'The Authorization header must be "Bearer <token>".');
  return token;
}

export class AuthHooks {
  constructor(
    private readonly signer: TokenSigner,
    private readonly apiKeys: ApiKeyAuthenticator,
  ) {}

  /** For routes inside an organisation: members (by role) and API keys (by scope). */
  tenant(access: TenantAccess = {}): onRequestAsyncHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(request);
      let principal: Principal;
      if (this.apiKeys.recognises(token)) {
        const key = await this.apiKeys.authenticate(token, originOf(request));
        principal = { kind: 'api_key', ...key };
        if (!access.scopes?.includes(key.scope)) {
          throw new AppError(AuthErrors['scope-not-allowed'], `An API key with scope "${key.scope}" cannot call this route.`);
        }
      } else {
        const result = await this.signer.verifyMember(token);
        if (!result.ok) throw new AppError(result.reason === 'expired' ? AuthErrors['token-expired'] : AuthErrors['invalid-token']);
        const { sub, tenant_id: tenantId, role } = result.claims;
        principal = { kind: 'member', tenantId, userId: sub, role };
        if (access.roles && !access.roles.includes(role)) {
          throw new AppError(AuthErrors['role-required'], `This action needs the role ${access.roles.join(' or ')}.`);
        }
      }
      request.principal = principal;
      // reply.log writes the "request completed" line; both carry the tenant.
      request.log = reply.log = request.log.child({ tenant_id: principal.tenantId });
    };
  }

  /** For the platform operators' routes. */
  operator(): onRequestAsyncHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await this.signer.verifyOperator(bearerToken(request));
      if (!result.ok) throw new AppError(result.reason === 'expired' ? AuthErrors['token-expired'] : AuthErrors['invalid-token']);
      request.principal = { kind: 'operator', operatorId: result.claims.sub };
      request.log = reply.log = request.log.child({ operator_id: result.claims.sub });
    };
  }
}

/** The authenticated call inside an organisation; only valid behind AuthHooks.tenant(). */
export function tenantCallOf(request: FastifyRequest): TenantCall {
  const principal = request.principal;
  if (principal === null || principal.kind === 'operator') throw new AppError(PlatformErrors.unauthenticated);
  const origin = originOf(request);
  if (principal.kind === 'member') {
    return {
      scope: { tenantId: principal.tenantId, userId: principal.userId, role: principal.role },
      actor: { type: 'user', id: principal.userId },
      origin,
      role: principal.role,
    };
  }
  return {
    scope: { tenantId: principal.tenantId, userId: null },
    actor: { type: 'api_key', id: principal.keyId },
    origin,
    role: null,
    keyScope: principal.scope,
  };
}

export function operatorIdOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind !== 'operator') throw new AppError(PlatformErrors.unauthenticated);
  return principal.operatorId;
}
