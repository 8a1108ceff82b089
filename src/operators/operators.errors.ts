import { defineErrors } from '../platform/http/errors.ts';

export const OperatorErrors = defineErrors({
  'organisation-cancelled': {
    status: 409,
    title: 'Organisation cancelled',
    description:
      'A cancelled organisation can be neither suspended nor reactivated: only active and suspended organisations change status.',
  },
});
