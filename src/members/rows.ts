// Database rows to API shapes: timestamps as ISO 8601 strings.
import type { InvitationStatus } from './core/invitation.ts';
import type { Invitation } from './members.schemas.ts';

export interface InvitationRow {
  id: string;
  email: string;
  role: Invitation['role'];
  status: InvitationStatus;
  expires_at: Date;
  created_at: Date;
  invited_by: string | null;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

/** Picks the API fields explicitly, so a row with token_hash never leaks it. */
export function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    status: row.status,
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
    invited_by: row.invited_by,
    accepted_at: iso(row.accepted_at),
    revoked_at: iso(row.revoked_at),
  };
}
