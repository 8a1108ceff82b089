import { defineErrors } from '../platform/http/errors.ts';

export const TenancyErrors = defineErrors({
  'slug-taken': {
    status: 409,
    title: 'Slug already taken',
    description: 'Another organisation already uses this slug. Choose another.',
  },
});
