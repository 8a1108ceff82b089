import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { READ_SCOPES } from './query.routes.ts';
import { queryAnswerResponse } from './query.schemas.ts';
import {
  CreateSavedQueryBody, ReplaceSavedQueryBody, RunSavedQueryBody, SavedQueryListSchema, SavedQueryParams, SavedQuerySchema,
} from './saved-queries.schemas.ts';
import type { SavedQueriesService } from './saved-queries.service.ts';
import { negotiateFormat } from './stream-format.ts';
import { clientGone, sendStream } from './stream-reply.ts';

const security = [{ bearer: [] }];
const tags = ['saved queries'];

export function savedQueriesRoutes(service: SavedQueriesService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    // Members save queries (they own them); API keys read and run shared ones.
    const member = auth.tenant({ roles: ['gestor', 'cliente'] });
    const reader = auth.tenant({ scopes: READ_SCOPES });

    app.post(
      '/api/saved-queries',
      {
        onRequest: member,
        schema: {
          tags,
          summary: 'Save a query under a key, private or shared, with parameters',
          description:
            'The query is validated as POST /api/query would (400 `invalid-query`, pointers under `/query`), with each `{ "param": name }` placeholder standing for its default or a sample of its type; every placeholder must be declared in `parameters` and every declared parameter used. A taken key is 409.',
          security,
          body: CreateSavedQueryBody,
          response: { 201: SavedQuerySchema, ...problemResponses(400, 401, 403, 409, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await service.create(tenantCallOf(request), request.body)),
    );

    app.get(
      '/api/saved-queries',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'Saved queries you can see: your own and the shared ones (gestores: all)',
          security,
          response: { 200: SavedQueryListSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => ({ data: await service.list(tenantCallOf(request)) }),
    );

    app.get(
      '/api/saved-queries/:key',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'One saved query (404 when you cannot see it)',
          security,
          params: SavedQueryParams,
          response: { 200: SavedQuerySchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => service.get(tenantCallOf(request), request.params.key),
    );

    app.put(
      '/api/saved-queries/:key',
      {
        onRequest: member,
        schema: {
          tags,
          summary: 'Replace a saved query (its owner or a gestor)',
          description: 'Validated as when saved. A shared query you do not own is 403 `saved-query-not-owner`; one you cannot see is 404.',
          security,
          params: SavedQueryParams,
          body: ReplaceSavedQueryBody,
          response: { 200: SavedQuerySchema, ...problemResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request) => service.replace(tenantCallOf(request), request.params.key, request.body),
    );

    app.delete(
      '/api/saved-queries/:key',
      {
        onRequest: member,
        schema: {
          tags,
          summary: 'Delete a saved query (its owner or a gestor)',
          security,
          params: SavedQueryParams,
          response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await service.delete(tenantCallOf(request), request.params.key);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/saved-queries/:key/run',
      {
        onRequest: reader,
        // The body is optional: no body is a run without parameters.
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = {};
        },
        schema: {
          tags,
          summary: 'Run a saved query with parameters: a page, groups, or every row streamed (Accept)',
          description:
            'Answers as POST /api/query. The body may be omitted (no parameters). `parameters` gives the declared parameters\' values (defaults fill the rest; a missing required one, an unknown one or a value of the wrong type is 400 at `/parameters/<name>`); `cursor` continues a page of the same run; `limit` replaces the saved one. A query that no longer fits the entity types is 400 with pointers under `/query`.',
          security,
          params: SavedQueryParams,
          body: RunSavedQueryBody,
          response: { 200: queryAnswerResponse, ...problemResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        const answer = await service.run(tenantCallOf(request), request.params.key, request.body, negotiateFormat(request.headers.accept), clientGone(reply));
        return answer.kind === 'json' ? answer.body : sendStream(reply, answer);
      },
    );
  };
}
