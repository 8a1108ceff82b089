import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { etagOf } from './core/etag.ts';
import { expandKeys } from './expand.ts';
import { ShareBody, ShareListSchema, ShareParams, ShareSchema } from './record-shares.schemas.ts';
import { BulkBody, BulkResultSchema, GetQuery, ListQuery, RecordBody, RecordListSchema, RecordParams, RecordSchema, TypeParams } from './records.schemas.ts';
import type { RecordsService } from './records.service.ts';

const security = [{ bearer: [] }];
const tags = ['records'];

// Members and API keys by scope (agents and integrations write, read-only
// reads); the per-type permissions and the row ACL narrow it further in the
// service and in PostgreSQL (docs/access.md).
const READ_SCOPES = ['agentes', 'read-only', 'read-write'];
const WRITE_SCOPES = ['agentes', 'read-write'];

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function recordsRoutes(service: RecordsService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    const reader = auth.tenant({ scopes: READ_SCOPES });
    const writer = auth.tenant({ scopes: WRITE_SCOPES });
    // No app.addSchema() here (see api-keys.routes.ts).

    app.post(
      '/api/records/:type',
      {
        onRequest: writer,
        schema: {
          tags,
          summary: 'Create a record of a type',
          description:
            'The field values as a flat object. Answers 201 with the record and its `ETag`. Every problem (unknown field, wrong type, missing required, value not allowed, reference to a record that does not exist in this organisation, user who is not a member) is reported at once in `errors` (422). An unknown type is 404.',
          security,
          params: TypeParams,
          body: RecordBody,
          response: { 201: RecordSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        const { record, version } = await service.create(tenantCallOf(request), request.params.type, request.body);
        return reply.code(201).header('etag', etagOf(version)).send(record);
      },
    );

    app.post(
      '/api/records/:type/bulk',
      {
        onRequest: writer,
        schema: {
          tags,
          summary: 'Create or upsert up to 1,000 records of a type in one request',
          description:
            'Answers 200 with one result per item, in order: `{ index, status: 201|200, id, version }` (created or updated) or `{ index, status: 422|409|404|403, detail, errors? }`. An item with `id` updates that record; with `upsert_by` (a unique field) an item whose value matches a record updates it; updates merge like PATCH. Successful items are committed together in one transaction; failed ones (invalid, duplicate unique value, record not found, not permitted) are reported and change nothing.',
          security,
          params: TypeParams,
          body: BulkBody,
          response: { 200: BulkResultSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.bulk(tenantCallOf(request), request.params.type, request.body.records, request.body.upsert_by),
    );

    app.get(
      '/api/records/:type',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'List records of a type, a page at a time',
          description:
            'Keyset pagination: `limit` (1 to 200, default 50) and the previous page\'s `next_cursor` as `cursor`. `sort`: `id` (creation order, default), `created_at`, `updated_at`; a leading `-` sorts descending. `filter[<field>]=<value>` keeps records whose field equals the value (multi_enum and references: contains it); several filters all apply. `?expand=asset,links` replaces the ids of those relation fields by the referenced records, for the whole page at once (one level deep; records the caller cannot read stay ids); any other field is 422.',
          security,
          params: TypeParams,
          querystring: ListQuery,
          response: { 200: RecordListSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.list(tenantCallOf(request), request.params.type, request.query),
    );

    app.get(
      '/api/records/:type/:id',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'One record, with its version as ETag',
          description:
            '`?expand=asset,links` replaces the ids of those relation fields (reference, references, any_reference) by the referenced records, one level deep; records the caller cannot read stay ids; any other field is 422.',
          security,
          params: RecordParams,
          querystring: GetQuery,
          response: { 200: RecordSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        const { record, version } = await service.get(tenantCallOf(request), request.params.type, request.params.id, expandKeys(request.query.expand));
        return reply.header('etag', etagOf(version)).send(record);
      },
    );

    app.patch(
      '/api/records/:type/:id',
      {
        onRequest: writer,
        schema: {
          tags,
          summary: 'Change fields of a record',
          description:
            'The fields sent replace the stored ones; `null` clears a field. The merged record is validated whole (422 naming every bad field). Send `If-Match: "<version>"` (the ETag) to change only the version you read: a stale one is 412 `record-version-mismatch`. Without If-Match the change applies to whatever version is current.',
          security,
          params: RecordParams,
          body: RecordBody,
          response: { 200: RecordSchema, ...problemResponses(401, 403, 404, 412, 422) },
        },
      },
      async (request, reply) => {
        const { record, version } = await service.update(
          tenantCallOf(request),
          request.params.type,
          request.params.id,
          request.body,
          header(request.headers['if-match']),
        );
        return reply.header('etag', etagOf(version)).send(record);
      },
    );

    app.delete(
      '/api/records/:type/:id',
      {
        onRequest: writer,
        schema: {
          tags,
          summary: 'Delete a record, applying on_delete of the fields that reference it',
          description:
            '204. Records referencing it through a `reference` field with `on_delete: "restrict"` make it 409 `record-in-use` (with `blockers`); `cascade` deletes them too; `set_null` clears their value (references lists drop the id). `If-Match` is honoured as in PATCH.',
          security,
          params: RecordParams,
          response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses(401, 403, 404, 409, 412) },
        },
      },
      async (request, reply) => {
        await service.delete(tenantCallOf(request), request.params.type, request.params.id, header(request.headers['if-match']));
        return reply.code(204).send();
      },
    );

    // Shares of one record (restricted types): its creator and gestores, never API keys.
    const member = auth.tenant({ roles: ['gestor', 'cliente'] });

    app.post(
      '/api/records/:type/:id/access',
      {
        onRequest: member,
        schema: {
          tags,
          summary: 'Share a record with a team or a member (its creator or a gestor)',
          description:
            'For records of `restricted` types: the team\'s members (or the member) then see it; `write` lets them change and delete it too, within their role\'s permissions. Sharing again with the same principal changes its access (200). A team or member of another organisation is 422; a record you cannot see is 404; one you did not create (unless gestor) is 403 `record-access-denied`.',
          security,
          params: RecordParams,
          body: ShareBody,
          response: { 201: ShareSchema, 200: ShareSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        const { share, created } = await service.shares.share(tenantCallOf(request), request.params.type, request.params.id, request.body);
        return reply.code(created ? 201 : 200).send(share);
      },
    );

    app.get(
      '/api/records/:type/:id/access',
      {
        onRequest: member,
        schema: {
          tags,
          summary: "A record's shares (its creator or a gestor)",
          security,
          params: RecordParams,
          response: { 200: ShareListSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => ({ data: await service.shares.list(tenantCallOf(request), request.params.type, request.params.id) }),
    );

    app.delete(
      '/api/records/:type/:id/access/:share_id',
      {
        onRequest: member,
        schema: {
          tags,
          summary: 'Remove a share (its creator or a gestor)',
          security,
          params: ShareParams,
          response: { 204: { type: 'null', description: 'Removed' }, ...problemResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await service.shares.unshare(tenantCallOf(request), request.params.type, request.params.id, request.params.share_id);
        return reply.code(204).send();
      },
    );
  };
}
