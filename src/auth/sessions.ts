// Sessions: an access JWT plus a rotating refresh token. Issuing one takes the
// caller's tenant transaction, so signup, invitation acceptance and login
// create the session in the same commit as the rest of their work.
import type { TenantTx } from '../platform/db/tenant-database.ts';
import type { Role } from '../platform/context.ts';
import { newId } from '../platform/ids.ts';
import { INSERT_REFRESH_TOKEN } from './auth.sql.ts';
import { createOpaqueToken } from './opaque-token.ts';
import type { TokenSigner } from './token-signer.ts';

export const REFRESH_TOKEN_PREFIX = 'tsr';

export interface Session {
  token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

export class SessionIssuer {
  constructor(
    private readonly signer: TokenSigner,
    private readonly refreshTtlSeconds: number,
  ) {}

  /** Issues a session for a member; familyId continues a rotation chain. */
  async issue(tx: TenantTx, member: { userId: string; role: Role }, familyId: string = newId()): Promise<Session> {
    const refresh = createOpaqueToken(REFRESH_TOKEN_PREFIX, tx.scope.tenantId, newId());
    await tx.query(INSERT_REFRESH_TOKEN, [refresh.id, familyId, member.userId, refresh.secretHash, this.refreshTtlSeconds]);
    const token = await this.signer.signMember({ sub: member.userId, tenant_id: tx.scope.tenantId, role: member.role });
    return { token, token_type: 'Bearer', expires_in: this.signer.ttlSeconds, refresh_token: refresh.token };
  }
}
