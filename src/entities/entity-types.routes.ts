import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import {
  AddFieldBody,
  ChangedEntityTypeSchema,
  ChangePreviewSchema,
  ChangeQuery,
  CreateEntityTypeBody,
  EntityTypeListSchema,
  EntityTypeSchema,
  KeyParams,
  PatchEntityTypeBody,
  PreviewBody,
  RollbackBody,
  VersionListSchema,
  VersionsQuery,
} from './entity-types.schemas.ts';
import type { EntityTypesService } from './entity-types.service.ts';

const security = [{ bearer: [] }];
const tags = ['entity-types'];

// Reading the registry is for every member and for data-reading API keys
// (agents and integrations need the model to read records); changing it is
// for gestores only, never for a key (src/api-keys/core/scopes.ts).
const READ_SCOPES = ['agentes', 'read-only', 'read-write'];

const NARROWING =
  'A narrowing change that existing records violate (or a field made `unique` whose values repeat) is 409 `change-breaks-records` with the counts and examples; `?on_invalid=accept` applies it anyway (not for repeated unique values) and lists the failing records in `invalid_records`: they keep their data and fail validation on their next write until corrected.';

// docs/entities.md, "Index builds".
const BUILDS =
  'Fields made indexed or unique get their index entries inside the change when the type has few records (TESSERA_INDEX_REQUEST_BUILD_MAX); otherwise a background build is queued and reported in `index_builds` (also on GET), and listings filter on the stored data until it is `ready`.';

export function entityTypesRoutes(service: EntityTypesService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    const gestor = auth.tenant({ roles: ['gestor'] });
    const reader = auth.tenant({ scopes: READ_SCOPES });
    // No app.addSchema() here (see api-keys.routes.ts).

    app.post(
      '/api/entity-types',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Create an entity type (gestor)',
          description: 'Answers the type at version 1. Every problem in the definition is reported at once in `errors` (422); a key already used in this organisation is 409.',
          security,
          body: CreateEntityTypeBody,
          response: { 201: EntityTypeSchema, ...problemResponses(401, 403, 409, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await service.create(tenantCallOf(request), request.body)),
    );

    app.get(
      '/api/entity-types',
      {
        onRequest: reader,
        schema: { tags, summary: "The organisation's entity types, current versions, by key", security, response: { 200: EntityTypeListSchema, ...problemResponses(401, 403) } },
      },
      async (request) => ({ data: await service.list(tenantCallOf(request)) }),
    );

    app.get(
      '/api/entity-types/:key',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'One entity type, at its current version',
          description: '`index_builds` (present when there are any) reports its background index builds: waiting, running, failed, and ready ones for a day.',
          security,
          params: KeyParams,
          response: { 200: EntityTypeSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => service.get(tenantCallOf(request), request.params.key),
    );

    app.patch(
      '/api/entity-types/:key',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Change an entity type (gestor): creates the next version',
          description: `A change that changes nothing creates no version and answers the type as it is. ${NARROWING} ${BUILDS}`,
          security,
          params: KeyParams,
          querystring: ChangeQuery,
          body: PatchEntityTypeBody,
          response: { 200: ChangedEntityTypeSchema, ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request) => service.update(tenantCallOf(request), request.params.key, request.body, request.query.on_invalid),
    );

    app.post(
      '/api/entity-types/:key/fields',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Add one field to an entity type (gestor): creates the next version',
          description: `Errors point into the field sent (\`/values\`, \`/key\`). ${NARROWING} ${BUILDS}`,
          security,
          params: KeyParams,
          querystring: ChangeQuery,
          body: AddFieldBody,
          response: { 201: ChangedEntityTypeSchema, ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await service.addField(tenantCallOf(request), request.params.key, request.body, request.query.on_invalid)),
    );

    app.post(
      '/api/entity-types/:key/preview',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'What a change would do, without applying it (gestor)',
          description:
            'The body is a PATCH body or `{ "add_field": {...} }`. Answers the diff, the existing records the change would invalidate (count and up to 5 examples with their errors; the scan reads at most 100,000 records and says `capped`, and is skipped for changes that cannot invalidate a record), the fields whose index entries would be built or dropped, values held by several records in fields becoming `unique`, and `safe`. Changes nothing. An invalid change is 422 as for PATCH.',
          security,
          params: KeyParams,
          body: PreviewBody,
          response: { 200: ChangePreviewSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.preview(tenantCallOf(request), request.params.key, request.body),
    );

    app.get(
      '/api/entity-types/:key/versions',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'Every version of an entity type, oldest first, with author, time, kind of change and diff',
          description: '`?include=definition` adds each version\'s full definition.',
          security,
          params: KeyParams,
          querystring: VersionsQuery,
          response: { 200: VersionListSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => ({ data: await service.versions(tenantCallOf(request), request.params.key, request.query.include === 'definition') }),
    );

    app.post(
      '/api/entity-types/:key/rollback',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Make an earlier version current again (gestor)',
          description:
            'Appends a new version whose definition equals `to_version`\'s (history is never rewritten). An unknown `to_version` is 422; rolling back to a definition equal to the current one creates no version. Index entries the version needs are always built in the background (`index_builds`): a rollback stays one small transaction and is never refused; repeated values of a field it makes unique fail that build.',
          security,
          params: KeyParams,
          body: RollbackBody,
          response: { 200: EntityTypeSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.rollback(tenantCallOf(request), request.params.key, request.body.to_version),
    );
  };
}
