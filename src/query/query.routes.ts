import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { ExplainQuery, ExplainSchema, QueryBody, queryAnswerResponse } from './query.schemas.ts';
import { bodySource, type QueryService } from './query.service.ts';
import { negotiateFormat } from './stream-format.ts';
import { clientGone, sendStream } from './stream-reply.ts';

const security = [{ bearer: [] }];
const tags = ['query'];

// Reading, like record listings: members and API keys with a reading scope;
// per-type permissions and the row ACL narrow it (docs/access.md).
export const READ_SCOPES = ['agentes', 'read-only', 'read-write'];

export function queryRoutes(service: QueryService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    const reader = auth.tenant({ scopes: READ_SCOPES });
    const gestor = auth.tenant({ roles: ['gestor'] });

    app.post(
      '/api/query',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'Answer a query of the DSL: a page of records, groups with aggregates, or every row streamed',
          description:
            'Lists answer `{ data, next_cursor }` (keyset pages: send `next_cursor` back as `cursor` with the same query); aggregates answer `{ data, totals }`, one row per group. Invalid queries are 400 `invalid-query` with a JSON Pointer per problem; a type you may not read is 403; a query over the plan\'s statement timeout is 422 `query-timeout`. Only records you can see are read (row ACL). docs/query.md describes the language and the limits per plan.',
          security,
          body: QueryBody,
          response: { 200: queryAnswerResponse, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request, reply) => {
        const answer = await service.run(tenantCallOf(request), bodySource(request.body), negotiateFormat(request.headers.accept), clientGone(reply));
        return answer.kind === 'json' ? answer.body : sendStream(reply, answer);
      },
    );

    app.post(
      '/api/query/explain',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'The SQL a query compiles to, its values and PostgreSQL\'s plan (gestor)',
          description:
            'For tuning reports: `{ sql, values, plan, totals }`. `plan` is `EXPLAIN (FORMAT JSON)`; with `?analyze=true` the query runs (EXPLAIN ANALYZE) within the plan\'s statement timeout. The same validation and permissions as POST /api/query.',
          security,
          querystring: ExplainQuery,
          body: QueryBody,
          response: { 200: ExplainSchema, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => service.explain(tenantCallOf(request), bodySource(request.body), request.query.analyze === true),
    );
  };
}
