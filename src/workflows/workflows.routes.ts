import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import {
  DefinitionBody,
  DiffQuery,
  DiffSchema,
  KeyParams,
  MigrateBody,
  MigrationSchema,
  PublishedSchema,
  VersionListSchema,
  VersionParams,
  VersionSchema,
  WorkflowListSchema,
  WorkflowSchema,
} from './workflows.schemas.ts';
import type { WorkflowsService } from './workflows.service.ts';

const security = [{ bearer: [] }];
const tags = ['workflows'];

// As for entity types: reading definitions is for every member and for
// data-reading API keys; changing, publishing and migrating them is for
// gestores only, never for a key.
const READ_SCOPES = ['agentes', 'read-only', 'read-write'];

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The draft's ETag: its revision in quotes. */
function draftTag(revision: number): string {
  return `"${revision}"`;
}

export function workflowsRoutes(service: WorkflowsService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    const gestor = auth.tenant({ roles: ['gestor'] });
    const reader = auth.tenant({ scopes: READ_SCOPES });

    app.post(
      '/api/workflows',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Create a workflow draft for an entity type (gestor)',
          description:
            'Answers 201 with the workflow and its draft (`ETag`: the draft revision). Nothing runs until it is published. Every shape problem is reported at once in `errors` (422); an `entity_type` the organisation does not have is 422 at `/entity_type`; a key already used is 409 `workflow-exists`; a type that already has a workflow is 409 `workflow-type-taken` (one workflow per type).',
          security,
          body: DefinitionBody,
          response: { 201: WorkflowSchema, ...problemResponses(401, 403, 409, 422) },
        },
      },
      async (request, reply) => {
        const workflow = await service.create(tenantCallOf(request), request.body);
        return reply.code(201).header('etag', draftTag(workflow.draft_revision)).send(workflow);
      },
    );

    app.get(
      '/api/workflows',
      {
        onRequest: reader,
        schema: { tags, summary: "The organisation's workflows, by key", security, response: { 200: WorkflowListSchema, ...problemResponses(401, 403) } },
      },
      async (request) => ({ data: await service.list(tenantCallOf(request)) }),
    );

    app.get(
      '/api/workflows/:key',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'One workflow: its draft and latest published version',
          security,
          params: KeyParams,
          response: { 200: WorkflowSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const workflow = await service.get(tenantCallOf(request), request.params.key);
        return reply.header('etag', draftTag(workflow.draft_revision)).send(workflow);
      },
    );

    app.put(
      '/api/workflows/:key',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: "Replace a workflow's draft (gestor)",
          description:
            'The same shape as POST; `key` must be the URL\'s. `entity_type` may change only until the first publish (422 at `/entity_type` after). Send `If-Match: "<draft_revision>"` to replace only the draft you read: a stale one is 412 `workflow-draft-changed`. Published versions are never changed: publish again to make the draft a new version.',
          security,
          params: KeyParams,
          body: DefinitionBody,
          response: { 200: WorkflowSchema, ...problemResponses(401, 403, 404, 409, 412, 422) },
        },
      },
      async (request, reply) => {
        const workflow = await service.replaceDraft(tenantCallOf(request), request.params.key, request.body, header(request.headers['if-match']));
        return reply.header('etag', draftTag(workflow.draft_revision)).send(workflow);
      },
    );

    app.post(
      '/api/workflows/:key/publish',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Publish the draft as a new immutable version (gestor)',
          description:
            'Validates the draft against the current entity types, teams and business calendars: every problem (unknown or unreachable states, no path from the initial state to a final one, transitions out of a final state, guards and effects naming unknown fields, roles, teams, types or calendars) is 422 `workflow-invalid` with JSON Pointers into the draft. Otherwise answers `{ key, version, attached, unchanged }`: new records of the type start in the initial state of this version; records on older versions stay there until final (or migrated). The first publish places the type\'s existing records in the initial state (`attached`). A draft equal to the latest version publishes nothing and answers that version with `unchanged: true`.',
          security,
          params: KeyParams,
          response: { 200: PublishedSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.publish(tenantCallOf(request), request.params.key),
    );

    app.get(
      '/api/workflows/:key/versions',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: "A workflow's published versions, oldest first",
          security,
          params: KeyParams,
          response: { 200: VersionListSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => ({ data: await service.versions(tenantCallOf(request), request.params.key) }),
    );

    app.get(
      '/api/workflows/:key/versions/:version',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'One published version of a workflow (immutable)',
          security,
          params: VersionParams,
          response: { 200: VersionSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => service.version(tenantCallOf(request), request.params.key, request.params.version),
    );

    app.get(
      '/api/workflows/:key/diff',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'What changed between two versions (or a version and the draft)',
          description: '`?from=1&to=2`, or `to=draft`. `changes` lists states and transitions added, removed or changed and a changed initial state, each with a JSON Pointer.',
          security,
          params: KeyParams,
          querystring: DiffQuery,
          response: { 200: DiffSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.diff(tenantCallOf(request), request.params.key, request.query),
    );

    app.post(
      '/api/workflows/:key/migrate',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Move in-flight records from one version to another (gestor)',
          description:
            'Records on `from_version` that are not in a final state move to `to_version`; `state_map` names the new state of each old state (a state left out keeps its key, which must exist in `to_version`: otherwise 422 at `/state_map/<state>`). `dry_run: true` only counts. Answers the moves per state. A record whose state key is unchanged keeps its time in the state (its SLA is not restarted); the old state\'s timers are cancelled and the new state\'s armed; each record gets a history entry (`migrate`) and a new version (ETag); one audit entry and event `workflow.migrated`.',
          security,
          params: KeyParams,
          body: MigrateBody,
          response: { 200: MigrationSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.migrate(tenantCallOf(request), request.params.key, request.body),
    );
  };
}
