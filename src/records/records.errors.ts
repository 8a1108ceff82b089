import { defineErrors } from '../platform/http/errors.ts';

export const RecordErrors = defineErrors({
  'record-version-mismatch': {
    status: 412,
    title: 'Record changed since it was read',
    description:
      'The `If-Match` header names a version (ETag) that is no longer the record\'s current one: someone changed it since you read it. GET the record again, reapply your change and retry with the new ETag.',
  },
  'record-in-use': {
    status: 409,
    title: 'Record is referenced',
    description:
      'The record cannot be deleted because other records reference it through fields with `on_delete: "restrict"`. `blockers` lists them (`type`, `id`, `field`); change or delete them first.',
  },
});
