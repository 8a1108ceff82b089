import { defineErrors } from '../platform/http/errors.ts';

export const ApiKeyErrors = defineErrors({
  'invalid-api-key': {
    status: 401,
    title: 'Invalid API key',
    description: 'The API key is malformed (its checksum does not match) or unknown.',
  },
  'api-key-revoked': {
    status: 401,
    title: 'API key revoked',
    description: 'This API key was revoked. Create a new one; the attempt was recorded in the audit log.',
  },
  'api-key-expired': {
    status: 401,
    title: 'API key expired',
    description: 'This API key passed its `expira_em` date. Create a new one.',
  },
  'expiry-in-past': {
    status: 422,
    title: 'Expiry in the past',
    description: '`expira_em` must be a date-time in the future.',
  },
});
