// Invitation rules that need no database: how long one lasts, the token
// prefix and the statuses. The status itself is computed in SQL (see
// INVITATION_COLUMNS) so the database clock alone decides expiry.
export const INVITATION_TTL_DAYS = 7;

/** `tsi_` tokens embed the organisation id, so acceptance can enter the right tenant. */
export const INVITATION_TOKEN_PREFIX = 'tsi';

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];
