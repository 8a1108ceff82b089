import { defineErrors } from '../platform/http/errors.ts';

// Invitation tokens are credentials carried in the body, like refresh tokens:
// a token that does not verify is 401 and says nothing more, so the endpoint
// is no oracle for which invitations exist. Only once the secret matches does
// the answer tell an expired or revoked invitation (410: it existed and is
// gone for good) from one already used (409: the state conflicts).
export const MembersErrors = defineErrors({
  'invitation-invalid': {
    status: 401,
    title: 'Invalid invitation token',
    description:
      'The invitation token is malformed, unknown or does not match. Check the link; if it was copied whole, ask a gestor for a new invitation.',
  },
  'invitation-expired': {
    status: 410,
    title: 'Invitation expired',
    description: 'Invitations are valid for 7 days. Ask a gestor of the organisation to invite you again.',
  },
  'invitation-revoked': {
    status: 410,
    title: 'Invitation revoked',
    description: 'A gestor revoked this invitation (or replaced it with a newer one for the same email). Use the newest invitation, or ask for a new one.',
  },
  'invitation-used': {
    status: 409,
    title: 'Invitation already used',
    description:
      'This invitation was already accepted and cannot be used (or revoked) again. Sign in with POST /api/auth/login; to take the access away, remove the member.',
  },
  'member-exists': {
    status: 409,
    title: 'Already a member',
    description: 'A member of this organisation already has this email. Each email is a member of an organisation at most once.',
  },
  'last-gestor': {
    status: 409,
    title: 'Last gestor',
    description: 'An organisation always keeps at least one gestor. Promote another member to gestor before demoting or removing this one.',
  },
});
