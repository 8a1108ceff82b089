// Who is acting and where the request came from: passed from routes to
// services, and recorded by the audit log.
import type { TenantScope } from './db/tenant-database.ts';

export type Actor =
  | { readonly type: 'user'; readonly id: string }
  | { readonly type: 'api_key'; readonly id: string }
  | { readonly type: 'operator'; readonly id: string }
  | { readonly type: 'system' }
  | { readonly type: 'anonymous' };

export interface RequestOrigin {
  readonly requestId: string | null;
  readonly ip: string | null;
}

export type Role = 'gestor' | 'cliente';

/** A call made inside one organisation, by a member or an API key. */
export interface TenantCall {
  readonly scope: TenantScope;
  readonly actor: Actor;
  readonly origin: RequestOrigin;
  /** The member's role; null for API keys. */
  readonly role: Role | null;
  /**
   * The API key's scope (`escopo`); undefined for members. Named keyScope
   * because `scope` is the tenant scope above. Per-type permissions read it.
   */
  readonly keyScope?: string;
}

export function actorId(actor: Actor): string | null {
  return actor.type === 'system' || actor.type === 'anonymous' ? null : actor.id;
}
