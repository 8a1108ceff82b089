// Who a request authenticated as. Set by the authentication hooks before the
// body is read; routes turn it into a TenantCall for their service.
import type { Role } from '../platform/context.ts';

export type Principal =
  | { readonly kind: 'member'; readonly tenantId: string; readonly userId: string; readonly role: Role }
  | { readonly kind: 'api_key'; readonly tenantId: string; readonly keyId: string; readonly scope: string }
  | { readonly kind: 'operator'; readonly operatorId: string };

/** Implemented by the api-keys capability and injected, so auth does not depend on it. */
export interface ApiKeyAuthenticator {
  /** True when the bearer token is meant to be an API key (by its prefix). */
  recognises(token: string): boolean;
  /** Resolves a well-formed key to its organisation and scope, or throws a 401/403 AppError. */
  authenticate(key: string, origin: { ip: string; requestId: string }): Promise<{ tenantId: string; keyId: string; scope: string }>;
}
