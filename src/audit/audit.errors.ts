import { defineErrors } from '../platform/http/errors.ts';

export const AuditErrors = defineErrors({
  'audit-range-invalid': {
    status: 422,
    title: 'Invalid audit range',
    description: '`from_seq` is greater than `to_seq`. Both are optional: without them the whole chain is verified, from seq 1 to the head.',
  },
});
