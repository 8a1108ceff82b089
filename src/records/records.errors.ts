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
  'type-permission-denied': {
    status: 403,
    title: 'Not allowed for this entity type',
    description:
      'Your role (for members) or your API key\'s scope may not perform this action (`read`, `create`, `update` or `delete`) on records of this type: a gestor sets it per type (`PUT /api/entity-types/{key}/permissions`). API keys also cannot create records of a `restricted` type, which they could never see.',
  },
  'record-access-denied': {
    status: 403,
    title: 'Not allowed on this record',
    description:
      'You can see this record of a `restricted` type but not change it: it was shared with you (or your team) with `read` access only. Sharing a record (the `/access` routes) is for its creator and gestores.',
  },
});
